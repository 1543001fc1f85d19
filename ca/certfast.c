/* certfast: decodes a certificate with an EC P-256/P-384 key without
 * OpenSSL 3.0's OSSL_DECODER machinery. d2i_X509 decodes the subject public
 * key through a new OSSL_DECODER context every time (3.0 tries the legacy
 * decoder only when an ENGINE claims the key type), and setting that context
 * up costs about as much as the rest of an issuance. Here the certificate is
 * parsed with a template that keeps the SubjectPublicKeyInfo raw (RFC 5280
 * section 4.1), the key is made directly with EC_KEY_oct2key, and an X509 is
 * assembled from the parsed fields. It is returned only if it encodes back
 * to exactly the given DER, so it is the same certificate to every caller;
 * anything else (RSA, another curve, unique identifiers, non-DER input) is
 * left to d2i_X509. The EC_KEY API is deprecated in 3.0 but present in every
 * 3.x. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <pthread.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "ca/certfast.h"

typedef struct {
	ASN1_INTEGER *version;
	ASN1_INTEGER *serial;
	X509_ALGOR *signature;
	X509_NAME *issuer;
	X509_VAL *validity;
	X509_NAME *subject;
	RAW_SPKI *spki;
	ASN1_BIT_STRING *issuer_uid;
	ASN1_BIT_STRING *subject_uid;
	STACK_OF(X509_EXTENSION) *extensions;
} CERTFAST_TBS;

typedef struct {
	CERTFAST_TBS *tbs;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *signature;
} CERTFAST_CERT;

DECLARE_ASN1_ITEM(CERTFAST_TBS)
DECLARE_ASN1_FUNCTIONS(CERTFAST_CERT)

ASN1_SEQUENCE(RAW_SPKI) = {
	ASN1_SIMPLE(RAW_SPKI, algor, X509_ALGOR),
	ASN1_SIMPLE(RAW_SPKI, key, ASN1_BIT_STRING)
} ASN1_SEQUENCE_END(RAW_SPKI)

ASN1_SEQUENCE(CERTFAST_TBS) = {
	ASN1_EXP_OPT(CERTFAST_TBS, version, ASN1_INTEGER, 0),
	ASN1_SIMPLE(CERTFAST_TBS, serial, ASN1_INTEGER),
	ASN1_SIMPLE(CERTFAST_TBS, signature, X509_ALGOR),
	ASN1_SIMPLE(CERTFAST_TBS, issuer, X509_NAME),
	ASN1_SIMPLE(CERTFAST_TBS, validity, X509_VAL),
	ASN1_SIMPLE(CERTFAST_TBS, subject, X509_NAME),
	ASN1_SIMPLE(CERTFAST_TBS, spki, RAW_SPKI),
	ASN1_IMP_OPT(CERTFAST_TBS, issuer_uid, ASN1_BIT_STRING, 1),
	ASN1_IMP_OPT(CERTFAST_TBS, subject_uid, ASN1_BIT_STRING, 2),
	ASN1_EXP_SEQUENCE_OF_OPT(CERTFAST_TBS, extensions, X509_EXTENSION, 3)
} ASN1_SEQUENCE_END(CERTFAST_TBS)

ASN1_SEQUENCE(CERTFAST_CERT) = {
	ASN1_SIMPLE(CERTFAST_CERT, tbs, CERTFAST_TBS),
	ASN1_SIMPLE(CERTFAST_CERT, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(CERTFAST_CERT, signature, ASN1_BIT_STRING)
/* cppcheck-suppress unknownMacro ; OpenSSL's asn1t.h template macros */
} ASN1_SEQUENCE_END(CERTFAST_CERT)

IMPLEMENT_ASN1_FUNCTIONS(CERTFAST_CERT)

/* One group per curve for the process: making it from the curve's name
 * each time costs as much as a tenth of a signature verification. Made
 * once (pthread_once), since the server's threads parse at the same time. */
static EC_GROUP *certfast_p256, *certfast_p384;
static pthread_once_t certfast_groups_once = PTHREAD_ONCE_INIT;

/* Makes both groups (pthread_once routine). */
static void
certfast_groups_make(void)
{
	certfast_p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	certfast_p384 = EC_GROUP_new_by_curve_name(NID_secp384r1);
}

EVP_PKEY *
raw_spki_ec_public(const RAW_SPKI *spki, int allow_p384)
{
	const ASN1_OBJECT *alg;
	const void *pval;
	int ptype, nid;
	const EC_GROUP *group;
	EC_KEY *ec = NULL;
	EVP_PKEY *pkey = NULL;

	X509_ALGOR_get0(&alg, &ptype, &pval, spki->algor);
	if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || ptype != V_ASN1_OBJECT ||
	    (spki->key->flags & 0x07) != 0)
		return NULL;
	nid = OBJ_obj2nid(pval);
	if (pthread_once(&certfast_groups_once, certfast_groups_make) != 0)
		return NULL;
	if (nid == NID_X9_62_prime256v1)
		group = certfast_p256;
	else if (nid == NID_secp384r1 && allow_p384)
		group = certfast_p384;
	else
		return NULL;
	if (group == NULL)
		return NULL;
	/* oct2key refuses a point off the curve; both curves have cofactor 1, so
	 * a point on one other than infinity is in the group (no n*Q check). */
	if ((ec = EC_KEY_new()) == NULL || !EC_KEY_set_group(ec, group) ||
	    !EC_KEY_oct2key(ec, spki->key->data, (size_t)spki->key->length, NULL) ||
	    EC_POINT_is_at_infinity(group, EC_KEY_get0_public_key(ec)) ||
	    (pkey = EVP_PKEY_new()) == NULL)
		goto fail;
	EC_KEY_set_conv_form(ec, POINT_CONVERSION_UNCOMPRESSED);
	EC_KEY_set_asn1_flag(ec, OPENSSL_EC_NAMED_CURVE);
	if (!EVP_PKEY_assign_EC_KEY(pkey, ec))
		goto fail;
	return pkey;
fail:
	EVP_PKEY_free(pkey);
	EC_KEY_free(ec);
	return NULL;
}

/* Sets the two signature fields that have no setter in the public API. */
static int
certfast_set_signature(X509 *x, const CERTFAST_CERT *c)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;

	X509_get0_signature(&sig, &alg, x);
	return X509_ALGOR_copy((X509_ALGOR *)alg, c->sig_alg) &&
	    X509_ALGOR_copy((X509_ALGOR *)X509_get0_tbs_sigalg(x), c->tbs->signature) &&
	    ASN1_STRING_copy((ASN1_STRING *)sig, c->signature);
}

/* An X509 assembled from the parsed fields of c (not yet checked). */
static X509 *
certfast_assemble(const CERTFAST_CERT *c)
{
	const CERTFAST_TBS *t = c->tbs;
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;
	long version = t->version ? ASN1_INTEGER_get(t->version) : 0;
	int ok = 0;

	if (t->issuer_uid || t->subject_uid || version < 0 || version > 2 ||
	    (pub = raw_spki_ec_public(t->spki, 1)) == NULL || (x = X509_new()) == NULL)
		goto out;
	if ((t->version && !X509_set_version(x, version)) || !X509_set_serialNumber(x, t->serial) ||
	    !X509_set_issuer_name(x, t->issuer) || !X509_set_subject_name(x, t->subject) ||
	    !X509_set1_notBefore(x, t->validity->notBefore) ||
	    !X509_set1_notAfter(x, t->validity->notAfter) || !X509_set_pubkey(x, pub) ||
	    !certfast_set_signature(x, c))
		goto out;
	for (int i = 0; i < sk_X509_EXTENSION_num(t->extensions); i++)
		if (!X509_add_ext(x, sk_X509_EXTENSION_value(t->extensions, i), -1))
			goto out;
	ok = 1;
out:
	EVP_PKEY_free(pub);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

X509 *
certfast_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char *back = NULL;
	CERTFAST_CERT *c = NULL;
	X509 *x = NULL;
	int n;

	if (len == 0 || len > 1 << 20)
		return NULL;
	ERR_set_mark();
	if ((c = d2i_CERTFAST_CERT(NULL, &p, (long)len)) == NULL || p != der + len ||
	    (x = certfast_assemble(c)) == NULL)
		goto out;
	/* The same certificate or none: it must encode to exactly the input. */
	if ((n = i2d_X509(x, &back)) <= 0 || (size_t)n != len || memcmp(back, der, len) != 0) {
		X509_free(x);
		x = NULL;
	}
out:
	ERR_pop_to_mark();
	OPENSSL_free(back);
	CERTFAST_CERT_free(c);
	return x;
}
