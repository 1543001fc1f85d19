/* encode: a leaf certificate written as DER directly (RFC 5280 4.1), from
 * a template made once per issuer. In OpenSSL 3.0 an X509 object costs more
 * to build than its signature (every key, name and extension is encoded,
 * decoded and copied again); here the parts that are the same for every leaf
 * of an issuer are encoded once, and each leaf is a few copies around its
 * serial, validity, subject, key and names. */
#ifndef PINCA_ENCODE_H
#define PINCA_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509v3.h>

#include "ca/signer.h"
#include "common/der.h"

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
