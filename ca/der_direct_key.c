/* der_direct_key: reads an unencrypted PKCS#8 EC private key (RFC 5208 section 5,
 * with an RFC 5915 ECPrivateKey on P-256 or P-384) without OpenSSL 3.0's
 * OSSL_DECODER machinery. PEM_read_bio_PrivateKey builds a decoder context
 * for every call, which costs several times the ECDSA signature the key is
 * then used for. The key comes back EC_KEY-backed, so i2d_PUBKEY takes the
 * direct encoder as well. Anything this file does not fully check (another
 * key type or curve, explicit parameters, trailing data) is left to the
 * general reader; a stored public key that does not match the private
 * scalar is reported as damage. The
 * EC_KEY API is deprecated in 3.0 but present in every 3.x. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/der_direct.h"

/* The curve of a PKCS#8 EC AlgorithmIdentifier (a named curve, RFC 5480
 * section 2.1.1), or NID_undef if it is not P-256 or P-384. */
static int
key_named_curve(const PKCS8_PRIV_KEY_INFO *p8)
{
	const ASN1_OBJECT *alg_oid, *curve;
	const X509_ALGOR *alg;
	const void *pval;
	int ptype, nid;

	if (!PKCS8_pkey_get0(&alg_oid, NULL, NULL, &alg, p8) ||
	    OBJ_obj2nid(alg_oid) != NID_X9_62_id_ecPublicKey)
		return NID_undef;
	X509_ALGOR_get0(&alg_oid, &ptype, &pval, alg);
	if (ptype != V_ASN1_OBJECT)
		return NID_undef;
	curve = pval;
	nid = OBJ_obj2nid(curve);
	return nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 ? nid : NID_undef;
}

/* Sets *out to the EC_KEY of the ECPrivateKey in p8 on curve nid, its
 * public point recomputed from the private scalar. Returns DER_DIRECT_KEY_OK,
 * DER_DIRECT_KEY_OTHER if the key is not one this file takes, or DER_DIRECT_KEY_DAMAGED if
 * the stored public point is not the one of the private scalar. */
static int
key_ec_from_pkcs8(const PKCS8_PRIV_KEY_INFO *p8, int nid, EC_KEY **out)
{
	const unsigned char *p;
	int plen;
	EC_KEY *ec = NULL;
	EC_POINT *pub = NULL;
	const EC_GROUP *group;
	const BIGNUM *priv;
	int rc = DER_DIRECT_KEY_OTHER;

	*out = NULL;
	if (!PKCS8_pkey_get0(NULL, &p, &plen, NULL, p8) || (ec = EC_KEY_new_by_curve_name(nid)) == NULL)
		goto out;
	{
		const unsigned char *end = p + plen;
		/* d2i_ECPrivateKey keeps the preset group when the key has no
		 * parameters; when it has some, they must name the same curve. */
		if (d2i_ECPrivateKey(&ec, &p, plen) == NULL || p != end)
			goto out;
	}
	group = EC_KEY_get0_group(ec);
	priv = EC_KEY_get0_private_key(ec);
	if (group == NULL || EC_GROUP_get_curve_name(group) != nid ||
	    EC_GROUP_get_asn1_flag(group) != OPENSSL_EC_NAMED_CURVE || priv == NULL ||
	    BN_is_zero(priv) || BN_is_negative(priv) || BN_cmp(priv, EC_GROUP_get0_order(group)) >= 0)
		goto out;
	if ((pub = EC_POINT_new(group)) == NULL || !EC_POINT_mul(group, pub, priv, NULL, NULL, NULL))
		goto out;
	/* A stored public key that is not the private scalar's would pass the
	 * caller's check against the database and then sign certificates that
	 * never verify: refuse it. */
	if (EC_KEY_get0_public_key(ec) != NULL &&
	    EC_POINT_cmp(group, pub, EC_KEY_get0_public_key(ec), NULL) != 0) {
		rc = DER_DIRECT_KEY_DAMAGED;
		goto out;
	}
	if (!EC_KEY_set_public_key(ec, pub))
		goto out;
	EC_KEY_set_conv_form(ec, POINT_CONVERSION_UNCOMPRESSED);
	EC_KEY_set_asn1_flag(ec, OPENSSL_EC_NAMED_CURVE);
	*out = ec;
	ec = NULL;
	rc = DER_DIRECT_KEY_OK;
out:
	EC_POINT_free(pub);
	EC_KEY_free(ec);	/* clears the private scalar */
	return rc;
}

int
der_direct_read_key_ec(const unsigned char *data, size_t len, EVP_PKEY **out)
{
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long der_len = 0;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EC_KEY *ec = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	int nid, rc = DER_DIRECT_KEY_OTHER;

	*out = NULL;
	if (DER_DIRECT_READERS_OFF || len > 1 << 20 ||
	    memmem(data, len, "-----BEGIN PRIVATE KEY-----", 27) == NULL)
		return DER_DIRECT_KEY_OTHER;
	ERR_set_mark();
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		goto out;
	/* The first PEM block, as PEM_read_bio_PrivateKey would take it. */
	if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1 || strcmp(name, "PRIVATE KEY") != 0 ||
	    header[0] != '\0')
		goto out;
	p = der;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, der_len)) == NULL || p != der + der_len ||
	    (nid = key_named_curve(p8)) == NID_undef ||
	    (rc = key_ec_from_pkcs8(p8, nid, &ec)) != DER_DIRECT_KEY_OK)
		goto out;
	if ((pkey = EVP_PKEY_new()) == NULL || !EVP_PKEY_assign_EC_KEY(pkey, ec)) {
		EVP_PKEY_free(pkey);
		EC_KEY_free(ec);
		rc = DER_DIRECT_KEY_OTHER;
	} else
		*out = pkey;
out:
	ERR_pop_to_mark();
	BIO_free(bio);
	PKCS8_PRIV_KEY_INFO_free(p8);	/* wipes the private key octets */
	OPENSSL_clear_free(der, der_len > 0 ? (size_t)der_len : 0);
	OPENSSL_free(name);
	OPENSSL_free(header);
	return rc;
}
