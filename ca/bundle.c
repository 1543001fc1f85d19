/* bundle: reading and writing the file `ca sign` hands to `ca import`, and
 * proving its roots against the operator's pin and the signed root ceremony
 * transcript (see bundle.h for the format). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/bundle.h"
#include "ca/cert.h"
#include "common/err.h"
#include "common/fileio.h"

void
bundle_clear(struct bundle *b)
{
	if (b == NULL)
		return;
	sk_X509_pop_free(b->certs, X509_free);
	free(b->transcript);
	free(b->sig);
	memset(b, 0, sizeof(*b));
}

/* Keeps one PEM block of the bundle: a certificate, the transcript or its
 * signature. Takes data on success. */
static int
bundle_take_block(struct bundle *b, const char *what, const char *name, unsigned char *data,
    long len)
{
	const unsigned char *p = data;
	X509 *x;

	if (strcmp(name, PEM_STRING_X509) == 0) {
		if ((x = d2i_X509(NULL, &p, len)) == NULL || p != data + len || !sk_X509_push(b->certs, x)) {
			X509_free(x);
			pinca_warn_ssl("%s: certificate %d is damaged", what, sk_X509_num(b->certs) + 1);
			return RC_FAIL;
		}
		OPENSSL_free(data);
		return RC_OK;
	}
	if (strcmp(name, BUNDLE_PEM_TRANSCRIPT) == 0 || strcmp(name, BUNDLE_PEM_SIGNATURE) == 0) {
		int is_doc = strcmp(name, BUNDLE_PEM_TRANSCRIPT) == 0;
		unsigned char *copy;
		if ((is_doc ? (void *)b->transcript : (void *)b->sig) != NULL) {
			pinca_warnx("%s holds more than one %s block", what, name);
			return RC_FAIL;
		}
		if (is_doc && memchr(data, '\0', (size_t)len) != NULL) {
			pinca_warnx("%s: the ceremony transcript is not text", what);
			return RC_FAIL;
		}
		if ((copy = malloc((size_t)len + 1)) == NULL) {
			pinca_warnx("out of memory reading %s", what);
			return RC_FAIL;
		}
		memcpy(copy, data, (size_t)len);
		copy[len] = '\0';
		if (is_doc) {
			b->transcript = (char *)copy;
			b->transcript_len = (size_t)len;
		} else {
			b->sig = copy;
			b->sig_len = (size_t)len;
		}
		OPENSSL_free(data);
		return RC_OK;
	}
	pinca_warnx("%s holds a PEM block '%.40s' that does not belong in a signed bundle", what, name);
	return RC_FAIL;
}

int
bundle_parse(const unsigned char *data, size_t len, const char *what, struct bundle *b)
{
	char *name = NULL, *header = NULL;
	unsigned char *block = NULL;
	long block_len = 0;
	unsigned long e;
	BIO *bio = NULL;
	int rc = RC_FAIL;

	memset(b, 0, sizeof(*b));
	if ((b->certs = sk_X509_new_null()) == NULL || len > INT_MAX ||
	    (bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		pinca_warnx("cannot read %s", what);
		goto out;
	}
	ERR_clear_error();
	while (PEM_read_bio(bio, &name, &header, &block, &block_len)) {
		int taken = bundle_take_block(b, what, name, block, block_len) == RC_OK;
		OPENSSL_free(name);
		OPENSSL_free(header);
		if (!taken)
			OPENSSL_free(block);
		name = header = NULL;
		block = NULL;
		if (!taken)
			goto out;
	}
	/* The loop ends on "no start line" at the end; anything else is damage. */
	e = ERR_peek_last_error();
	if (e && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		pinca_warn_ssl("%s: damaged PEM", what);
		goto out;
	}
	ERR_clear_error();
	if (sk_X509_num(b->certs) == 0) {
		pinca_warnx("%s: no certificate in it (import the file 'pinca ca sign' wrote)", what);
		goto out;
	}
	rc = RC_OK;
out:
	BIO_free(bio);
	if (rc != RC_OK)
		bundle_clear(b);
	return rc;
}

int
bundle_load_file(const char *path, struct bundle *b)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	memset(b, 0, sizeof(*b));
	if (file_read_all(path, 16 * 1024 * 1024, &data, &len) != RC_OK)
		return RC_FAIL;
	rc = bundle_parse(data, len, path, b);
	free(data);
	return rc;
}

/* Appends one PEM block to *buf. */
static int
bundle_append_block(char **buf, size_t *len, const char *name, const unsigned char *data,
    size_t data_len)
{
	BIO *b = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	char *nbuf;
	int rc = RC_FAIL;

	if (b == NULL || data_len > LONG_MAX || !PEM_write_bio(b, name, "", data, (long)data_len)) {
		pinca_warn_ssl("cannot encode the %s", name);
		goto out;
	}
	BIO_get_mem_ptr(b, &bm);
	if ((nbuf = realloc(*buf, *len + bm->length + 1)) == NULL) {
		pinca_warnx("out of memory");
		goto out;
	}
	memcpy(nbuf + *len, bm->data, bm->length);
	*len += bm->length;
	nbuf[*len] = '\0';
	*buf = nbuf;
	rc = RC_OK;
out:
	BIO_free(b);
	return rc;
}

int
bundle_append_transcript(char **buf, size_t *len, const char *doc, const unsigned char *sig,
    size_t sig_len)
{
	if (bundle_append_block(buf, len, BUNDLE_PEM_TRANSCRIPT, (const unsigned char *)doc,
	    strlen(doc)) != RC_OK)
		return RC_FAIL;
	return bundle_append_block(buf, len, BUNDLE_PEM_SIGNATURE, sig, sig_len);
}

int
bundle_is_root(X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);

	return k && X509_check_issued(x, x) == X509_V_OK && X509_verify(x, k) == 1 &&
	    X509_check_ca(x) > 0;
}

/* Checks a detached SHA-256 signature (ECDSA DER or RSA PKCS#1 v1.5) of
 * data by the key of x: 1 good, 0 not. */
static int
signature_by(X509 *x, const char *data, size_t len, const unsigned char *sig, size_t sig_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)) == 1 &&
	    EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)data, len) == 1;

	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

/* Whether the transcript's certificate list has an entry with this role,
 * pin and certificate fingerprint. */
static int
transcript_names(json_t *certs, const char *role, X509 *x)
{
	char pin[PIN_LEN], fp[65];
	size_t i;
	json_t *e;

	if (pin_of_cert(x, pin) != RC_OK || cert_fingerprint(x, fp) != RC_OK)
		return 0;
	json_array_foreach(certs, i, e) {
		const char *r = json_string_value(json_object_get(e, "role"));
		const char *p = json_string_value(json_object_get(e, "pin"));
		const char *f = json_string_value(json_object_get(e, "sha256_fingerprint"));
		if (r && p && f && strcmp(r, role) == 0 && strcmp(p, pin) == 0 && strcmp(f, fp) == 0)
			return 1;
	}
	return 0;
}

/* The root whose pin is pin among the certificates after the first; NULL if none. */
static X509 *
bundle_root_with_pin(const struct bundle *b, const char *pin)
{
	char have[PIN_LEN];

	for (int i = 1; i < sk_X509_num(b->certs); i++) {
		X509 *x = sk_X509_value(b->certs, i);
		if (pin_of_cert(x, have) == RC_OK && strcmp(have, pin) == 0)
			return x;
	}
	return NULL;
}

/* Checks the transcript: signed by primary's key, the root ceremony's, and
 * naming primary as the primary. Returns its certificate list (new
 * reference) or NULL with a message. */
static json_t *
bundle_signed_certificates(const struct bundle *b, const char *what, X509 *primary)
{
	json_t *doc, *certs = NULL;
	json_error_t jerr;
	const char *kind;

	if (b->transcript == NULL || b->sig == NULL) {
		pinca_warnx("%s carries no signed root ceremony transcript, so its standby root "
		    "cannot be proved: sign it again with 'pinca ca sign' of this version", what);
		return NULL;
	}
	if (!signature_by(primary, b->transcript, b->transcript_len, b->sig, b->sig_len)) {
		/* Only for the message: an unchecked transcript that lists the
		 * --root-pin as its standby means the operator typed the wrong pin. */
		if ((doc = json_loadb(b->transcript, b->transcript_len, 0, &jerr)) != NULL &&
		    transcript_names(json_object_get(doc, "certificates"), "standby", primary))
			pinca_warnx("%s: --root-pin is the standby root's pin; give the primary's, from the "
			    "ceremony log (the ceremony transcript is signed by the primary)", what);
		else
			pinca_warnx("%s: the ceremony transcript's signature does not verify with the key "
			    "of the root the --root-pin names: the file was changed; nothing imported", what);
		json_decref(doc);
		return NULL;
	}
	if ((doc = json_loadb(b->transcript, b->transcript_len, 0, &jerr)) == NULL ||
	    json_integer_value(json_object_get(doc, "pinca_transcript")) != 1 ||
	    (kind = json_string_value(json_object_get(doc, "kind"))) == NULL ||
	    strcmp(kind, "root") != 0 || !json_is_array(json_object_get(doc, "certificates"))) {
		pinca_warnx("%s: the signed transcript is not a root ceremony's", what);
		goto out;
	}
	certs = json_incref(json_object_get(doc, "certificates"));
	if (!transcript_names(certs, "root", primary)) {
		pinca_warnx("%s: the signed ceremony transcript does not name the root with the "
		    "--root-pin as its primary", what);
		json_decref(certs);
		certs = NULL;
	}
out:
	json_decref(doc);
	return certs;
}

int
bundle_prove_roots(const struct bundle *b, const char *what, const char *root_pin,
    X509 **primary, X509 **standby)
{
	X509 *p, *s = NULL;
	json_t *certs;
	int rc = RC_FAIL;

	*primary = *standby = NULL;
	for (int i = 1; i < sk_X509_num(b->certs); i++)
		if (!bundle_is_root(sk_X509_value(b->certs, i))) {
			pinca_warnx("%s: certificate %d is not a self-signed root", what, i + 1);
			return RC_FAIL;
		}
	if ((p = bundle_root_with_pin(b, root_pin)) == NULL) {
		pinca_warnx("%s holds no root with the pin given by --root-pin (%s): it is not from "
		    "your ceremony, or it was changed; nothing imported", what, root_pin);
		return RC_FAIL;
	}
	if ((certs = bundle_signed_certificates(b, what, p)) == NULL)
		return RC_FAIL;
	for (int i = 1; i < sk_X509_num(b->certs); i++) {
		X509 *x = sk_X509_value(b->certs, i);
		if (X509_cmp(x, p) == 0)
			continue;
		if (s != NULL && X509_cmp(x, s) == 0)
			continue;
		if (s != NULL || !transcript_names(certs, "standby", x)) {
			pinca_warnx("%s: certificate %d is a self-signed root that the primary's signed "
			    "ceremony transcript does not name as its standby: refused, nothing imported",
			    what, i + 1);
			goto out;
		}
		s = x;
	}
	*primary = p;
	*standby = s;
	rc = RC_OK;
out:
	json_decref(certs);
	return rc;
}
