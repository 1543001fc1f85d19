/* der_direct_csr: a PKCS#10 parser (RFC 2986 section 4) for P-256 CSRs that keeps
 * the SubjectPublicKeyInfo as raw fields. d2i_X509_REQ decodes the key with a
 * new OSSL_DECODER context each time, which in OpenSSL 3.0 costs more than
 * verifying the CSR's signature; here the key is made directly with
 * EC_KEY_oct2key and the signature is verified over the CSR's own encoding
 * of CertificationRequestInfo. The EC_KEY API is deprecated in 3.0 but
 * present in every 3.x. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/digest.h"
#include "ca/csr.h"
#include "ca/der_direct.h"

typedef struct {
	ASN1_ENCODING enc;	/* the received encoding, which the signature covers */
	ASN1_INTEGER *version;
	X509_NAME *subject;
	RAW_SPKI *spki;
	STACK_OF(X509_ATTRIBUTE) *attributes;
} RAW_REQ_INFO;

typedef struct {
	RAW_REQ_INFO *info;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *signature;
} RAW_REQ;

DECLARE_ASN1_ITEM(RAW_REQ_INFO)
DECLARE_ASN1_FUNCTIONS(RAW_REQ)

ASN1_SEQUENCE_enc(RAW_REQ_INFO, enc, NULL) = {
	ASN1_SIMPLE(RAW_REQ_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(RAW_REQ_INFO, subject, X509_NAME),
	ASN1_SIMPLE(RAW_REQ_INFO, spki, RAW_SPKI),
	ASN1_IMP_SET_OF_OPT(RAW_REQ_INFO, attributes, X509_ATTRIBUTE, 0)
} ASN1_SEQUENCE_END_enc(RAW_REQ_INFO, RAW_REQ_INFO)

ASN1_SEQUENCE(RAW_REQ) = {
	ASN1_SIMPLE(RAW_REQ, info, RAW_REQ_INFO),
	ASN1_SIMPLE(RAW_REQ, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(RAW_REQ, signature, ASN1_BIT_STRING)
/* cppcheck-suppress unknownMacro ; OpenSSL's asn1t.h template macros */
} ASN1_SEQUENCE_END(RAW_REQ)

IMPLEMENT_ASN1_FUNCTIONS(RAW_REQ)

/* Whether c is in the base64 alphabet of RFC 4648 section 4, or '='. */
static int
b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '+' || c == '/' || c == '=';
}

/* The DER of a PEM CSR in the plain layout every tool writes: the BEGIN
 * line first, lines of at most 76 base64 characters, at most two '=' and
 * only at the very end, the END line, nothing but a line break after.
 * Anything else returns NULL and goes to PEM_read_bio (headers, text
 * before the BEGIN line, longer lines), so this accepts a subset of what
 * PEM_read_bio accepts, at a third of its cost. */
static unsigned char *
pem_plain(const unsigned char *data, size_t len, long *der_len)
{
	static const char *const labels[] = { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" };
	const unsigned char *p, *end = data + len, *eq;
	unsigned char *b64 = NULL, *der = NULL;
	char begin[64], fin[64];
	size_t bl, el, nb = 0, n, pad;
	int d;

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		bl = (size_t)snprintf(begin, sizeof(begin), "-----BEGIN %s-----", labels[i]);
		el = (size_t)snprintf(fin, sizeof(fin), "-----END %s-----", labels[i]);
		if (len > bl && memcmp(data, begin, bl) == 0)
			break;
		bl = 0;
	}
	if (bl == 0)
		return NULL;
	p = data + bl;
	if (p < end && *p == '\r')
		p++;
	if (p >= end || *p++ != '\n' || (b64 = malloc(len)) == NULL)
		return NULL;
	for (;;) {
		for (n = 0; p + n < end && n <= 76 && b64_char(p[n]); n++)
			;
		if (n == 0 || n > 76)
			break;
		memcpy(b64 + nb, p, n);
		nb += n;
		p += n;
		if (p < end && *p == '\r')
			p++;
		if (p >= end || *p++ != '\n')
			goto out;
	}
	if ((size_t)(end - p) < el || memcmp(p, fin, el) != 0)
		goto out;
	p += el;
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	pad = (eq = memchr(b64, '=', nb)) != NULL ? nb - (size_t)(eq - b64) : 0;
	if (p != end || nb == 0 || nb % 4 != 0 || pad > 2 || (pad == 2 && b64[nb - 1] != '='))
		goto out;
	if ((der = OPENSSL_malloc(nb / 4 * 3)) == NULL)
		goto out;
	/* EVP_DecodeBlock counts the padding as zero octets. */
	if ((d = EVP_DecodeBlock(der, b64, (int)nb)) < 0 || (size_t)d != nb / 4 * 3) {
		OPENSSL_free(der);
		der = NULL;
		goto out;
	}
	*der_len = (long)(nb / 4 * 3 - pad);
out:
	free(b64);
	return der;
}

/* The DER of the CSR in data (PEM with a CSR label, or DER); new buffer. */
static unsigned char *
csr_der(const unsigned char *data, size_t len, long *der_len)
{
	unsigned char *der = NULL, *copy;
	char *name = NULL, *header = NULL;
	BIO *bio;

	if ((der = pem_plain(data, len, der_len)) != NULL)
		return der;
	if (len == 0 || memmem(data, len, "-----BEGIN ", 11) == NULL) {
		if ((copy = OPENSSL_malloc(len ? len : 1)) != NULL)
			memcpy(copy, data, len);
		*der_len = (long)len;
		return copy;
	}
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return NULL;
	if (PEM_read_bio(bio, &name, &header, &der, der_len) != 1 ||
	    (strcmp(name, "CERTIFICATE REQUEST") && strcmp(name, "NEW CERTIFICATE REQUEST")) ||
	    !csr_rest_blank(bio)) {
		OPENSSL_free(der);
		der = NULL;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(bio);
	return der;
}

/* The requested extensions (PKCS#9 extensionRequest), or NULL; *ok = 0 on error. */
static STACK_OF(X509_EXTENSION) *
requested_extensions(const RAW_REQ_INFO *info, int *ok)
{
	const STACK_OF(X509_ATTRIBUTE) *attrs = info->attributes;
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *t;
	int i;

	*ok = 1;
	if (attrs == NULL || X509at_get_attr_by_NID(attrs, NID_ms_ext_req, -1) >= 0) {
		*ok = attrs != NULL ? 0 : 1;	/* Microsoft's form: the slow path's business */
		return NULL;
	}
	if ((i = X509at_get_attr_by_NID(attrs, NID_ext_req, -1)) < 0)
		return NULL;
	attr = X509at_get_attr(attrs, i);
	if (X509at_get_attr_by_NID(attrs, NID_ext_req, i) >= 0 || X509_ATTRIBUTE_count(attr) != 1 ||
	    (t = X509_ATTRIBUTE_get0_type(attr, 0)) == NULL || t->type != V_ASN1_SEQUENCE) {
		*ok = 0;
		return NULL;
	}
	return ASN1_item_unpack(t->value.sequence, ASN1_ITEM_rptr(X509_EXTENSIONS));
}

/* 1 if the CSR's ECDSA signature verifies over the DER of its
 * CertificationRequestInfo exactly as received (RFC 2986 section 4.2). */
static int
signature_ok(const RAW_REQ *req, const EC_KEY *ec)
{
	const ASN1_ENCODING *enc = &req->info->enc;
	const EVP_MD *md;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	switch (OBJ_obj2nid(req->sig_alg->algorithm)) {
	case NID_ecdsa_with_SHA256: md = digest_md(DIGEST_SHA256); break;
	case NID_ecdsa_with_SHA384: md = digest_md(DIGEST_SHA384); break;
	case NID_ecdsa_with_SHA512: md = digest_md(DIGEST_SHA512); break;
	default: return 0;
	}
	/* RFC 5758 3.2: the ecdsa-with-SHA* AlgorithmIdentifiers have no parameters. */
	if (req->sig_alg->parameter != NULL || ec == NULL || enc->enc == NULL || enc->len <= 0 ||
	    enc->modified || (req->signature->flags & 0x07) != 0 ||
	    !EVP_Digest(enc->enc, (size_t)enc->len, digest, &dlen, md, NULL))
		return 0;
	return ECDSA_verify(0, digest, (int)dlen, req->signature->data, req->signature->length,
	    (EC_KEY *)ec);
}

/* The SubjectPublicKeyInfo of a P-256 key in its normal form (RFC 5480:
 * id-ecPublicKey, namedCurve prime256v1, uncompressed point): these 26
 * octets, then the 65 of the point. */
static const unsigned char p256_spki_head[26] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00
};

int
der_direct_read_csr_p256(const unsigned char *data, size_t len, EVP_PKEY **pub,
    STACK_OF(X509_EXTENSION) **exts, unsigned char spki[DER_DIRECT_P256_SPKI_LEN])
{
	unsigned char *der = NULL;
	const unsigned char *p;
	long der_len = 0;
	RAW_REQ *req = NULL;
	EVP_PKEY *pkey = NULL;
	int ok = 0;

	*pub = NULL;
	*exts = NULL;
	if (DER_DIRECT_READERS_OFF)
		return 0;
	ERR_set_mark();
	if ((der = csr_der(data, len, &der_len)) == NULL)
		goto out;
	p = der;
	if ((req = d2i_RAW_REQ(NULL, &p, der_len)) == NULL || p != der + der_len ||
	    ASN1_INTEGER_get(req->info->version) != 0 ||
	    (pkey = der_direct_spki_ec(req->info->spki, 0)) == NULL)
		goto out;
	/* Only an uncompressed point is already in normal form (a compressed
	 * one takes the reference path, which converts it). */
	if (req->info->spki->key->length != 65 || req->info->spki->key->data[0] != 0x04 ||
	    signature_ok(req, EVP_PKEY_get0_EC_KEY(pkey)) != 1)
		goto out;
	memcpy(spki, p256_spki_head, sizeof(p256_spki_head));
	memcpy(spki + sizeof(p256_spki_head), req->info->spki->key->data, 65);
	*exts = requested_extensions(req->info, &ok);
	if (ok) {
		*pub = pkey;
		pkey = NULL;
	}
out:
	ERR_pop_to_mark();
	EVP_PKEY_free(pkey);
	RAW_REQ_free(req);
	OPENSSL_free(der);
	return ok;
}
