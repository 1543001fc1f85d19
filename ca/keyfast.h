/* keyfast: a direct reader for unencrypted PKCS#8 EC P-256/P-384 private
 * keys, beside OpenSSL's general (decoder-based) one. */
#ifndef PINCA_KEYFAST_H
#define PINCA_KEYFAST_H

#include <stddef.h>

#include <openssl/evp.h>

/* The key in data (PEM "PRIVATE KEY", first block) if it is an unencrypted
 * PKCS#8 ECPrivateKey on P-256 or P-384 with a named curve whose public key,
 * if stored, matches its private scalar; an EC_KEY-backed EVP_PKEY the
 * caller frees. NULL (nothing printed, OpenSSL's error queue untouched) for
 * anything else: the caller then reads the file the general way. */
EVP_PKEY *keyfast_load_ec(const unsigned char *data, size_t len);

#endif
