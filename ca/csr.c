/* csr: CSR parsing and verification. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca/cert.h"
#include "ca/csr.h"
#include "common/err.h"
#include "common/fileio.h"
#include "issue/lint.h"

int
csr_rest_blank(BIO *bio)
{
	char *rest = NULL;
	long n = BIO_get_mem_data(bio, &rest);

	for (long i = 0; i < n; i++)
		if (rest[i] != '\n' && rest[i] != '\r' && rest[i] != ' ' && rest[i] != '\t')
			return 0;
	return 1;
}

int
csr_parse(const unsigned char *data, size_t len, const char *what, X509_REQ **req,
    EVP_PKEY **pub, enum key_type *type)
{
	X509_REQ *r = NULL;
	EVP_PKEY *k = NULL;
	int rc = RC_FAIL;

	*req = NULL;
	*pub = NULL;
	if (len > 0 && memmem(data, len, "-----BEGIN ", 11) != NULL) {
		BIO *bio = BIO_new_mem_buf(data, (int)len);
		/* Accepts both PEM labels; any other label (a certificate, a key) fails. */
		r = bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
		if (r && !csr_rest_blank(bio)) {
			/* A second CSR or trailing bytes: which was meant is unknowable. */
			X509_REQ_free(r);
			BIO_free(bio);
			pinca_warnx("%s holds more than one CSR, or bytes after its CSR", what);
			return RC_FAIL;
		}
		BIO_free(bio);
	} else {
		const unsigned char *p = data;
		r = d2i_X509_REQ(NULL, &p, (long)len);
		if (r && p != data + len) {
			X509_REQ_free(r);
			r = NULL;
		}
	}
	if (r == NULL) {
		pinca_warn_ssl("%s is not a certificate signing request (PEM or DER)", what);
		goto out;
	}
	if ((k = X509_REQ_get_pubkey(r)) == NULL) {
		pinca_warn_ssl("%s: cannot read its public key", what);
		goto out;
	}
	if ((rc = key_type_of(k, what, type)) != RC_OK)
		goto out;
	if (X509_REQ_verify(r, k) != 1) {
		ERR_clear_error();
		pinca_warnx("%s: the signature does not verify (the CSR was altered or not made "
		    "with its key)", what);
		rc = RC_FAIL;
		goto out;
	}
	if (spki_normalize(k) != RC_OK) {
		rc = RC_FAIL;
		goto out;
	}
	*req = r;
	*pub = k;
	return RC_OK;
out:
	X509_REQ_free(r);
	EVP_PKEY_free(k);
	return rc;
}

int
csr_load(const char *path, X509_REQ **req, EVP_PKEY **pub, enum key_type *type)
{
	unsigned char *data;
	size_t len;
	int rc;

	if (file_read_all(path, 1 << 20, &data, &len) != RC_OK)
		return RC_FAIL;
	rc = csr_parse(data, len, path, req, pub, type);
	free(data);
	return rc;
}

int
csr_common_name(X509_REQ *req, const char *what, char *cn, size_t size)
{
	X509_NAME *subj = X509_REQ_get_subject_name(req);
	int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1), n, rc;
	unsigned char *utf8 = NULL;

	if (idx < 0) {
		pinca_warnx("%s: the CSR has no common name to give the intermediate", what);
		return RC_FAIL;
	}
	if (X509_NAME_get_index_by_NID(subj, NID_commonName, idx) >= 0) {
		pinca_warnx("lint ca-name: %s: the CSR has more than one common name", what);
		return RC_POLICY;
	}
	/* The whole value, in UTF-8 whatever its string type: a NUL inside is
	 * seen here, where a C string copy would silently cut the name. */
	if ((n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj,
	    idx)))) < 0) {
		pinca_warn_ssl("%s: the CSR's common name cannot be decoded", what);
		return RC_FAIL;
	}
	if ((rc = lint_ca_name("the CSR's common name", (const char *)utf8, (size_t)n)) == RC_OK &&
	    (size_t)n >= size) {
		pinca_warnx("%s: the CSR's common name is too long", what);
		rc = RC_FAIL;
	}
	if (rc == RC_OK)
		memcpy(cn, utf8, (size_t)n + 1);
	OPENSSL_free(utf8);
	return rc;
}
