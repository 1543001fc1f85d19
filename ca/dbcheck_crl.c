/* dbcheck_crl: `db check --crl FILE`, the witness against a restore that
 * un-revokes. A store restored from a backup taken before a revocation has
 * lost it, and the next CRL made from that store would silently leave the
 * certificate out: revoked yesterday, valid again today (the lesson of
 * step-ca's issue #606). The last CRL the CA published still lists it, so
 * every serial it lists must be revoked in the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/dbcheck.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"

#define CRL_FILE_MAX (256 * 1024 * 1024)

/* Reads a CRL, PEM or DER, from path; NULL (message printed) on failure. */
static X509_CRL *
crl_check_load(const char *path)
{
	unsigned char *data = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_CRL *crl = NULL;
	BIO *bio;

	if (file_read_all(path, CRL_FILE_MAX, &data, &len) != RC_OK)
		return NULL;
	if ((bio = BIO_new_mem_buf(data, (int)len)) != NULL) {
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (crl == NULL) {
		p = data;
		crl = d2i_X509_CRL(NULL, &p, (long)len);
	}
	if (crl == NULL)
		pinca_warn_ssl("%s is not a CRL (PEM or DER)", path);
	free(data);
	return crl;
}

/* Reports one entry the store does not hold as revoked. */
static int
crl_check_problem(struct db_check *c, const char *path, const char *serial, int known)
{
	char line[1024];

	snprintf(line, sizeof(line), known ?
	    "crl: %s lists %s as revoked, but the store holds it valid (restored from an older "
	    "backup? revoke it again before the next CRL)" :
	    "crl: %s lists %s as revoked, but the store does not know it (restored from an older "
	    "backup?)", path, serial);
	c->problems++;
	return c->report(line, c->arg);
}

int
db_check_crl(struct db_check *c, const char *path, long *entries)
{
	STACK_OF(X509_REVOKED) *revoked;
	X509_CRL *crl = crl_check_load(path);
	int rc = RC_OK;

	*entries = 0;
	if (crl == NULL)
		return RC_FAIL;
	revoked = X509_CRL_get_REVOKED(crl);
	for (int i = 0; rc == RC_OK && i < sk_X509_REVOKED_num(revoked); i++) {
		const ASN1_INTEGER *sn = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i));
		BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL, serial[80];
		struct revocation_record rev;
		struct revocation_target t;
		int got;

		memset(&t, 0, sizeof(t));
		if (hex == NULL || serial_canonical(hex, serial, sizeof(serial)) != RC_OK) {
			pinca_warnx("%s: entry %d has a serial pinca cannot read", path, i + 1);
			rc = RC_FAIL;
		} else if ((got = store_revocation_get(c->st, serial, &rev)) == STORE_NOT_FOUND) {
			/* Not revoked here: a certificate the store knows (leaf or
			 * CA) came back to life, or one it never heard of. */
			if ((got = store_revocation_target(c->st, serial, &t)) == RC_OK)
				rc = crl_check_problem(c, path, serial, 1);
			else if (got == STORE_NOT_FOUND)
				rc = crl_check_problem(c, path, serial, 0);
			else
				rc = RC_FAIL;
		} else if (got != RC_OK) {
			rc = RC_FAIL;
		}
		(*entries)++;
		revocation_target_clear(&t);
		OPENSSL_free(hex);
		BN_free(bn);
	}
	X509_CRL_free(crl);
	return rc;
}
