/* signer_pkcs11: CA keys that live on a PKCS#11 token: finding them by URI,
 * reading their public half, signing digests with them and deleting them.
 * They are made in ca/pkcs11_keygen.c. The signer (ca/signer.c) hashes with
 * OpenSSL and hands the digest here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "ca/cert.h"
#include "ca/pkcs11.h"
#include "common/err.h"

/* Reads one attribute of an object into a new buffer (caller frees). */
static int
attr_get(struct p11_key *k, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, unsigned char **v,
    size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*v = NULL;
	if ((rv = k->s.f->C_GetAttributeValue(k->s.h, o, &a, 1)) != CKR_OK ||
	    a.ulValueLen == (CK_ULONG)-1 || a.ulValueLen > 65536 ||
	    (a.pValue = calloc(1, a.ulValueLen ? a.ulValueLen : 1)) == NULL ||
	    (rv = k->s.f->C_GetAttributeValue(k->s.h, o, &a, 1)) != CKR_OK) {
		free(a.pValue);
		pinca_warnx("token '%s': cannot read an attribute of key '%s': %s", k->s.token,
		    k->label, p11_rv_name(rv));
		return RC_FAIL;
	}
	*v = a.pValue;
	*len = a.ulValueLen;
	return RC_OK;
}

/* Finds the objects of class cls with the label and/or id given; *n gets
 * how many (at most 2 are looked for), *o the first. */
int
p11_key_find(struct p11_key *k, CK_OBJECT_CLASS cls, const char *label, const unsigned char *id,
    size_t id_len, CK_OBJECT_HANDLE *o, CK_ULONG *n)
{
	CK_OBJECT_HANDLE found[2];
	CK_ATTRIBUTE t[3];
	CK_ULONG nt = 0;
	CK_RV rv;

	t[nt++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if (label)
		t[nt++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	if (id)
		t[nt++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	*n = 0;
	if ((rv = k->s.f->C_FindObjectsInit(k->s.h, t, nt)) != CKR_OK) {
		pinca_warnx("token '%s': cannot search for keys: %s", k->s.token, p11_rv_name(rv));
		return RC_FAIL;
	}
	rv = k->s.f->C_FindObjects(k->s.h, found, 2, n);
	k->s.f->C_FindObjectsFinal(k->s.h);
	if (rv != CKR_OK) {
		pinca_warnx("token '%s': cannot search for keys: %s", k->s.token, p11_rv_name(rv));
		return RC_FAIL;
	}
	if (*n > 0)
		*o = found[0];
	return RC_OK;
}

/* The public key of algorithm alg ("EC", "RSA") built from the parameters
 * in bld; pushed is 0 when the caller could not put them there. New; NULL
 * with a message. */
static EVP_PKEY *
public_from_params(struct p11_key *k, OSSL_PARAM_BLD *bld, const char *alg, int pushed)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *ps = NULL;

	if (!pushed || (ps = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, ps) != 1)
		pinca_warn_ssl("token '%s': cannot read the public key of '%s'", k->s.token, k->label);
	OSSL_PARAM_free(ps);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* An EC public key from CKA_EC_PARAMS (the curve's OID) and CKA_EC_POINT
 * (a DER OCTET STRING around the point; some tokens give the bare point). */
static EVP_PKEY *
public_ec(struct p11_key *k, OSSL_PARAM_BLD *bld)
{
	unsigned char *params = NULL, *point = NULL;
	const unsigned char *p;
	size_t params_len = 0, point_len = 0;
	ASN1_OBJECT *curve = NULL;
	ASN1_OCTET_STRING *os = NULL;
	const unsigned char *q = NULL;
	size_t q_len = 0;
	EVP_PKEY *pkey = NULL;
	const char *group;
	int pushed;

	if (attr_get(k, k->pub, CKA_EC_PARAMS, &params, &params_len) != RC_OK ||
	    attr_get(k, k->pub, CKA_EC_POINT, &point, &point_len) != RC_OK)
		goto out;
	p = params;
	if ((curve = d2i_ASN1_OBJECT(NULL, &p, (long)params_len)) == NULL ||
	    (group = OBJ_nid2sn(OBJ_obj2nid(curve))) == NULL) {
		pinca_warnx("token '%s': key '%s' is on a curve pinca does not know", k->s.token,
		    k->label);
		goto out;
	}
	p = point;
	if ((os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)point_len)) != NULL &&
	    p == point + point_len) {
		q = ASN1_STRING_get0_data(os);
		q_len = (size_t)ASN1_STRING_length(os);
	} else {
		q = point;
		q_len = point_len;
	}
	pushed = OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, q_len);
	pkey = public_from_params(k, bld, "EC", pushed);
out:
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(curve);
	free(params);
	free(point);
	return pkey;
}

/* An RSA public key from CKA_MODULUS and CKA_PUBLIC_EXPONENT. */
static EVP_PKEY *
public_rsa(struct p11_key *k, OSSL_PARAM_BLD *bld)
{
	unsigned char *mod = NULL, *exp = NULL;
	size_t mod_len = 0, exp_len = 0;
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY *pkey = NULL;
	int pushed;

	if (attr_get(k, k->pub, CKA_MODULUS, &mod, &mod_len) != RC_OK ||
	    attr_get(k, k->pub, CKA_PUBLIC_EXPONENT, &exp, &exp_len) != RC_OK)
		goto out;
	pushed = (n = BN_bin2bn(mod, (int)mod_len, NULL)) != NULL &&
	    (e = BN_bin2bn(exp, (int)exp_len, NULL)) != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	pkey = public_from_params(k, bld, "RSA", pushed);
out:
	BN_free(n);
	BN_free(e);
	free(mod);
	free(exp);
	return pkey;
}

/* The public key of k (from its public key object), normalised as every
 * SPKI pinca records. New; NULL with a message. */
EVP_PKEY *
p11_key_public(struct p11_key *k)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *pkey = NULL;

	if (bld == NULL)
		return NULL;
	if (k->type == CKK_EC)
		pkey = public_ec(k, bld);
	else if (k->type == CKK_RSA)
		pkey = public_rsa(k, bld);
	else
		pinca_warnx("token '%s': key '%s' is neither EC nor RSA", k->s.token, k->label);
	OSSL_PARAM_BLD_free(bld);
	if (pkey && spki_normalize(pkey) != RC_OK) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

/* Reads CKA_KEY_TYPE of the private key. */
static int
key_type_read(struct p11_key *k)
{
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &k->type, sizeof(k->type) };
	CK_RV rv;

	if ((rv = k->s.f->C_GetAttributeValue(k->s.h, k->priv, &a, 1)) != CKR_OK) {
		pinca_warnx("token '%s': cannot read the type of key '%s': %s", k->s.token, k->label,
		    p11_rv_name(rv));
		return RC_FAIL;
	}
	return RC_OK;
}

/* Parses the URI and opens a session for a key (rw for generation). */
int
p11_key_session(const char *uri, const struct pass_source *src, int rw, struct p11_uri *u,
    struct p11_key **out)
{
	struct p11_key *k;
	int rc;

	*out = NULL;
	if ((rc = p11_uri_parse(uri, u)) != RC_OK)
		return rc;
	if (!(u->has & (P11_HAS_OBJECT | P11_HAS_ID))) {
		pinca_warnx("the pkcs11 URI names no key: add object=LABEL");
		return RC_USAGE;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	snprintf(k->label, sizeof(k->label), "%s", (u->has & P11_HAS_OBJECT) ? u->object : "(by id)");
	if ((rc = p11_session_open(u, src, rw, &k->s)) != RC_OK) {
		free(k);
		return rc;
	}
	*out = k;
	return RC_OK;
}

int
p11_key_open(const char *uri, const struct pass_source *src, struct p11_key **out,
    EVP_PKEY **pub)
{
	struct p11_uri u;
	struct p11_key *k = NULL;
	unsigned char *id = NULL;
	size_t id_len = 0;
	CK_ULONG n = 0;
	int rc;

	*pub = NULL;
	if ((rc = p11_key_session(uri, src, 0, &u, &k)) != RC_OK)
		return rc;
	rc = RC_FAIL;
	if (p11_key_find(k, CKO_PRIVATE_KEY, (u.has & P11_HAS_OBJECT) ? u.object : NULL,
	    (u.has & P11_HAS_ID) ? u.id : NULL, u.id_len, &k->priv, &n) != RC_OK)
		goto out;
	if (n != 1) {
		pinca_warnx(n == 0 ? "token '%s' holds no private key '%s'" :
		    "token '%s' holds several private keys '%s': add id=... to the URI", k->s.token,
		    k->label);
		goto out;
	}
	/* Its public half: the public key object with the same CKA_ID. */
	if (key_type_read(k) != RC_OK || attr_get(k, k->priv, CKA_ID, &id, &id_len) != RC_OK ||
	    p11_key_find(k, CKO_PUBLIC_KEY, NULL, id, id_len, &k->pub, &n) != RC_OK)
		goto out;
	if (n != 1) {
		pinca_warnx("token '%s' holds %s public key for '%s'", k->s.token,
		    n == 0 ? "no" : "more than one", k->label);
		goto out;
	}
	if ((*pub = p11_key_public(k)) == NULL)
		goto out;
	*out = k;
	k = NULL;
	rc = RC_OK;
out:
	free(id);
	p11_key_free(k);
	return rc;
}

/* The DigestInfo of RFC 8017 9.2 (what CKM_RSA_PKCS signs). New; *len set. */
static unsigned char *
digest_info(int md_nid, const unsigned char *md, size_t md_len, int *len)
{
	X509_SIG *sig = X509_SIG_new();
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *dig;
	unsigned char *der = NULL;

	*len = 0;
	if (sig == NULL)
		return NULL;
	X509_SIG_getm(sig, &alg, &dig);
	if (X509_ALGOR_set0(alg, OBJ_nid2obj(md_nid), V_ASN1_NULL, NULL) &&
	    ASN1_OCTET_STRING_set(dig, md, (int)md_len))
		*len = i2d_X509_SIG(sig, &der);
	X509_SIG_free(sig);
	return *len > 0 ? der : NULL;
}

/* r||s (two halves of equal length) as a DER ECDSA-Sig-Value into sig. */
static int
ecdsa_der(const unsigned char *raw, size_t raw_len, unsigned char *sig, size_t *sig_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = sig;
	int n, rc = RC_FAIL;

	if (es == NULL || raw_len == 0 || raw_len % 2 != 0)
		goto out;
	if ((r = BN_bin2bn(raw, (int)(raw_len / 2), NULL)) == NULL ||
	    (s = BN_bin2bn(raw + raw_len / 2, (int)(raw_len / 2), NULL)) == NULL ||
	    !ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL;
	if ((n = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)n > *sig_len)
		goto out;
	*sig_len = (size_t)i2d_ECDSA_SIG(es, &p);
	rc = RC_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int
p11_key_sign_digest(struct p11_key *k, int md_nid, const unsigned char *md, size_t md_len,
    unsigned char *sig, size_t *sig_len)
{
	CK_MECHANISM mech = { k->type == CKK_EC ? CKM_ECDSA : CKM_RSA_PKCS, NULL, 0 };
	unsigned char raw[1024], *info = NULL;
	const unsigned char *in = md;
	CK_ULONG raw_len = sizeof(raw), in_len = md_len;
	int info_len = 0, rc = RC_FAIL;
	CK_RV rv;

	if (!p11_session_usable(&k->s))
		return RC_FAIL;
	if (k->type == CKK_RSA) {
		if ((info = digest_info(md_nid, md, md_len, &info_len)) == NULL) {
			pinca_warn_ssl("cannot encode the DigestInfo");
			return RC_FAIL;
		}
		in = info;
		in_len = (CK_ULONG)info_len;
	}
	if ((rv = k->s.f->C_SignInit(k->s.h, &mech, k->priv)) != CKR_OK ||
	    (rv = k->s.f->C_Sign(k->s.h, (CK_BYTE *)in, in_len, raw, &raw_len)) != CKR_OK) {
		pinca_warnx("token '%s': cannot sign with key '%s': %s", k->s.token, k->label,
		    p11_rv_name(rv));
		goto out;
	}
	if (k->type == CKK_EC)
		rc = ecdsa_der(raw, raw_len, sig, sig_len);
	else if (raw_len <= *sig_len) {
		memcpy(sig, raw, raw_len);
		*sig_len = raw_len;
		rc = RC_OK;
	}
	if (rc != RC_OK)
		pinca_warnx("token '%s': key '%s' gave a signature of unexpected length %lu",
		    k->s.token, k->label, (unsigned long)raw_len);
out:
	OPENSSL_free(info);
	return rc;
}

int
p11_key_destroy(struct p11_key *k)
{
	CK_RV rv = CKR_OK, rv2 = CKR_OK;

	if (!p11_session_usable(&k->s))
		return RC_FAIL;
	if (k->priv)
		rv = k->s.f->C_DestroyObject(k->s.h, k->priv);
	if (k->pub)
		rv2 = k->s.f->C_DestroyObject(k->s.h, k->pub);
	if (rv != CKR_OK || rv2 != CKR_OK) {
		pinca_warnx("token '%s': cannot delete key '%s': %s", k->s.token, k->label,
		    p11_rv_name(rv != CKR_OK ? rv : rv2));
		return RC_FAIL;
	}
	k->priv = k->pub = 0;
	return RC_OK;
}

void
p11_key_free(struct p11_key *k)
{
	if (k == NULL)
		return;
	p11_session_close(&k->s);
	free(k);
}
