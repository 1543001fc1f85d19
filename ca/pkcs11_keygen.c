/* pkcs11_keygen: making a CA key pair on a PKCS#11 token: private,
 * sensitive, never extractable and able only to sign, under a label no key
 * on the token has yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>

#include "ca/pkcs11.h"
#include "common/err.h"

/* The templates of a new key pair: the private key on the token, private,
 * sensitive and not extractable (so never extractable), able to sign only. */
struct keygen_template {
	CK_BBOOL yes, no;
	CK_ULONG bits;
	unsigned char exponent[3];
	unsigned char *ec_params;
	int ec_params_len;
	CK_ATTRIBUTE pub[12], priv[12];
	CK_ULONG npub, npriv;
	CK_MECHANISM mech;
};

/* Fills t for type, with the label and id both halves carry. */
static int
keygen_template(struct keygen_template *t, enum key_type type, const char *label,
    const unsigned char *id, size_t id_len)
{
	int nid = type == KEY_EC_P256 ? NID_X9_62_prime256v1 : NID_secp384r1;

	t->yes = CK_TRUE;
	t->no = CK_FALSE;
#define ATTR(arr, n, typ, val, len) (arr)[(n)++] = (CK_ATTRIBUTE){ (typ), (void *)(val), (len) }
	ATTR(t->pub, t->npub, CKA_TOKEN, &t->yes, sizeof(CK_BBOOL));
	ATTR(t->pub, t->npub, CKA_PRIVATE, &t->no, sizeof(CK_BBOOL));
	ATTR(t->pub, t->npub, CKA_VERIFY, &t->yes, sizeof(CK_BBOOL));
	ATTR(t->pub, t->npub, CKA_ENCRYPT, &t->no, sizeof(CK_BBOOL));
	ATTR(t->pub, t->npub, CKA_WRAP, &t->no, sizeof(CK_BBOOL));
	ATTR(t->pub, t->npub, CKA_LABEL, label, strlen(label));
	ATTR(t->pub, t->npub, CKA_ID, id, id_len);
	ATTR(t->priv, t->npriv, CKA_TOKEN, &t->yes, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_PRIVATE, &t->yes, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_SENSITIVE, &t->yes, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_EXTRACTABLE, &t->no, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_SIGN, &t->yes, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_DECRYPT, &t->no, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_UNWRAP, &t->no, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_DERIVE, &t->no, sizeof(CK_BBOOL));
	ATTR(t->priv, t->npriv, CKA_LABEL, label, strlen(label));
	ATTR(t->priv, t->npriv, CKA_ID, id, id_len);
	if (type == KEY_EC_P256 || type == KEY_EC_P384) {
		t->ec_params_len = i2d_ASN1_OBJECT(OBJ_nid2obj(nid), &t->ec_params);
		if (t->ec_params_len <= 0)
			return RC_FAIL;
		ATTR(t->pub, t->npub, CKA_EC_PARAMS, t->ec_params, (CK_ULONG)t->ec_params_len);
		t->mech = (CK_MECHANISM){ CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	} else {
		t->bits = type == KEY_RSA_2048 ? 2048 : 4096;
		memcpy(t->exponent, "\x01\x00\x01", 3);	/* 65537 */
		ATTR(t->pub, t->npub, CKA_MODULUS_BITS, &t->bits, sizeof(t->bits));
		ATTR(t->pub, t->npub, CKA_PUBLIC_EXPONENT, t->exponent, 3);
		t->mech = (CK_MECHANISM){ CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	}
#undef ATTR
	return RC_OK;
}

/* Checks what the token made of the new private key: some tokens ignore
 * attributes they do not support, and pinca must not claim a key is
 * unextractable when it is not. */
static int
keygen_check(struct p11_key *k)
{
	CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE;
	CK_ATTRIBUTE a[2] = {
		{ CKA_SENSITIVE, &sensitive, sizeof(sensitive) },
		{ CKA_EXTRACTABLE, &extractable, sizeof(extractable) },
	};
	CK_RV rv;

	if ((rv = k->s.f->C_GetAttributeValue(k->s.h, k->priv, a, 2)) != CKR_OK) {
		pinca_warnx("token '%s': cannot read back key '%s': %s", k->s.token, k->label,
		    p11_rv_name(rv));
		return RC_FAIL;
	}
	if (sensitive != CK_TRUE || extractable != CK_FALSE) {
		pinca_warnx("token '%s' made key '%s' extractable or not sensitive: refusing it",
		    k->s.token, k->label);
		return RC_FAIL;
	}
	return RC_OK;
}

int
p11_key_generate(const char *uri, const struct pass_source *src, enum key_type type,
    struct p11_key **out, EVP_PKEY **pub, char *record, size_t record_size)
{
	struct keygen_template t;
	struct p11_uri u;
	struct p11_key *k = NULL;
	CK_OBJECT_HANDLE o;
	CK_ULONG n = 0;
	CK_RV rv;
	int rc, made = 0;

	*pub = NULL;
	memset(&t, 0, sizeof(t));
	if ((rc = p11_key_session(uri, src, 1, &u, &k)) != RC_OK)
		return rc;
	rc = RC_FAIL;
	if (!(u.has & P11_HAS_OBJECT)) {
		pinca_warnx("the pkcs11 URI of a new key needs object=LABEL");
		rc = RC_USAGE;
		goto out;
	}
	/* Never a second key under a label (or id) a key already has. */
	if (p11_key_find(k, CKO_PRIVATE_KEY, u.object, NULL, 0, &o, &n) != RC_OK)
		goto out;
	if (n == 0 && (u.has & P11_HAS_ID) &&
	    p11_key_find(k, CKO_PRIVATE_KEY, NULL, u.id, u.id_len, &o, &n) != RC_OK)
		goto out;
	if (n != 0) {
		pinca_warnx("token '%s' already holds a key '%s' (or with that id)", k->s.token,
		    k->label);
		goto out;
	}
	if (!(u.has & P11_HAS_ID)) {
		u.id_len = 16;
		if (RAND_bytes(u.id, (int)u.id_len) != 1) {
			pinca_warn_ssl("cannot make an id for the new key");
			goto out;
		}
		u.has |= P11_HAS_ID;
	}
	if (keygen_template(&t, type, u.object, u.id, u.id_len) != RC_OK)
		goto out;
	rv = k->s.f->C_GenerateKeyPair(k->s.h, &t.mech, t.pub, t.npub, t.priv, t.npriv, &k->pub,
	    &k->priv);
	if (rv != CKR_OK) {
		pinca_warnx("token '%s': cannot generate a %s key: %s", k->s.token,
		    key_type_name(type), p11_rv_name(rv));
		goto out;
	}
	made = 1;
	k->type = (type == KEY_EC_P256 || type == KEY_EC_P384) ? CKK_EC : CKK_RSA;
	if (keygen_check(k) != RC_OK || (*pub = p11_key_public(k)) == NULL)
		goto out;
	if (p11_uri_format(&u, record, record_size) != RC_OK) {
		pinca_warnx("the URI of key '%s' is too long", k->label);
		goto out;
	}
	*out = k;
	k = NULL;
	rc = RC_OK;
out:
	if (k && made)
		p11_key_destroy(k);
	if (rc != RC_OK) {
		EVP_PKEY_free(*pub);
		*pub = NULL;
	}
	OPENSSL_free(t.ec_params);
	p11_key_free(k);
	return rc;
}
