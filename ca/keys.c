/* keys: which keys pinca will make or sign, and how key files are stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ca/der_direct.h"
#include "ca/keys.h"
#include "common/err.h"
#include "common/fileio.h"

static const struct {
	const char *name;
	enum key_type type;
} key_names[] = {
	{ "ec-p256", KEY_EC_P256 },
	{ "ec-p384", KEY_EC_P384 },
	{ "rsa-2048", KEY_RSA_2048 },
	{ "rsa-4096", KEY_RSA_4096 },
};

/* Types people ask for that would break a mobile platform, and which one. */
static const struct {
	const char *name;
	const char *why;
} key_refused[] = {
	{ "ed25519", "Ed25519 certificates are rejected by Android, Chrome and iOS" },
	{ "ed448", "Ed448 certificates are rejected by Android, Chrome and iOS" },
	{ "ec-p521", "TrustKit throws on P-521 keys and Chrome's verifier drops P-521 signatures" },
	{ "p521", "TrustKit throws on P-521 keys and Chrome's verifier drops P-521 signatures" },
	{ "rsa-3072", "TrustKit throws on RSA-3072 keys" },
	{ "rsa-1024", "RSA-1024 is rejected by Android, Chrome and iOS as too weak" },
	{ "rsa-1536", "RSA keys under 2048 bits are rejected by Android, Chrome and iOS" },
};

int
key_type_parse(const char *s, enum key_type *out)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strcasecmp(s, key_names[i].name) == 0) {
			*out = key_names[i].type;
			return RC_OK;
		}
	for (size_t i = 0; i < sizeof(key_refused) / sizeof(key_refused[0]); i++)
		if (strcasecmp(s, key_refused[i].name) == 0) {
			pinca_warnx("refusing key type %s: %s (use ec-p256, ec-p384, rsa-2048 or rsa-4096)",
			    s, key_refused[i].why);
			return RC_POLICY;
		}
	pinca_warnx("unknown key type '%s' (use ec-p256, ec-p384, rsa-2048 or rsa-4096)", s);
	return RC_USAGE;
}

const char *
key_type_name(enum key_type t)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (key_names[i].type == t)
			return key_names[i].name;
	return "unknown";
}

int
key_type_of(EVP_PKEY *pkey, const char *what, enum key_type *out)
{
	int id = EVP_PKEY_get_base_id(pkey), bits = EVP_PKEY_get_bits(pkey);

	if (id == EVP_PKEY_EC) {
		char curve[64] = "";
		size_t len = 0;
		if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve,
		    sizeof(curve), &len))
			curve[0] = '\0';
		if (strcmp(curve, "prime256v1") == 0 || strcmp(curve, "P-256") == 0) {
			*out = KEY_EC_P256;
			return RC_OK;
		}
		if (strcmp(curve, "secp384r1") == 0 || strcmp(curve, "P-384") == 0) {
			*out = KEY_EC_P384;
			return RC_OK;
		}
		if (strcmp(curve, "secp521r1") == 0 || strcmp(curve, "P-521") == 0)
			pinca_warnx("refusing %s: P-521: TrustKit throws on P-521 keys and Chrome's "
			    "verifier drops P-521 signatures", what);
		else
			pinca_warnx("refusing %s: EC curve %s is not supported by Android and iOS "
			    "(use P-256 or P-384)", what, curve[0] ? curve : "(explicit parameters)");
		return RC_POLICY;
	}
	if (id == EVP_PKEY_RSA) {
		BIGNUM *e = NULL;
		int e_ok;
		if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
			pinca_warn_ssl("cannot read the RSA exponent of %s", what);
			return RC_FAIL;
		}
		e_ok = BN_is_word(e, 65537);
		BN_free(e);
		if (!e_ok) {
			pinca_warnx("refusing %s: RSA public exponent must be 65537 (Windows and "
			    "several TLS stacks reject others; small exponents are unsafe)", what);
			return RC_POLICY;
		}
		if (bits == 2048) {
			*out = KEY_RSA_2048;
			return RC_OK;
		}
		if (bits == 4096) {
			*out = KEY_RSA_4096;
			return RC_OK;
		}
		if (bits == 3072)
			pinca_warnx("refusing %s: RSA-3072: TrustKit throws on RSA-3072 keys", what);
		else if (bits < 2048)
			pinca_warnx("refusing %s: RSA-%d is rejected by Android, Chrome and iOS as too "
			    "weak", what, bits);
		else
			pinca_warnx("refusing %s: RSA-%d is not a size TrustKit and iOS pinning "
			    "support (use RSA-2048 or RSA-4096)", what, bits);
		return RC_POLICY;
	}
	if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) {
		pinca_warnx("refusing %s: Ed25519/Ed448 certificates are rejected by Android, Chrome "
		    "and iOS", what);
		return RC_POLICY;
	}
	pinca_warnx("refusing %s: %s keys are not supported by Android and iOS (use EC P-256/P-384 "
	    "or RSA-2048/4096)", what, OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "unknown");
	return RC_POLICY;
}

EVP_PKEY *
key_generate(enum key_type t)
{
	EVP_PKEY *pkey = NULL;

	secret_protect_process();

	switch (t) {
	case KEY_EC_P256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_EC_P384:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case KEY_RSA_2048:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case KEY_RSA_4096:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	}
	if (pkey == NULL)
		pinca_warn_ssl("cannot generate a %s key", key_type_name(t));
	return pkey;
}

int
key_encode_pem(EVP_PKEY *pkey, const struct secret *pass, BIO *out)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *enc = NULL;
	int ok = 0;

	if (pass == NULL)
		return PEM_write_bio_PKCS8PrivateKey(out, pkey, NULL, NULL, 0, NULL, NULL);
	if ((p8 = EVP_PKEY2PKCS8(pkey)) == NULL)
		goto out;
	pbe = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), KEY_PBKDF2_ITERATIONS, NULL, 16, NULL,
	    NID_hmacWithSHA256);
	if (pbe == NULL)
		goto out;
	if ((enc = PKCS8_set0_pbe(pass->data, (int)pass->len, p8, pbe)) == NULL)
		goto out;
	pbe = NULL;	/* owned by enc now */
	ok = PEM_write_bio_PKCS8(out, enc);
out:
	X509_ALGOR_free(pbe);
	X509_SIG_free(enc);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return ok;
}

int
key_write(const char *path, EVP_PKEY *pkey, const struct secret *pass)
{
	BIO *mem = BIO_new(BIO_s_secmem());
	BUF_MEM *bm = NULL;
	int rc = RC_FAIL;

	if (mem == NULL || !key_encode_pem(pkey, pass, mem)) {
		pinca_warn_ssl("cannot encode the private key for %s", path);
		goto out;
	}
	BIO_get_mem_ptr(mem, &bm);
	rc = file_write_atomic(path, bm->data, bm->length, 0600, 1);
out:
	BIO_free(mem);	/* secure heap memory is wiped on free */
	return rc;
}

/* Passes the passphrase to OpenSSL's PEM reader. */
static int
key_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const struct secret *pass = u;

	(void)rwflag;
	if (pass == NULL || pass->len > (size_t)size)
		return -1;
	memcpy(buf, pass->data, pass->len);
	return (int)pass->len;
}

/* 1 if the public half of pkey is the one of its private half. OpenSSL's
 * reader takes a key file's stored public key as it is; a file with a
 * foreign private scalar and the right public key would pass the check
 * against the database and then sign certificates that never verify. The
 * direct EC reader (ca/der_direct_key.c) recomputes the point itself; this
 * is the same check for the EC keys OpenSSL's reader loads, so both paths
 * refuse the same files (tests/e2e/issue_ca_key_paths.sh runs through the
 * OPENSSL_READERS=1 build too). RSA keys are not checked here: OpenSSL's
 * RSA pairwise check tests p and q for primality, far dearer than a load. */
static int
key_pair_consistent(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return 1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ok = ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* Reads a private key from data (a whole key file) as key_load_with does. */
static EVP_PKEY *
key_load_mem(const unsigned char *data, size_t len, const char *path, const struct secret *pass,
    const char *what)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	int encrypted;

	encrypted = memmem(data, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) != NULL;
	/* An unencrypted EC key (the usual online intermediate) skips the
	 * decoder machinery; an encrypted key always goes through PKCS#8
	 * decryption below. */
	if (!encrypted) {
		int fast = der_direct_read_key_ec(data, len, &pkey);
		if (fast == DER_DIRECT_KEY_OK)
			return pkey;
		if (fast == DER_DIRECT_KEY_DAMAGED) {
			pinca_warnx("%s (%s) is damaged: its public key is not the one of its "
			    "private key", what, path);
			return NULL;
		}
	}
	if ((bio = BIO_new_mem_buf(data, (int)len)) != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, key_pass_cb, (void *)pass);
	BIO_free(bio);
	if (pkey != NULL && !key_pair_consistent(pkey)) {
		pinca_warnx("%s (%s) is damaged: its public key is not the one of its "
		    "private key", what, path);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	if (pkey == NULL) {
		if (encrypted && pass == NULL)
			pinca_warnx("%s (%s) is encrypted and no passphrase was given", what, path);
		else if (encrypted) {
			ERR_clear_error();
			pinca_warnx("wrong passphrase for %s (%s)", what, path);
		} else
			pinca_warn_ssl("cannot read %s (%s)", what, path);
	}
	return pkey;
}

EVP_PKEY *
key_load_with(const char *path, const struct secret *pass, const char *what)
{
	unsigned char *data = NULL;
	size_t len = 0;
	EVP_PKEY *pkey;

	secret_protect_process();
	if (file_check_private(path, what) != RC_OK ||
	    file_read_all(path, 1 << 20, &data, &len) != RC_OK)
		return NULL;
	pkey = key_load_mem(data, len, path, pass, what);
	OPENSSL_cleanse(data, len);
	free(data);
	return pkey;
}

EVP_PKEY *
key_load(const char *path, const struct pass_source *src, const char *what, int *rc)
{
	unsigned char *data = NULL;
	size_t len = 0;
	struct secret *pass = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	if (rc)
		*rc = RC_FAIL;
	/* Ask for a passphrase only when the file needs one. An unencrypted
	 * key asks for none, so the process is protected here, not only in
	 * secret_read. */
	secret_protect_process();
	if (file_check_private(path, what) != RC_OK ||
	    file_read_all(path, 1 << 20, &data, &len) != RC_OK)
		return NULL;
	if (memmem(data, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) != NULL) {
		struct pass_source s = *src;
		s.none = 0;
		if ((r = secret_read(&s, what, 0, &pass)) != RC_OK) {
			if (rc)
				*rc = r;
			goto out;
		}
	}
	pkey = key_load_mem(data, len, path, pass, what);
out:
	secret_free(pass);
	OPENSSL_cleanse(data, len);
	free(data);
	return pkey;
}
