/* test_crl: the streamed CRL encoder and the revocation store, read back with
 * OpenSSL's own CRL parser (d2i_X509_CRL) and checked field by field:
 * version, cRLNumber, serial encodings at the sign-bit edges, UTCTime before
 * 2050 and GeneralizedTime after, reason codes, the signature, and the
 * numbering and constraint behaviour of the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "ca/authority.h"
#include "ca/keys.h"
#include "ca/signer.h"
#include "common/err.h"
#include "db/store.h"
#include "revoke/crl.h"
#include "tests/unit/unit.h"

/* Builds, signs and parses the CRL of sg; NULL if any step failed. */
static X509_CRL *
build_and_parse(struct store *st, struct signer *sg, int64_t number, struct crl *c)
{
	struct crl_request req = { number, 1700000000, 1700000000 + 7 * 86400, 0 };
	const unsigned char *p;

	if (crl_build_streaming(st, sg, &req, c) != RC_OK)
		return NULL;
	p = c->der;
	return d2i_X509_CRL(NULL, &p, (long)c->der_len);
}

/* The revoked entry with this serial (hex as ASN1 prints it), or NULL. */
static X509_REVOKED *
entry_of(X509_CRL *crl, long value)
{
	STACK_OF(X509_REVOKED) *rs = X509_CRL_get_REVOKED(crl);

	for (int i = 0; i < sk_X509_REVOKED_num(rs); i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(rs, i);
		if (ASN1_INTEGER_get(X509_REVOKED_get0_serialNumber(r)) == value)
			return r;
	}
	return NULL;
}

static int
reason_of(X509_REVOKED *r)
{
	ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
	int v = e ? (int)ASN1_ENUMERATED_get(e) : -1;

	ASN1_ENUMERATED_free(e);
	return v;
}

static void
test_reasons(void)
{
	CHECK(crl_reason_parse("keyCompromise") == 1, "reason keyCompromise is 1");
	CHECK(crl_reason_parse("CACOMPROMISE") == 2, "reason names ignore case");
	CHECK(crl_reason_parse("removeFromCRL") == 8, "removeFromCRL parses as 8 (the caller refuses it)");
	CHECK(crl_reason_parse("aACompromise") == 10, "aACompromise is 10");
	CHECK(crl_reason_parse("stolen") == -1 && crl_reason_parse("7") == -1, "unknown reason is -1");
	CHECK(strcmp(crl_reason_name(7), "unknown") == 0, "code 7 has no name");
	CHECK(strcmp(crl_reason_name(crl_reason_parse("privilegeWithdrawn")),
	    "privilegeWithdrawn") == 0, "names round-trip");
}

/* Adds one revocation of CA id. */
static int
add(struct store *st, int64_t id, const char *serial, int64_t at, int reason)
{
	struct revocation_record r = { "", id, at, reason, at + 86400 };

	snprintf(r.serial, sizeof(r.serial), "%s", serial);
	return store_revocation_insert(st, &r);
}

static void
test_encoder(struct store *st, struct signer *sg, int64_t id, EVP_PKEY *key)
{
	struct crl c;
	X509_CRL *crl;
	X509_REVOKED *r;
	ASN1_INTEGER *num;
	int64_t number = 0, n2 = 0, tu = 0, nu = 0;

	store_crl_next_number(st, id, &number);
	CHECK(number == 1, "first CRL number is 1");
	crl = build_and_parse(st, sg, number, &c);
	CHECK(crl != NULL, "empty CRL parses with d2i_X509_CRL");
	CHECK(crl && X509_CRL_get_version(crl) == 1, "empty CRL is v2");
	CHECK(crl && X509_CRL_get_REVOKED(crl) == NULL, "empty CRL has no revokedCertificates field");
	CHECK(crl && X509_CRL_verify(crl, key) == 1, "empty CRL signature verifies");
	CHECK(store_crl_record(st, id, number, 1, 2, c.entries, c.sha256) == RC_OK, "store_crl_record");
	CHECK(store_crl_next_number(st, id, &n2) == RC_OK && n2 == 2, "next number is 2");
	CHECK(store_crl_latest(st, id, &number, &tu, &nu) == RC_OK && number == 1 &&
	    tu == 1 && nu == 2, "latest CRL is 1");
	CHECK(store_crl_record(st, id, 1, 1, 2, 0, "x") == RC_FAIL, "a reused CRL number fails");
	X509_CRL_free(crl);
	crl_clear(&c);

	CHECK(add(st, id, "01", 915148800, 1) == RC_OK, "insert 01 (1999, keyCompromise)");
	CHECK(add(st, id, "7f", 1700000000, 0) == RC_OK, "insert 7f (unspecified)");
	CHECK(add(st, id, "80", 2556144000, 10) == RC_OK, "insert 80 (2051, aACompromise)");
	CHECK(add(st, id, "00ff", 1700000000, 9) == RC_OK, "insert 00ff (leading zero byte)");
	CHECK(add(st, id, "01", 1, 0) == STORE_CONSTRAINT, "second insert of 01 is STORE_CONSTRAINT");
	crl = build_and_parse(st, sg, 2, &c);
	CHECK(crl != NULL, "CRL with entries parses");
	if (crl == NULL)
		return;
	CHECK(c.entries == 4 && sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) == 4, "four entries");
	CHECK(X509_CRL_verify(crl, key) == 1, "signature verifies");
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	CHECK(num && ASN1_INTEGER_get(num) == 2, "cRLNumber is 2");
	ASN1_INTEGER_free(num);
	CHECK(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1) >= 0, "AKI present");
	r = entry_of(crl, 1);
	CHECK(r && reason_of(r) == 1 &&
	    ASN1_STRING_type(X509_REVOKED_get0_revocationDate(r)) == V_ASN1_UTCTIME, "01: keyCompromise, UTCTime");
	r = entry_of(crl, 0x7f);
	CHECK(r && reason_of(r) == -1 &&
	    X509_REVOKED_get_ext_count(r) == 0, "7f: no reasonCode extension");
	r = entry_of(crl, 0x80);
	CHECK(r && reason_of(r) == 10 &&
	    ASN1_STRING_type(X509_REVOKED_get0_revocationDate(r)) == V_ASN1_GENERALIZEDTIME &&
	    asn1_time_unix(X509_REVOKED_get0_revocationDate(r)) == 2556144000, "80: positive, aACompromise, GeneralizedTime in 2051");
	r = entry_of(crl, 0xff);
	CHECK(r && reason_of(r) == 9, "00ff: minimal encoding of 255, privilegeWithdrawn");
	CHECK(i2d_X509_CRL(crl, NULL) == (int)c.der_len, "a re-encoded CRL is byte-identical (DER is canonical)");
	X509_CRL_free(crl);
	crl_clear(&c);

	CHECK(add(st, id, "zz", 1700000000, 0) == RC_OK, "insert a damaged serial");
	CHECK(build_and_parse(st, sg, 3, &c) == NULL && c.der == NULL, "a damaged row fails the build");
}

int
main(void)
{
	char dir[] = "/tmp/pinca-unit-crl.XXXXXX", path[4200], keyrel[] = "root.key";
	struct store *st = NULL;
	struct ca_record rec = { 0 };
	struct pass_source src = { 0 };
	struct signer *sg = NULL;
	char serial[SERIAL_HEX_MAX];
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	test_reasons();
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, keyrel);
	if ((key = key_generate(KEY_EC_P256)) == NULL || key_write(path, key, NULL) != RC_OK ||
	    (cert = root_build(key, "Unit Root", 365, serial)) == NULL ||
	    ca_record_from_cert(&rec, cert, "root", "active", KEY_EC_P256, keyrel, 0) != RC_OK) {
		CHECK(0, "set up a root");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/pinca.db", dir);
	if (store_open(path, 1, &st) != RC_OK || store_ca_insert(st, &rec) != RC_OK ||
	    (sg = signer_open(dir, &rec, &src, NULL, NULL)) == NULL) {
		CHECK(0, "open the store and the signer");
		goto out;
	}
	test_encoder(st, sg, rec.id, key);
out:
	signer_free(sg);
	store_close(st);
	ca_record_clear(&rec);
	X509_free(cert);
	EVP_PKEY_free(key);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return unit_finish();
}
