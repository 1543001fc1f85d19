/* bundle: the file `ca sign` writes for `ca import`. It is PEM that openssl
 * reads as a certificate chain (the intermediate, then the primary and the
 * standby root), followed by the root ceremony's transcript and its
 * signature by the primary root, as two PEM blocks of their own:
 *   -----BEGIN PINCA ROOT TRANSCRIPT-----            the JSON, as signed
 *   -----BEGIN PINCA ROOT TRANSCRIPT SIGNATURE-----  DER ECDSA / PKCS#1 v1.5
 * Certificate readers skip those blocks. The import trusts no root because
 * it is in the file: the operator names the primary by its pin, the
 * transcript (checked with the primary's key) names the standby, and any
 * other self-signed certificate is refused. */
#ifndef PINCA_BUNDLE_H
#define PINCA_BUNDLE_H

#include <stddef.h>

#include <openssl/x509.h>

#define BUNDLE_PEM_TRANSCRIPT "PINCA ROOT TRANSCRIPT"
#define BUNDLE_PEM_SIGNATURE "PINCA ROOT TRANSCRIPT SIGNATURE"

struct bundle {
	STACK_OF(X509) *certs;		/* in file order */
	char *transcript;		/* NUL-terminated; NULL if the file has none */
	size_t transcript_len;
	unsigned char *sig;		/* NULL if the file has none */
	size_t sig_len;
};

/* Reads a bundle from memory (`what` names it in messages). RC_OK, or
 * RC_FAIL with a message (no certificate, a damaged or repeated block). */
int bundle_parse(const unsigned char *data, size_t len, const char *what, struct bundle *b);
/* The same from a file. */
int bundle_load_file(const char *path, struct bundle *b);
void bundle_clear(struct bundle *b);
/* Appends the transcript blocks to the PEM text in *buf (realloc'd). */
int bundle_append_transcript(char **buf, size_t *len, const char *doc, const unsigned char *sig,
    size_t sig_len);
/* Whether x is a self-signed CA certificate whose signature verifies. */
int bundle_is_root(X509 *x);
/* Proves the roots of b (every certificate after the first): the one whose
 * pin is root_pin is the primary; the transcript must be signed by its key,
 * be the root ceremony's and name it as the primary; every other root must
 * be named there as the standby. *primary and *standby (NULL if absent)
 * point into b. RC_OK, or RC_FAIL with a message and nothing set. */
int bundle_prove_roots(const struct bundle *b, const char *what, const char *root_pin,
    X509 **primary, X509 **standby);

#endif
