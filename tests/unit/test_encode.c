/* test_encode: the leaf encoder (ca/der_direct_leaf.c) against OpenSSL's own. For
 * each case the same certificate is built with OpenSSL's X509 setters and
 * X509V3_EXT_conf_nid (the way pinca built leaves before the encoder), and
 * its TBSCertificate must be byte for byte the encoder's; the encoder's
 * certificate must parse with d2i_X509 and its signature verify under the
 * issuer's key. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "ca/der_direct.h"
#include "ca/signer.h"
#include "common/der.h"
#include "common/err.h"
#include "tests/unit/unit.h"

/* A CA certificate (with an SKI, so leaves get an AKI), optionally with
 * name constraints. */
static X509 *
make_issuer(EVP_PKEY *key, const char *md)
{
	X509 *x = X509_new();
	X509_NAME *n = name_from_cn("Encoder Unit CA");
	int64_t now = (int64_t)time(NULL);
	char serial[SERIAL_HEX_MAX];

	X509_set_version(x, X509_VERSION_3);
	cert_set_random_serial(x, serial);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	cert_set_validity(x, now - 60, now + 40L * 365 * 86400);
	X509_set_pubkey(x, key);
	cert_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	cert_add_ext(x, x, NID_subject_key_identifier, "hash");
	X509_sign(x, key, EVP_get_digestbyname(md));
	X509_NAME_free(n);
	return x;
}

/* The reference: the leaf as OpenSSL's X509 API builds it. */
static X509 *
reference(X509 *issuer, EVP_PKEY *pub, const struct leaf_fields *f, const char *crl_url)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	BIGNUM *bn = NULL;
	char san[2048] = "", dp[600];
	size_t off = 0;

	/* An empty subject makes the SAN critical (RFC 5280 4.2.1.6). */
	if (f->cn == NULL)
		off = (size_t)snprintf(san, sizeof(san), "critical,");

	BN_hex2bn(&bn, f->serial);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	if (f->cn)
		X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
		    (const unsigned char *)f->cn, -1, -1, 0);
	X509_set_version(x, X509_VERSION_3);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	cert_set_validity(x, f->not_before, f->not_after);
	spki_normalize(pub);
	X509_set_pubkey(x, pub);
	for (int i = 0; i < f->ndns + f->nip; i++)
		off += (size_t)snprintf(san + off, sizeof(san) - off, "%s%s:%s", i ? "," : "",
		    i < f->ndns ? "DNS" : "IP", i < f->ndns ? f->dns[i] : f->ip[i - f->ndns]);
	cert_add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
	cert_add_ext(x, issuer, NID_key_usage, f->rsa ? "critical,digitalSignature,keyEncipherment" :
	    "critical,digitalSignature");
	cert_add_ext(x, issuer, NID_ext_key_usage, f->client ? "clientAuth" : "serverAuth");
	cert_add_ext(x, issuer, NID_subject_key_identifier, "hash");
	cert_add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	cert_add_ext(x, issuer, NID_subject_alt_name, san);
	if (crl_url) {
		snprintf(dp, sizeof(dp), "URI:%s", crl_url);
		cert_add_ext(x, issuer, NID_crl_distribution_points, dp);
	}
	X509_NAME_free(name);
	return x;
}

/* The first element (tbsCertificate) of a Certificate's DER. */
static int
tbs_of(const unsigned char *der, size_t len, const unsigned char **tbs, size_t *tbs_len)
{
	const unsigned char *p = der, *c, *q;
	unsigned char tag;
	size_t clen;

	if (der_next(&p, der + len, &tag, &c, &clen) != 0)
		return -1;
	q = c;
	if (der_next(&q, c + clen, &tag, tbs, tbs_len) != 0)
		return -1;
	*tbs = c;
	*tbs_len = (size_t)(q - c);
	return 0;
}

/* Encodes one case both ways and compares. */
static void
check_case(const char *what, EVP_PKEY *ca_key, const char *md, EVP_PKEY *leaf_key,
    struct leaf_fields *f, const char *crl_url)
{
	X509 *issuer = make_issuer(ca_key, md), *ref, *ours = NULL;
	struct signer *sg = signer_from_key(ca_key, issuer);
	struct leaf_template t;
	unsigned char raw[16], *der = NULL, *spki = NULL, *ref_tbs = NULL;
	const unsigned char *p, *tbs = NULL;
	size_t der_len = 0, spki_len = 0, tbs_len = 0;
	int ref_len;
	char serial[SERIAL_HEX_MAX], name[160];

	cert_random_serial(raw, serial);
	f->serial = serial;
	spki_normalize(leaf_key);
	spki_der_of_pkey(leaf_key, &spki, &spki_len);
	f->spki = spki;
	f->spki_len = spki_len;
	snprintf(name, sizeof(name), "%s: the template is made", what);
	CHECK(leaf_template_init(&t, sg, crl_url) == RC_OK, name);
	snprintf(name, sizeof(name), "%s: the leaf is encoded", what);
	CHECK(leaf_encode(&t, sg, f, &der, &der_len) == RC_OK, name);
	p = der;
	ours = der ? d2i_X509(NULL, &p, (long)der_len) : NULL;
	snprintf(name, sizeof(name), "%s: d2i_X509 reads all of it", what);
	CHECK(ours != NULL && p == der + der_len, name);
	snprintf(name, sizeof(name), "%s: the signature verifies under the issuer's key", what);
	CHECK(ours != NULL && X509_verify(ours, ca_key) == 1, name);
	ref = reference(issuer, leaf_key, f, crl_url);
	/* The reference is signed only to set its signature algorithm fields. */
	X509_sign(ref, ca_key, EVP_get_digestbyname(md));
	ref_len = i2d_re_X509_tbs(ref, &ref_tbs);
	snprintf(name, sizeof(name), "%s: the TBSCertificate is OpenSSL's, byte for byte", what);
	CHECK(der && tbs_of(der, der_len, &tbs, &tbs_len) == 0 && ref_len > 0 &&
	    (size_t)ref_len == tbs_len && memcmp(tbs, ref_tbs, tbs_len) == 0, name);
	OPENSSL_free(ref_tbs);
	OPENSSL_free(der);
	OPENSSL_free(spki);
	X509_free(ref);
	X509_free(ours);
	leaf_template_clear(&t);
	signer_free(sg);
	X509_free(issuer);
}

int
main(void)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *leaf = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	char *dns[] = { "www.example.com", "*.api.example.com", "example.com" };
	char *ip[] = { "10.0.0.1", "2001:db8::1" };
	char long_name[80];
	int64_t now = (int64_t)time(NULL);
	struct leaf_fields f;

	memset(&f, 0, sizeof(f));
	f.not_before = now - 3600;
	f.not_after = now + 825L * 86400;
	f.cn = dns[0];
	f.dns = dns;
	f.ndns = 3;
	f.ip = ip;
	f.nip = 2;
	check_case("P-256 server leaf, names and addresses, CRL URL", p256, "SHA256", leaf, &f,
	    "http://crl.example.com/int.crl");
	f.client = 1;
	f.ndns = 1;
	f.nip = 0;
	check_case("client leaf, no CRL URL", p256, "SHA256", leaf, &f, NULL);
	f.client = 0;
	f.rsa = 1;
	check_case("RSA leaf under a P-384 issuer (SHA-384)", p384, "SHA384", rsa, &f, NULL);
	f.rsa = 0;
	memset(long_name, 'a', 63);
	strcpy(long_name + 63, ".example.com");
	dns[0] = long_name;
	f.cn = NULL;
	check_case("a first name over 64 octets: empty subject, critical SAN", p256, "SHA256", leaf,
	    &f, NULL);
	f.cn = ip[1];
	f.ndns = 0;
	f.ip = ip + 1;
	f.nip = 1;
	f.not_after = 2600000000;	/* 2052: GeneralizedTime */
	check_case("IPv6 only, notAfter after 2049", p256, "SHA256", leaf, &f, NULL);
	{
		/* An issuer whose nameConstraints appear twice: the template is
		 * refused, so its leaves are never issued as if unconstrained. */
		X509 *issuer = make_issuer(p256, "SHA256");
		struct signer *sg = signer_from_key(p256, issuer);
		struct leaf_template t;
		pinca_err_clear();
		cert_add_ext(issuer, issuer, NID_name_constraints, "critical,permitted;DNS:example.com");
		cert_add_ext(issuer, issuer, NID_name_constraints, "critical,permitted;DNS:example.org");
		X509_sign(issuer, p256, EVP_sha256());
		CHECK(leaf_template_init(&t, sg, NULL) == RC_FAIL &&
		    strstr(pinca_err_message(), "name constraints"),
		    "an issuer with two nameConstraints extensions issues nothing");
		pinca_err_clear();
		signer_free(sg);
		X509_free(issuer);
	}
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(leaf);
	EVP_PKEY_free(rsa);
	return unit_finish();
}
