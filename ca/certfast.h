/* certfast: a direct decoder for CA certificates with EC P-256/P-384 keys,
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

#endif
