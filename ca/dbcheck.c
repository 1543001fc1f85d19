/* dbcheck: verifies that the database says what its certificates say. Every
 * indexed column of a row (serial, names, pin, fingerprint, dates, issuer) is
 * a copy of something in the row's DER; a row whose copy drifted would make
 * `db list`, the pin guard or a CRL lie. So each row is re-parsed and
 * compared, and each signature verified against the issuer the row names.
 * The audit chain is walked too, so one command says whether the CA's memory
 * can be trusted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "ca/der_direct.h"
#include "ca/dbcheck.h"
#include "common/err.h"

#define PROBLEM_MAX 1024

/* A CA row kept for the leaves: its id, serial and parsed certificate. */
struct check_ca {
	int64_t id, issuer_id;
	char serial[SERIAL_HEX_MAX];
	X509 *cert;		/* NULL while pending or when the DER is damaged */
};

/* Formats one problem, counts it and hands it to the report callback. */
static int
problem(struct db_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
problem(struct db_check *c, const char *fmt, ...)
{
	char line[PROBLEM_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->problems++;
	return c->report(line, c->arg);
}

/* The report callback for store_integrity. */
static int
integrity_problem(const char *text, void *arg)
{
	return problem(arg, "database: %s", text);
}

/* The loaded CA with this id, or NULL. */
static struct check_ca *
check_ca_by_id(struct db_check *c, int64_t id)
{
	for (size_t i = 0; i < c->nca; i++)
		if (c->ca[i].id == id)
			return &c->ca[i];
	return NULL;
}

/* Verifies that issuer issued cert: names and key identifiers agree
 * (X509_check_issued) and the signature verifies with the issuer's key. */
static int
check_signature(struct db_check *c, const char *what, const char *serial, X509 *cert,
    X509 *issuer, const char *issuer_serial)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer);
	int v = X509_check_issued(issuer, cert);

	if (v != X509_V_OK)
		return problem(c, "%s %s: not issued by CA %s (%s)", what, serial, issuer_serial,
		    X509_verify_cert_error_string(v));
	if (pub == NULL || X509_verify(cert, pub) != 1) {
		ERR_clear_error();
		return problem(c, "%s %s: the signature does not verify with the key of CA %s",
		    what, serial, issuer_serial);
	}
	return 0;
}

/* Compares the columns every certificate row has with its parsed DER. The
 * fingerprint is taken over the stored bytes themselves (x came from them
 * and encodes back to them; hashing them spares re-encoding x). */
static int
check_common_columns(struct db_check *c, const char *what, const char *serial, X509 *x,
    const unsigned char *der, size_t der_len, const char *pin, const char *fingerprint,
    int64_t not_before, int64_t not_after)
{
	char have_serial[SERIAL_HEX_MAX] = "?", have_pin[PIN_LEN] = "?", have_fp[65] = "?";
	int rc = 0;

	if (cert_serial_hex(x, have_serial) != RC_OK || strcmp(have_serial, serial) != 0)
		rc = problem(c, "%s %s: the DER has serial %s", what, serial, have_serial);
	if (rc == 0 && (pin_of_cert(x, have_pin) != RC_OK || pin == NULL || strcmp(have_pin, pin) != 0))
		rc = problem(c, "%s %s: pin column %s, the DER's key has %s", what, serial,
		    pin ? pin : "(null)", have_pin);
	if (rc == 0 && (fingerprint_of_der(der, der_len, have_fp) != RC_OK || fingerprint == NULL ||
	    strcmp(have_fp, fingerprint) != 0))
		rc = problem(c, "%s %s: sha256_fingerprint column %s, the DER hashes to %s", what,
		    serial, fingerprint ? fingerprint : "(null)", have_fp);
	if (rc == 0 && asn1_time_unix(X509_get0_notBefore(x)) != not_before)
		rc = problem(c, "%s %s: not_before column %lld differs from the DER's %lld", what,
		    serial, (long long)not_before, (long long)asn1_time_unix(X509_get0_notBefore(x)));
	if (rc == 0 && asn1_time_unix(X509_get0_notAfter(x)) != not_after)
		rc = problem(c, "%s %s: not_after column %lld differs from the DER's %lld", what,
		    serial, (long long)not_after, (long long)asn1_time_unix(X509_get0_notAfter(x)));
	return rc;
}

/* Checks one CA row and keeps its certificate for the leaves. */
static int
check_ca_row(const struct ca_record *r, void *arg)
{
	struct db_check *c = arg;
	struct check_ca *slot, *grown;
	unsigned char *spki = NULL;
	char cn[256];
	int n, rc = 0;

	c->cas++;
	if ((grown = realloc(c->ca, (c->nca + 1) * sizeof(*c->ca))) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	c->ca = grown;
	slot = &c->ca[c->nca++];
	memset(slot, 0, sizeof(*slot));
	slot->id = r->id;
	slot->issuer_id = r->issuer_id;
	snprintf(slot->serial, sizeof(slot->serial), "%s", r->serial ? r->serial : "(pending)");
	if (r->der == NULL)
		return strcmp(r->state, "pending") == 0 ? 0 :
		    problem(c, "CA %lld (%s): %s but has no certificate", (long long)r->id, r->cn,
		    r->state);
	if ((slot->cert = cert_from_der(r->der, r->der_len)) == NULL) {
		ERR_clear_error();
		return problem(c, "CA %s (%s): the stored DER does not parse", slot->serial, r->cn);
	}
	if (r->serial == NULL)
		return problem(c, "CA %lld (%s): has a certificate but no serial", (long long)r->id, r->cn);
	rc = check_common_columns(c, "CA", r->serial, slot->cert, r->der, r->der_len, r->pin,
	    r->sha256_fingerprint, r->not_before, r->not_after);
	cert_subject_cn(slot->cert, cn, sizeof(cn));
	if (rc == 0 && strcmp(cn, r->cn) != 0)
		rc = problem(c, "CA %s: cn column '%s', the DER says '%s'", r->serial, r->cn, cn);
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(slot->cert), &spki);
	if (rc == 0 && (n <= 0 || (size_t)n != r->spki_len || memcmp(spki, r->spki, (size_t)n) != 0))
		rc = problem(c, "CA %s: spki column differs from the DER's public key", r->serial);
	OPENSSL_free(spki);
	return rc;
}

/* Checks each CA's signature once every CA is loaded: a root (issuer 0)
 * against itself, an intermediate against the CA its row names. */
static int
check_ca_signatures(struct db_check *c)
{
	int rc = 0;

	for (size_t i = 0; i < c->nca && rc == 0; i++) {
		struct check_ca *ca = &c->ca[i];
		struct check_ca *issuer = ca->issuer_id ? check_ca_by_id(c, ca->issuer_id) : ca;

		if (ca->cert == NULL)
			continue;
		if (issuer == NULL)
			rc = problem(c, "CA %s: its issuer (CA id %lld) is not in the database",
			    ca->serial, (long long)ca->issuer_id);
		else if (issuer->cert == NULL)
			rc = problem(c, "CA %s: its issuer CA %s has no usable certificate", ca->serial,
			    issuer->serial);
		else
			rc = check_signature(c, "CA", ca->serial, ca->cert, issuer->cert, issuer->serial);
	}
	return rc;
}

/* Compares the SAN of the DER with the row's dns and ip columns (JSON arrays
 * in the certificate's order). */
static int
check_names(struct db_check *c, const struct cert_record *r, X509 *x)
{
	char *dns = NULL, *ip = NULL;
	json_t *have_dns = NULL, *have_ip = NULL, *row_dns, *row_ip;
	int rc = 0;

	row_dns = json_loads(r->dns_json, 0, NULL);
	row_ip = json_loads(r->ip_json, 0, NULL);
	if (cert_names_json(x, &dns, &ip) == RC_OK) {
		have_dns = json_loads(dns, 0, NULL);
		have_ip = json_loads(ip, 0, NULL);
	}
	if (row_dns == NULL || have_dns == NULL || !json_equal(row_dns, have_dns))
		rc = problem(c, "certificate %s: dns column %s, the DER's SAN has %s", r->serial,
		    r->dns_json, dns ? dns : "(unreadable)");
	else if (row_ip == NULL || have_ip == NULL || !json_equal(row_ip, have_ip))
		rc = problem(c, "certificate %s: ip column %s, the DER's SAN has %s", r->serial,
		    r->ip_json, ip ? ip : "(unreadable)");
	json_decref(row_dns);
	json_decref(row_ip);
	json_decref(have_dns);
	json_decref(have_ip);
	free(dns);
	free(ip);
	return rc;
}

/* Checks one leaf row: its DER, its columns, its issuer's signature. */
static int
check_cert_row(const struct cert_record *r, void *arg)
{
	struct db_check *c = arg;
	struct check_ca *issuer;
	char subject[256];
	X509 *x;
	int rc;

	c->certificates++;
	/* The direct reader gives the same certificate or none (it must encode back to
	 * exactly the stored DER), without OpenSSL 3.0's key decoders, which
	 * cost d2i_X509 more than the signature check; anything it does not
	 * take (RSA, odd encodings, garbage) goes to d2i_X509. */
	if ((x = der_direct_read_cert_ec(r->der, r->der_len)) == NULL &&
	    (x = cert_from_der(r->der, r->der_len)) == NULL) {
		ERR_clear_error();
		return problem(c, "certificate %s: the stored DER does not parse", r->serial);
	}
	rc = check_common_columns(c, "certificate", r->serial, x, r->der, r->der_len, r->pin,
	    r->sha256_fingerprint, r->not_before, r->not_after);
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	if (rc == 0 && strcmp(subject, r->subject) != 0)
		rc = problem(c, "certificate %s: subject column '%s', the DER says '%s'", r->serial,
		    r->subject, subject);
	if (rc == 0)
		rc = check_names(c, r, x);
	if (rc == 0) {
		if ((issuer = check_ca_by_id(c, r->issuer_id)) == NULL)
			rc = problem(c, "certificate %s: its issuer (CA id %lld) is not in the database",
			    r->serial, (long long)r->issuer_id);
		else if (issuer->cert == NULL)
			rc = problem(c, "certificate %s: its issuer CA %s has no usable certificate",
			    r->serial, issuer->serial);
		else
			rc = check_signature(c, "certificate", r->serial, x, issuer->cert, issuer->serial);
	}
	X509_free(x);
	return rc;
}

static int check_walk(struct db_check *c, const char *what, int rc_walk);

/* Checks one revocation: its serial names a certificate in the database,
 * issued by the CA whose CRL lists it, with the same notAfter (the CRL
 * drops entries by it). */
static int
check_revocation_row(const struct revocation_record *r, void *arg)
{
	struct db_check *c = arg;
	struct revocation_target t;
	int rc;

	c->revocations++;
	memset(&t, 0, sizeof(t));
	if ((rc = store_revocation_target(c->st, r->serial, &t)) == STORE_NOT_FOUND)
		return problem(c, "revocation %s: names no certificate in the database", r->serial);
	if (rc != RC_OK)
		return RC_FAIL;
	if (t.issuer_id != r->issuer_id)
		rc = problem(c, "revocation %s: listed under CA id %lld, but the certificate was issued "
		    "by CA id %lld", r->serial, (long long)r->issuer_id, (long long)t.issuer_id);
	else if (t.not_after != r->not_after)
		rc = problem(c, "revocation %s: not_after %lld differs from the certificate's %lld",
		    r->serial, (long long)r->not_after, (long long)t.not_after);
	revocation_target_clear(&t);
	return rc;
}

/* Walks the revocations of every CA. */
static int
check_revocations(struct db_check *c)
{
	int rc = 0;

	for (size_t i = 0; i < c->nca && rc == 0; i++) {
		pinca_err_clear();
		rc = check_walk(c, "revocations", store_revocation_each(c->st, c->ca[i].id,
		    check_revocation_row, c));
	}
	return rc;
}

/* Counts audit records and reports each whose hash or link is wrong. */
static int
check_audit_row(const struct audit_record *r, int ok, void *arg)
{
	struct db_check *c = arg;

	c->audit_records++;
	if (ok)
		return 0;
	return problem(c, "audit log: record %lld (%s) breaks the hash chain", (long long)r->seq,
	    r->action ? r->action : "?");
}

/* Ends one store walk (the caller cleared the thread's error line before
 * it): a damaged page met while reading is a problem to report, with the
 * store's error line, and the walk goes on with the next table. */
static int
check_walk(struct db_check *c, const char *what, int rc_walk)
{
	char err[PROBLEM_MAX];

	if (rc_walk == RC_FAIL && pinca_err_pending())
		return problem(c, "%s: reading stopped: %s", what, pinca_err_take(err, sizeof(err)));
	return rc_walk == RC_FAIL ? 0 : rc_walk;
}

int
db_check_run(struct db_check *c)
{
	struct cert_filter all;
	int rc;

	memset(&all, 0, sizeof(all));
	all.with_der = 1;
	all.serial_order = 1;	/* the table itself: a damaged index does not hide rows */
	c->cas = c->certificates = c->revocations = c->audit_records = c->problems = 0;
	pinca_err_clear();
	rc = store_integrity(c->st, integrity_problem, c);
	rc = check_walk(c, "database", rc);
	if (rc == 0) {
		pinca_err_clear();
		rc = check_walk(c, "CAs", store_ca_each(c->st, check_ca_row, c));
	}
	if (rc == 0)
		rc = check_ca_signatures(c);
	if (rc == 0) {
		pinca_err_clear();
		rc = check_walk(c, "certificates", store_cert_each(c->st, &all, check_cert_row, c));
	}
	if (rc == 0)
		rc = check_revocations(c);
	if (rc == 0) {
		pinca_err_clear();
		rc = check_walk(c, "audit log", store_audit_each(c->st, check_audit_row, c));
	}
	if (rc == 0)
		rc = db_check_files(c);
	/* Lines the walks met and reported as problems are done with. */
	if (rc == 0)
		pinca_err_clear();
	for (size_t i = 0; i < c->nca; i++)
		X509_free(c->ca[i].cert);
	free(c->ca);
	c->ca = NULL;
	c->nca = 0;
	return rc;
}
