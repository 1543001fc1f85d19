/* certfast: a direct decoder for certificates with EC P-256/P-384 keys (the
 * CA certificate a signer loads, the leaves db check reads),
 * beside d2i_X509 (which decodes every key through OSSL_DECODER). */
#ifndef PINCA_CERTFAST_H
#define PINCA_CERTFAST_H

#include <stddef.h>

#include <openssl/x509.h>

/* The certificate in der if its key is EC P-256 or P-384 with a named curve
 * and the X509 assembled from its fields encodes back to exactly der; the
 * caller frees it. NULL (nothing printed, OpenSSL's error queue untouched)
 * otherwise: the caller then uses d2i_X509. */
X509 *certfast_from_der(const unsigned char *der, size_t len);

/* A SubjectPublicKeyInfo kept as its two raw fields, so that decoding it
 * builds no OSSL_DECODER context (also used by issue/fastcsr.c). */
typedef struct {
	X509_ALGOR *algor;
	ASN1_BIT_STRING *key;
} RAW_SPKI;
/* cppcheck-suppress unknownMacro ; OpenSSL's asn1.h declaration macro */
DECLARE_ASN1_ITEM(RAW_SPKI)

/* The key of spki when it is EC P-256 (or P-384 with allow_p384) on a named
 * curve with a point on it, as an EC_KEY-backed EVP_PKEY (uncompressed,
 * named curve); NULL for anything else. The caller frees it. */
EVP_PKEY *raw_spki_ec_public(const RAW_SPKI *spki, int allow_p384);

#endif
