/* der_direct: DER read and written directly, beside OpenSSL's general
 * readers and X509 builder. In OpenSSL 3.0, d2i_X509, d2i_X509_REQ and
 * PEM_read_bio_PrivateKey make a new OSSL_DECODER context for every key they
 * meet, and an X509 object costs more to build than its signature; the
 * common cases of pinca's hot paths are handled here instead
 * (docs/performance.md has the numbers):
 *   - der_direct_read_csr_p256  a P-256 CSR (issue, issue --batch)
 *   - der_direct_read_cert_ec   a certificate with an EC P-256/P-384 key
 *                               (the CA certificate a signer loads, db check)
 *   - der_direct_read_key_ec    an unencrypted PKCS#8 EC P-256/P-384 key
 *                               (the online CA key)
 *   - leaf_template_init, leaf_encode  a leaf certificate written as DER
 *                               from a per-issuer template (every leaf)
 * Each reader may decline any input and then says nothing: its caller uses
 * OpenSSL's reader, which takes or refuses it and says why. What a reader
 * accepts must be what OpenSSL's reader gives (fuzz_der_direct_csr,
 * fuzz_der_direct_key, fuzz_certs). Built with PINCA_OPENSSL_READERS
 * (`make OPENSSL_READERS=1`, build/openssl-readers/pinca) every reader
 * declines everything, so the test suite can run the same scripts through
 * OpenSSL's readers alone and compare (tests/stages/openssl_readers.sh).
 * The leaf encoder has no such twin: it is checked against OpenSSL's X509
 * building by tests/unit/test_encode.c and tests/fuzz/fuzz_leaf_encoder.c,
 * and with PINCA_SAN_CHECKS (sanitizer builds) every leaf it makes is read
 * back with d2i_X509 and must re-encode to the same bytes. */
#ifndef PINCA_DER_DIRECT_H
#define PINCA_DER_DIRECT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/signer.h"
#include "common/der.h"

/* --- readers ------------------------------------------------------------ */

/* 1 in a build with PINCA_OPENSSL_READERS: every reader below declines
 * every input (its code is still compiled, and still fuzzed). */
#ifdef PINCA_OPENSSL_READERS
#define DER_DIRECT_READERS_OFF 1
#else
#define DER_DIRECT_READERS_OFF 0
#endif

/* Parses the CSR in data (PEM or DER). If it is well-formed, its key is EC
 * P-256 (named curve, uncompressed point) and its self-signature verifies,
 * sets *pub to the key (an EC_KEY-backed EVP_PKEY, uncompressed, named
 * curve), *exts to its requested extensions (NULL if none), spki to the
 * key's SubjectPublicKeyInfo in normal form (DER_DIRECT_P256_SPKI_LEN
 * octets) and returns 1. Anything else returns 0 and prints nothing: the
 * caller then uses csr_parse(), which checks the same things and says what
 * is wrong. */
#define DER_DIRECT_P256_SPKI_LEN 91
int der_direct_read_csr_p256(const unsigned char *data, size_t len, EVP_PKEY **pub,
    STACK_OF(X509_EXTENSION) **exts, unsigned char spki[DER_DIRECT_P256_SPKI_LEN]);

/* The certificate in der if its key is EC P-256 or P-384 with a named curve
 * and the X509 assembled from its fields encodes back to exactly der; the
 * caller frees it. NULL (nothing printed, OpenSSL's error queue untouched)
 * otherwise: the caller then uses d2i_X509. */
X509 *der_direct_read_cert_ec(const unsigned char *der, size_t len);

enum der_direct_key_rc {
	DER_DIRECT_KEY_OK = 0,		/* *out is the key */
	DER_DIRECT_KEY_OTHER = 1,	/* not a key this reader takes: use the general one */
	DER_DIRECT_KEY_DAMAGED = 2,	/* the stored public key is not the private key's */
};

/* Reads the key in data (PEM "PRIVATE KEY", first block) if it is an
 * unencrypted PKCS#8 ECPrivateKey on P-256 or P-384 with a named curve. On
 * DER_DIRECT_KEY_OK *out is an EC_KEY-backed EVP_PKEY the caller frees, its
 * public key computed from the private scalar. Prints nothing and leaves
 * OpenSSL's error queue as it was. */
int der_direct_read_key_ec(const unsigned char *data, size_t len, EVP_PKEY **out);

/* A SubjectPublicKeyInfo kept as its two raw fields, so that decoding it
 * builds no OSSL_DECODER context. Shared by the CSR and certificate
 * readers; not for callers. */
typedef struct {
	X509_ALGOR *algor;
	ASN1_BIT_STRING *key;
} RAW_SPKI;
/* cppcheck-suppress unknownMacro ; OpenSSL's asn1.h declaration macro */
DECLARE_ASN1_ITEM(RAW_SPKI)

/* The key of spki when it is EC P-256 (or P-384 with allow_p384) on a named
 * curve with a point on it, as an EC_KEY-backed EVP_PKEY (uncompressed,
 * named curve); NULL for anything else. The caller frees it. */
EVP_PKEY *der_direct_spki_ec(const RAW_SPKI *spki, int allow_p384);

/* --- the leaf encoder ----------------------------------------------------
 * A leaf certificate written as DER directly (RFC 5280 4.1), from a
 * template made once per issuer: the parts that are the same for every leaf
 * of an issuer are encoded once, and each leaf is a few copies around its
 * serial, validity, subject, key and names. */

/* A DER extension, encoded once. */
struct der_ext {
	unsigned char *der;
	size_t len;
};

struct leaf_template {
	unsigned char alg[64];		/* signature AlgorithmIdentifier */
	size_t alg_len;
	unsigned char *issuer_name;	/* the issuer's subject Name, DER */
	size_t issuer_name_len;
	int64_t issuer_not_after;
	NAME_CONSTRAINTS *nc;		/* the issuer's, or NULL */
	/* Extensions by profile: [server=0/client=1][ec=0/rsa=1] for keyUsage
	 * and extendedKeyUsage; basicConstraints, authorityKeyIdentifier and
	 * the CRL distribution point (len 0: none) are shared. */
	struct der_ext bc, ku[2], eku[2], aki, crldp;
	struct dbuf scratch;		/* reused for every leaf */
};

/* What one leaf says; the names are linted already. */
struct leaf_fields {
	const char *serial;		/* hex, from cert_random_serial */
	int64_t not_before, not_after;
	const char *cn;			/* NULL: empty subject (and a critical SAN) */
	const unsigned char *spki;	/* SubjectPublicKeyInfo, DER */
	size_t spki_len;
	int client;			/* clientAuth instead of serverAuth */
	int rsa;			/* keyEncipherment too */
	char *const *dns;
	int ndns;
	char *const *ip;		/* canonical text, as lint_ip_address writes it */
	int nip;
};

/* Makes the template of the signer's CA (its certificate must be set) and
 * lints every profile's fixed extensions (lint_leaf_profile). crl_url may be
 * NULL. RC_OK, RC_POLICY or RC_FAIL, with a message. */
int leaf_template_init(struct leaf_template *t, struct signer *sg, const char *crl_url);
void leaf_template_clear(struct leaf_template *t);

/* Encodes and signs one leaf: *der is new (OPENSSL_free). RC_OK or RC_FAIL. */
int leaf_encode(struct leaf_template *t, struct signer *sg, const struct leaf_fields *f,
    unsigned char **der, size_t *der_len);

#endif
