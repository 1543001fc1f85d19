/* fastkey: a P-256 public key in the form OpenSSL 3.0 encodes cheaply. */
#ifndef PINCA_FASTKEY_H
#define PINCA_FASTKEY_H

#include <openssl/evp.h>

/* If *pkey is an EC P-256 key, replaces it with an equivalent key held as an
 * EC_KEY (named curve, uncompressed point) and returns 1; else leaves it and
 * returns 0. OpenSSL 3.0 puts a provider key into a certificate or an SPKI
 * through its ENCODER/DECODER machinery (a new context per call, most of a
 * batch's CPU time); an EC_KEY goes through the direct ASN.1 encoder and gives
 * the same DER. The key is public only: nothing is signed with it. */
int fastkey_p256(EVP_PKEY **pkey);

#endif
