/* fastcsr: the common case of `issue --batch`, a P-256 CSR, without OpenSSL
 * 3.0's per-call DECODER context (see docs/performance.md). */
#ifndef PINCA_FASTCSR_H
#define PINCA_FASTCSR_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Parses the CSR in data (PEM or DER). If it is well-formed, its key is EC
 * P-256 (named curve) and its self-signature verifies, sets *pub to the key
 * (an EC_KEY-backed EVP_PKEY, uncompressed, named curve: see fastkey.h) and
 * *exts to its requested extensions (NULL if none), spki to the key's
 * SubjectPublicKeyInfo in normal form (FASTCSR_SPKI_LEN octets) and returns 1. Anything
 * else returns 0 and prints nothing: the caller then uses csr_load(), which
 * checks the same things and says what is wrong. */
#define FASTCSR_SPKI_LEN 91
int fastcsr_parse_p256(const unsigned char *data, size_t len, EVP_PKEY **pub,
    STACK_OF(X509_EXTENSION) **exts, unsigned char spki[FASTCSR_SPKI_LEN]);

#endif
