/* test_der_direct: the direct readers (ca/der_direct.h) beside OpenSSL's
 * decoders. The key reader takes unencrypted PKCS#8 P-256/P-384 keys and
 * must give the same key as OpenSSL, leave every other key to the general
 * reader, and call a key whose stored public point is not its scalar's
 * damaged; the certificate reader must give the same certificate as
 * d2i_X509 for EC CAs, or nothing. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tests/unit/unit.h"

#include "ca/der_direct.h"

/* PEM text of a BIO (NUL-terminated copy in buf). */
static size_t
bio_text(BIO *b, char *buf, size_t size)
{
	int n = BIO_read(b, buf, (int)size - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

/* Unencrypted PKCS#8 PEM of key, as pinca's key_write makes it. */
static size_t
pkcs8_pem(EVP_PKEY *key, char *buf, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	size_t n;

	PEM_write_bio_PKCS8PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	n = bio_text(b, buf, size);
	BIO_free(b);
	return n;
}

/* PEM "PRIVATE KEY" around arbitrary DER. */
static size_t
der_pem(const unsigned char *der, long len, char *buf, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	size_t n;

	PEM_write_bio(b, "PRIVATE KEY", "", der, len);
	n = bio_text(b, buf, size);
	BIO_free(b);
	return n;
}

/* The key reader's result for pem; *same is whether its key equals want. */
static int
load(const char *pem, size_t len, EVP_PKEY *want, int *same)
{
	EVP_PKEY *got = NULL;
	int rc = der_direct_read_key_ec((const unsigned char *)pem, len, &got);

	*same = got && want && EVP_PKEY_eq(got, want) == 1;
	EVP_PKEY_free(got);
	return rc;
}

/* PKCS#8 DER of an EC key with the ECPrivateKey flags given (no public key,
 * explicit parameters...). */
static long
ec_pkcs8_der(EVP_PKEY *key, unsigned enc_flags, int explicit_curve, unsigned char **out)
{
	EC_KEY *ec = EVP_PKEY_get1_EC_KEY(key);
	PKCS8_PRIV_KEY_INFO *p8 = PKCS8_PRIV_KEY_INFO_new();
	unsigned char *inner = NULL;
	int n, curve = EC_GROUP_get_curve_name(EC_KEY_get0_group(ec));
	long len;

	if (explicit_curve)
		EC_KEY_set_asn1_flag(ec, OPENSSL_EC_EXPLICIT_CURVE);
	EC_KEY_set_enc_flags(ec, enc_flags);
	n = i2d_ECPrivateKey(ec, &inner);
	PKCS8_pkey_set0(p8, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), 0, V_ASN1_OBJECT,
	    OBJ_nid2obj(curve), inner, n);
	*out = NULL;
	len = i2d_PKCS8_PRIV_KEY_INFO(p8, out);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EC_KEY_free(ec);
	return len;
}

static void
test_keys(void)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	static char pem[8192];
	unsigned char pub[65], opub[65], *der = NULL, *at;
	size_t n, publen = 0;
	long dlen;
	int same;
	BIO *b;

	n = pkcs8_pem(p256, pem, sizeof(pem));
	CHECK(load(pem, n, p256, &same) == DER_DIRECT_KEY_OK && same, "P-256 PKCS#8: the same key");
	n = pkcs8_pem(p384, pem, sizeof(pem));
	CHECK(load(pem, n, p384, &same) == DER_DIRECT_KEY_OK && same, "P-384 PKCS#8: the same key");
	n = pkcs8_pem(p521, pem, sizeof(pem));
	CHECK(load(pem, n, NULL, &same) == DER_DIRECT_KEY_OTHER, "P-521 is left to the general reader");
	n = pkcs8_pem(rsa, pem, sizeof(pem));
	CHECK(load(pem, n, NULL, &same) == DER_DIRECT_KEY_OTHER, "RSA is left to the general reader");
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PKCS8PrivateKey(b, p256, EVP_aes_256_cbc(), "pass", 4, NULL, NULL);
	n = bio_text(b, pem, sizeof(pem));
	BIO_free(b);
	CHECK(load(pem, n, NULL, &same) == DER_DIRECT_KEY_OTHER, "encrypted PKCS#8 is left to the general reader");
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey_traditional(b, p256, NULL, NULL, 0, NULL, NULL);
	n = bio_text(b, pem, sizeof(pem));
	BIO_free(b);
	CHECK(load(pem, n, NULL, &same) == DER_DIRECT_KEY_OTHER, "'EC PRIVATE KEY' is left to the general reader");

	/* Hand-made variants of the P-256 key. */
	dlen = ec_pkcs8_der(p256, EC_PKEY_NO_PARAMETERS | EC_PKEY_NO_PUBKEY, 0, &der);
	n = der_pem(der, dlen, pem, sizeof(pem));
	CHECK(load(pem, n, p256, &same) == DER_DIRECT_KEY_OK && same, "no stored public key: computed, same key");
	OPENSSL_free(der);
	dlen = ec_pkcs8_der(p256, 0, 1, &der);
	n = der_pem(der, dlen, pem, sizeof(pem));
	CHECK(load(pem, n, NULL, &same) == DER_DIRECT_KEY_OTHER, "explicit curve parameters: general reader");
	OPENSSL_free(der);
	dlen = ec_pkcs8_der(p256, EC_PKEY_NO_PARAMETERS, 0, &der);
	der = OPENSSL_realloc(der, (size_t)dlen + 1);
	der[dlen] = 0;
	n = der_pem(der, dlen + 1, pem, sizeof(pem));
	CHECK(load(pem, n, NULL, &same) == DER_DIRECT_KEY_OTHER, "trailing byte after the PKCS#8: general reader");
	/* The stored public point replaced by another key's. */
	EVP_PKEY_get_octet_string_param(p256, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &publen);
	EVP_PKEY_get_octet_string_param(other, OSSL_PKEY_PARAM_PUB_KEY, opub, sizeof(opub), &publen);
	at = memmem(der, (size_t)dlen, pub, sizeof(pub));
	CHECK(publen == 65 && at != NULL, "the public point is in the DER");
	if (at) {
		memcpy(at, opub, sizeof(opub));
		n = der_pem(der, dlen, pem, sizeof(pem));
		CHECK(load(pem, n, NULL, &same) == DER_DIRECT_KEY_DAMAGED, "foreign public point: damaged");
	}
	OPENSSL_free(der);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(other);
}

/* A self-signed CA certificate for key, DER in *der. */
static int
ca_cert_der(EVP_PKEY *key, unsigned char **der)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int n;

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Unit CA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, key, EVP_sha256());
	*der = NULL;
	n = i2d_X509(x, der);
	X509_free(x);
	return n;
}

static void
test_certs(void)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	unsigned char *der = NULL, *back = NULL, *longer;
	const unsigned char *p;
	X509 *fast, *ref;
	int n = ca_cert_der(ec, &der), m;

	p = der;
	ref = d2i_X509(NULL, &p, n);
	fast = der_direct_read_cert_ec(der, (size_t)n);
	CHECK(fast != NULL, "EC CA certificate: the direct reader takes it");
	if (fast) {
		m = i2d_X509(fast, &back);
		CHECK(m == n && memcmp(back, der, (size_t)n) == 0, "encodes to the same DER");
		CHECK(X509_cmp(fast, ref) == 0, "X509_cmp equal to d2i_X509's");
		CHECK(X509_NAME_cmp(X509_get_subject_name(fast), X509_get_subject_name(ref)) == 0,
		    "same subject");
		CHECK(X509_get_ext_count(fast) == 2 && X509_get_ext_by_NID(fast,
		    NID_subject_key_identifier, -1) >= 0, "same extensions");
		CHECK(EVP_PKEY_eq(X509_get0_pubkey(fast), ec) == 1, "same public key");
		CHECK(X509_verify(fast, ec) == 1, "its signature still verifies");
		CHECK(X509_check_ca(fast) == 1, "still a CA certificate");
		OPENSSL_free(back);
		X509_free(fast);
	}
	/* A trailing byte, and a non-DER length encoding of the same certificate. */
	longer = OPENSSL_malloc((size_t)n + 2);
	memcpy(longer, der, (size_t)n);
	longer[n] = 0;
	CHECK(der_direct_read_cert_ec(longer, (size_t)n + 1) == NULL, "trailing byte: no certificate");
	if (der[1] == 0x82) {
		/* 30 82 LL LL -> 30 83 00 LL LL: the same length in BER's longer form. */
		longer[0] = 0x30;
		longer[1] = 0x83;
		longer[2] = 0x00;
		memcpy(longer + 3, der + 2, (size_t)n - 2);
		CHECK(der_direct_read_cert_ec(longer, (size_t)n + 1) == NULL, "BER length: no certificate");
	}
	OPENSSL_free(longer);
	OPENSSL_free(der);
	X509_free(ref);
	n = ca_cert_der(rsa, &der);
	CHECK(der_direct_read_cert_ec(der, (size_t)n) == NULL, "RSA CA certificate: left to d2i_X509");
	OPENSSL_free(der);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}

int
main(void)
{
	test_keys();
	test_certs();
	return unit_finish();
}
