/* keys: the key types pinca allows anywhere in a chain, generation, and
 * private key files (encrypted PKCS#8, written atomically, mode 0600). */
#ifndef PINCA_KEYS_H
#define PINCA_KEYS_H

#include <openssl/evp.h>

#include "common/secret.h"

enum key_type {
	KEY_EC_P256,
	KEY_EC_P384,
	KEY_RSA_2048,
	KEY_RSA_4096,
};

/* PBKDF2 iterations for encrypted keys (PBKDF2-HMAC-SHA256, AES-256-CBC).
 * scrypt at N=2^15, r=8 would need more than OpenSSL's default 32 MiB limit,
 * and `openssl pkey` could then not read the key back. */
#define KEY_PBKDF2_ITERATIONS 600000

/* Parses a --key value. An unsupported but known type (ed25519, p-521,
 * rsa-3072, rsa-1024...) is refused with the platform it breaks (RC_POLICY);
 * an unknown word is RC_USAGE. */
int key_type_parse(const char *s, enum key_type *out);
const char *key_type_name(enum key_type t);
/* Classifies a public key; refuses (RC_POLICY, message names the platform)
 * anything outside the four types or an RSA exponent other than 65537.
 * `what` names the key in the message ("the CSR's key"). */
int key_type_of(EVP_PKEY *pkey, const char *what, enum key_type *out);
/* Generates a new key; NULL on failure (message printed). Caller frees. */
EVP_PKEY *key_generate(enum key_type t);
/* Encodes the key as PKCS#8 PEM to out: PBES2 with PBKDF2-HMAC-SHA256 and
 * AES-256-CBC, parameters set explicitly (OpenSSL's default is 2048 rounds),
 * or in the clear when pass is NULL. Returns 1, or 0 on failure (OpenSSL's
 * error queue says why). */
int key_encode_pem(EVP_PKEY *pkey, const struct secret *pass, BIO *out);
/* Writes the private key to path: encrypted with pass, or in the clear when
 * pass is NULL. Never replaces an existing file. */
int key_write(const char *path, EVP_PKEY *pkey, const struct secret *pass);
/* Reads a private key. If the file is encrypted the passphrase is read from
 * src (prompting on a TTY if need be). Caller frees. NULL on failure, with
 * *rc (if not NULL) RC_USAGE when no passphrase source was given (no file,
 * no variable, no terminal), else RC_FAIL. */
EVP_PKEY *key_load(const char *path, const struct pass_source *src, const char *what, int *rc);
/* Reads a private key with an already read passphrase (NULL: unencrypted). */
EVP_PKEY *key_load_with(const char *path, const struct secret *pass, const char *what);

#endif
