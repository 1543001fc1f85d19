/* csr: reading and checking certificate signing requests. Only the public key
 * (and, when asked, the requested names) is ever taken from a CSR. */
#ifndef PINCA_CSR_H
#define PINCA_CSR_H

#include <openssl/x509.h>

#include "ca/keys.h"

/* Reads a CSR (PEM "CERTIFICATE REQUEST"/"NEW CERTIFICATE REQUEST", or DER)
 * from path, verifies its self-signature and checks the key type. On success
 * *req and *pub are new (caller frees) and *type is set. Returns RC_OK,
 * RC_FAIL (unreadable, malformed, bad signature) or RC_POLICY (key type). */
int csr_load(const char *path, X509_REQ **req, EVP_PKEY **pub, enum key_type *type);
/* The CSR's one common name as UTF-8 into cn (size bytes), checked with
 * lint_ca_name. RC_OK, RC_FAIL (none, too long, undecodable) or RC_POLICY
 * (two common names, a NUL or a control character in it). */
int csr_common_name(X509_REQ *req, const char *what, char *cn, size_t size);
/* The same from memory. */
/* Whether what is left to read in memory BIO bio (after a PEM block) is
 * only blank space: a CSR file holds one CSR and nothing after it. */
int csr_rest_blank(BIO *bio);
int csr_parse(const unsigned char *data, size_t len, const char *what, X509_REQ **req,
    EVP_PKEY **pub, enum key_type *type);

#endif
