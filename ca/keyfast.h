/* keyfast: a direct reader for unencrypted PKCS#8 EC P-256/P-384 private
 * keys, beside OpenSSL's general (decoder-based) one. */
#ifndef PINCA_KEYFAST_H
#define PINCA_KEYFAST_H

#include <stddef.h>

#include <openssl/evp.h>

enum keyfast_rc {
	KEYFAST_OK = 0,		/* *out is the key */
	KEYFAST_OTHER = 1,	/* not a key this reader takes: use the general one */
	KEYFAST_DAMAGED = 2,	/* the stored public key is not the private key's */
};

/* Reads the key in data (PEM "PRIVATE KEY", first block) if it is an
 * unencrypted PKCS#8 ECPrivateKey on P-256 or P-384 with a named curve. On
 * KEYFAST_OK *out is an EC_KEY-backed EVP_PKEY the caller frees, its public
 * key computed from the private scalar. Prints nothing and leaves OpenSSL's
 * error queue as it was. */
int keyfast_load_ec(const unsigned char *data, size_t len, EVP_PKEY **out);

#endif
