/* digest: one-shot SHA-1/SHA-2 of a buffer, with each implementation
 * fetched once per process. In OpenSSL 3.0 EVP_sha256() and the SHA256()
 * one-shot look the implementation up again on every call (EVP_Q_digest),
 * which in a batch costs more than hashing a certificate. */
#ifndef PINCA_DIGEST_H
#define PINCA_DIGEST_H

#include <stddef.h>

#include <openssl/evp.h>

enum digest_alg { DIGEST_SHA1, DIGEST_SHA256, DIGEST_SHA384, DIGEST_SHA512 };

/* The fetched implementation (NULL on failure; never freed). */
const EVP_MD *digest_md(enum digest_alg alg);
/* Hashes len bytes into out (EVP_MAX_MD_SIZE is always enough); returns the
 * digest's length, or 0 on failure (with OpenSSL's error queue set). */
size_t digest(enum digest_alg alg, const void *data, size_t len, unsigned char *out);

#endif
