/* signer: the one interface through which a CA key signs. The key is a
 * PKCS#8 file in keys/ or a key on a PKCS#11 token (the CA record's key path
 * is then a pkcs11: URI); callers do not tell them apart. */
#ifndef PINCA_SIGNER_H
#define PINCA_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/keys.h"
#include "common/secret.h"

struct signer;

/* What the signer needs to know of a CA: where its key is and what was
 * recorded of it (borrowed pointers). The store's CA record holds these;
 * signer_open (ca/context.h) opens a signer from one. */
struct signer_ca {
	int64_t id;
	const char *role, *cn;		/* for messages */
	const char *key_path;		/* relative to cadir, or a pkcs11: URI; NULL: not held */
	const unsigned char *spki;	/* the key must match it */
	size_t spki_len;
	const unsigned char *der;	/* its certificate; NULL while pending */
	size_t der_len;
};
/* Opens the signing key of a CA held in this directory: with pass when
 * given, else reading the passphrase from src only if the key file is
 * encrypted. A CA without a certificate (pending) gives a signer with no
 * certificate. Returns NULL with a message, setting *rc (if rc is not NULL)
 * to RC_USAGE when the key needs a passphrase and none was given (no file,
 * no variable, no terminal), else to RC_FAIL. */
struct signer *signer_open_ca(const char *cadir, const struct signer_ca *ca,
    const struct pass_source *src, const struct secret *pass, int *rc);
/* Generates a CA key of type on the PKCS#11 token the URI names (module and
 * PIN from src): not extractable, sensitive. Returns a signer for it with
 * no certificate; *pub gets its public key (new) and record the URI to keep
 * in the CA record. NULL with a message, *rc RC_USAGE or RC_FAIL. */
struct signer *signer_generate_on_token(const char *uri, const struct pass_source *src,
    enum key_type type, EVP_PKEY **pub, char *record, size_t record_size, int *rc);
/* Whether a --key-uri / key path is a pkcs11: URI. */
int signer_key_uri_is(const char *s);
/* Sets the CA certificate (a new root's, once made). Takes a reference. */
void signer_set_cert(struct signer *sg, X509 *cert);
/* Deletes a token key made by signer_generate_on_token, for a ceremony that
 * did not commit; RC_OK without doing anything for a key file. */
int signer_discard_key(struct signer *sg);
/* A key held elsewhere (the server's signer process, acme/signer_proc.c):
 * signer_sign_tbs goes through sign_tbs; the digest, algorithm identifier
 * and signature size are the remote key's. Nothing else can sign. */
struct signer_remote {
	int (*sign_tbs)(void *arg, const unsigned char *tbs, size_t len, unsigned char *sig,
	    size_t *sig_len);
	void *arg;
	unsigned char alg[64];
	size_t alg_len;
	size_t sig_max;
};
/* A signer for the CA certificate cert (its public key only) that signs
 * through remote (copied). Takes a reference to cert. */
struct signer *signer_remote_new(X509 *cert, int64_t ca_id, const struct signer_remote *remote);
/* Wraps a key already in memory (a new root signing itself). Takes a reference. */
struct signer *signer_from_key(EVP_PKEY *key, X509 *cert);
void signer_free(struct signer *sg);
/* The CA certificate (borrowed; NULL if unset). */
X509 *signer_cert(const struct signer *sg);
int64_t signer_ca_id(const struct signer *sg);
/* The digest used for certificates and CRLs: SHA-384 for P-384 keys,
 * SHA-256 otherwise (RSA: PKCS#1 v1.5). */
const EVP_MD *signer_md(const struct signer *sg);
/* Sets the issuer name from the CA certificate (if any) and signs. */
int signer_sign_cert(struct signer *sg, X509 *cert);
/* Signs a CSR with the key itself (for `ca csr`). */
int signer_sign_req(struct signer *sg, X509_REQ *req);
/* Signs data with SHA-256 (ECDSA DER or RSA PKCS#1 v1.5), the form
 * `openssl dgst -sha256 -verify` checks. *sig is new; caller frees. */
int signer_sign_data_sha256(struct signer *sg, const unsigned char *data, size_t len,
    unsigned char **sig, size_t *sig_len);
/* One-shot signatures of an encoded TBSCertificate with signer_md(), for
 * the leaf encoder: the digest is taken here and signed through a context
 * prepared once per signer. signer_tbs_alg gives the DER AlgorithmIdentifier
 * that goes with them; sig must hold signer_sig_max() bytes. */
int signer_tbs_alg(struct signer *sg, unsigned char *alg_der, size_t alg_max, size_t *alg_len);
size_t signer_sig_max(const struct signer *sg);
int signer_sign_tbs(struct signer *sg, const unsigned char *tbs, size_t len, unsigned char *sig,
    size_t *sig_len);
/* Streaming signature with signer_md(): for the CRL encoder, which feeds the
 * TBSCertList in pieces. alg_der receives the DER AlgorithmIdentifier. */
int signer_stream_begin(struct signer *sg, unsigned char *alg_der, size_t alg_max,
    size_t *alg_len);
int signer_stream_update(struct signer *sg, const unsigned char *data, size_t len);
/* Finishes; *sig is new, caller frees. */
int signer_stream_end(struct signer *sg, unsigned char **sig, size_t *sig_len);

#endif
