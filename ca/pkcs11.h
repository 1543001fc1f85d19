/* pkcs11: talking to a PKCS#11 token directly: RFC 7512 URIs, loading the
 * module (dlopen, C_GetFunctionList), finding the token by its label, and a
 * logged-in session. The keys themselves are in ca/signer_pkcs11.c. */
#ifndef PINCA_PKCS11_H
#define PINCA_PKCS11_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "ca/keys.h"
#include "common/secret.h"

/* Sizes from PKCS#11's CK_TOKEN_INFO (blank-padded fields, no NUL). */
#define P11_TOKEN_LABEL_MAX 32
#define P11_MANUFACTURER_MAX 32
#define P11_MODEL_MAX 16
#define P11_SERIAL_MAX 16
#define P11_OBJECT_MAX 256
#define P11_ID_MAX 128
#define P11_PATH_MAX 4096
#define P11_URI_MAX 2048

/* What a pkcs11: URI selects. Strings are decoded and NUL-terminated; a
 * value with a NUL byte in it is refused. */
struct p11_uri {
	char token[P11_TOKEN_LABEL_MAX + 1];
	char manufacturer[P11_MANUFACTURER_MAX + 1];
	char model[P11_MODEL_MAX + 1];
	char serial[P11_SERIAL_MAX + 1];
	char object[P11_OBJECT_MAX + 1];
	unsigned char id[P11_ID_MAX];
	size_t id_len;
	char module_path[P11_PATH_MAX];
	/* which attributes were present (bit per attribute, P11_HAS_*) */
	unsigned has;
};
enum {
	P11_HAS_TOKEN = 1u << 0,
	P11_HAS_MANUFACTURER = 1u << 1,
	P11_HAS_MODEL = 1u << 2,
	P11_HAS_SERIAL = 1u << 3,
	P11_HAS_OBJECT = 1u << 4,
	P11_HAS_ID = 1u << 5,
	P11_HAS_TYPE = 1u << 6,
	P11_HAS_MODULE_PATH = 1u << 7,
};

/* Whether s is a pkcs11: URI (the scheme is case-insensitive). */
int p11_uri_is(const char *s);
/* Parses a pkcs11: URI (RFC 7512). Refuses, with one line naming the
 * problem: a PIN in the URI (pin-value, pin-source: the PIN comes from
 * --pin-file or a prompt, never argv), an attribute given twice, one pinca
 * does not use, a type other than private, a malformed %-escape, a value too
 * long for its field. Returns RC_OK or RC_USAGE. */
int p11_uri_parse(const char *s, struct p11_uri *out);
/* Writes the URI of a key (token, object, id, type=private) into buf,
 * %-encoding every byte outside RFC 3986's unreserved set. RC_FAIL if it
 * does not fit. */
int p11_uri_format(const struct p11_uri *u, char *buf, size_t size);

/* A logged-in session on one token, opened by one process. */
struct p11_session {
	void *dl;			/* the module, dlopen'd */
	CK_FUNCTION_LIST *f;
	int owns_init;			/* our C_Initialize succeeded: finalize at close */
	pid_t pid;			/* the process that initialised and logged in */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE h;
	int open;
	char token[P11_TOKEN_LABEL_MAX + 1];
	char module[P11_PATH_MAX];
};

/* Loads the module (src->module, else $PINCA_PKCS11_MODULE, else the URI's
 * module-path), initialises it in this process, finds the one token whose
 * label (and manufacturer, model, serial if given) the URI names, opens a
 * session (read-write when rw) and logs in with the PIN from src (a file or
 * the terminal), wiping the PIN after C_Login. Returns RC_OK, RC_USAGE (no
 * module, no PIN source) or RC_FAIL, with one line printed. */
int p11_session_open(const struct p11_uri *u, const struct pass_source *src, int rw,
    struct p11_session *s);
/* Whether this process may use s: PKCS#11 state does not survive fork(),
 * a child must open its own session. Records the error line when not. */
int p11_session_usable(const struct p11_session *s);
/* Logs out, closes and finalises (only in the process that opened it: a
 * forked child leaves the parent's token state alone). Zeroes s. */
void p11_session_close(struct p11_session *s);
/* The name of a CKR_* code for messages ("CKR_PIN_INCORRECT"). */
const char *p11_rv_name(CK_RV rv);

/* A CA's private key on a token, in a session of its own
 * (ca/signer_pkcs11.c). */
struct p11_key {
	struct p11_session s;
	CK_OBJECT_HANDLE priv, pub;
	CK_KEY_TYPE type;		/* CKK_EC or CKK_RSA */
	char label[P11_OBJECT_MAX + 1];
};

/* Opens the one private key the URI names (object= and/or id=) and its
 * public key, returned in *pub (new). RC_OK, RC_USAGE or RC_FAIL (message
 * printed); the caller frees *out with p11_key_free. */
int p11_key_open(const char *uri, const struct pass_source *src, struct p11_key **out,
    EVP_PKEY **pub);
/* Generates a key pair of type on the token: the private key sensitive and
 * never extractable, labelled with the URI's object= (which no key on the
 * token may have yet), with a new random CKA_ID unless the URI gives id=.
 * *pub receives the public key (new), record the URI that finds it again. */
int p11_key_generate(const char *uri, const struct pass_source *src, enum key_type type,
    struct p11_key **out, EVP_PKEY **pub, char *record, size_t record_size);
/* Signs a digest made with md_nid: ECDSA as a DER ECDSA-Sig-Value (the
 * token gives r||s), RSA as PKCS#1 v1.5 over the DigestInfo. *sig_len holds
 * the capacity of sig on entry. */
int p11_key_sign_digest(struct p11_key *k, int md_nid, const unsigned char *md, size_t md_len,
    unsigned char *sig, size_t *sig_len);
/* Deletes the key pair from the token (a ceremony that did not commit). */
int p11_key_destroy(struct p11_key *k);
/* Closes the session. NULL is a no-op. */
void p11_key_free(struct p11_key *k);

/* Shared by the token key files: the session for the key the URI names (rw
 * for generation; the URI parsed into u); the objects of class cls with
 * the label and/or id given (*n: how many, at most 2 looked for; *o: the
 * first); the public key of k from its public key object (new, normalised
 * as every SPKI pinca records; NULL with a message). */
int p11_key_session(const char *uri, const struct pass_source *src, int rw, struct p11_uri *u,
    struct p11_key **out);
int p11_key_find(struct p11_key *k, CK_OBJECT_CLASS cls, const char *label,
    const unsigned char *id, size_t id_len, CK_OBJECT_HANDLE *o, CK_ULONG *n);
EVP_PKEY *p11_key_public(struct p11_key *k);

/* Signing with a token key, for ca/signer.c (ca/signer_token.c); pub is
 * its public key, md the digest. The DER AlgorithmIdentifier: */
int signer_token_alg_der(EVP_PKEY *pub, const EVP_MD *md, unsigned char *alg_der,
    size_t alg_max, size_t *alg_len);
/* Hashes data with md here and has the token sign the digest; sig holds
 * EVP_PKEY_get_size(pub) bytes. */
int signer_token_sign_data(struct p11_key *k, EVP_PKEY *pub, const EVP_MD *md,
    const unsigned char *data, size_t len, unsigned char *sig, size_t *sig_len);
/* X509_sign and X509_REQ_sign for a token key: both AlgorithmIdentifiers
 * set, the TBS encoded afresh and signed on the token. */
int signer_token_sign_cert(struct p11_key *k, EVP_PKEY *pub, const EVP_MD *md, X509 *cert);
int signer_token_sign_req(struct p11_key *k, EVP_PKEY *pub, const EVP_MD *md, X509_REQ *req);

#endif
