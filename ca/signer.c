/* signer: signing for CAs, with the key in a file (OpenSSL signs) or on a
 * PKCS#11 token (OpenSSL hashes, the token signs the digest: see
 * ca/signer_pkcs11.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>

#include "ca/cert.h"
#include "ca/der_direct.h"
#include "ca/keys.h"
#include "ca/pkcs11.h"
#include "ca/signer.h"
#include "common/cadir.h"
#include "common/digest.h"
#include "common/err.h"

struct signer {
	EVP_PKEY *key;		/* the private key; only the public key when on a token */
	struct p11_key *token;	/* the key on a token, or NULL */
	X509 *cert;
	int64_t ca_id;
	EVP_MD_CTX *stream;
	EVP_PKEY_CTX *tbs;	/* one-shot signing context, made on first use */
	int is_remote;		/* key is only the public half; remote signs */
	struct signer_remote remote;
};

struct signer *
signer_remote_new(X509 *cert, int64_t ca_id, const struct signer_remote *remote)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	struct signer *sg;

	if (pub == NULL) {
		pinca_warn_ssl("the CA certificate has no usable public key");
		return NULL;
	}
	if ((sg = signer_from_key(pub, cert)) == NULL)
		return NULL;
	sg->ca_id = ca_id;
	sg->is_remote = 1;
	sg->remote = *remote;
	return sg;
}

struct signer *
signer_from_key(EVP_PKEY *key, X509 *cert)
{
	struct signer *sg = calloc(1, sizeof(*sg));

	if (sg == NULL) {
		pinca_warnx("out of memory");
		return NULL;
	}
	EVP_PKEY_up_ref(key);
	sg->key = key;
	if (cert) {
		X509_up_ref(cert);
		sg->cert = cert;
	}
	return sg;
}

struct signer *
signer_open_ca(const char *cadir, const struct signer_ca *ca, const struct pass_source *src,
    const struct secret *pass, int *rc)
{
	char path[4096], what[256];
	struct signer *sg = NULL;
	struct p11_key *token = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	int why = RC_FAIL;

	if (ca->key_path == NULL) {
		pinca_warnx("the key of %s '%s' is not held in this CA directory", ca->role, ca->cn);
		goto out;
	}
	if (p11_uri_is(ca->key_path)) {
		/* On a token: key is its public half, the token signs. */
		snprintf(path, sizeof(path), "%s", ca->key_path);
		if ((why = p11_key_open(ca->key_path, src, &token, &key)) != RC_OK)
			goto out;
		why = RC_FAIL;
	} else {
		if (cadir_path(path, sizeof(path), cadir, ca->key_path) != RC_OK)
			goto out;
		snprintf(what, sizeof(what), "the %s key", ca->role);
		key = pass ? key_load_with(path, pass, what) : key_load(path, src, what, &why);
		if (key == NULL)
			goto out;
	}
	/* The key must be the one the database says this CA has. */
	if (spki_der_of_pkey(key, &spki, &spki_len) != RC_OK)
		goto out;
	if (spki_len != ca->spki_len || memcmp(spki, ca->spki, spki_len) != 0) {
		pinca_warnx("%s does not hold the key of %s '%s' recorded in the database", path,
		    ca->role, ca->cn);
		goto out;
	}
	/* The direct reader skips the OSSL_DECODER set-up of d2i_X509 for EC CAs. */
	if (ca->der && (cert = der_direct_read_cert_ec(ca->der, ca->der_len)) == NULL &&
	    (cert = cert_from_der(ca->der, ca->der_len)) == NULL) {
		pinca_warnx("the stored certificate of %s '%s' is damaged", ca->role, ca->cn);
		goto out;
	}
	if ((sg = signer_from_key(key, cert)) != NULL) {
		sg->ca_id = ca->id;
		sg->token = token;
		token = NULL;
	}
out:
	if (sg == NULL && rc)
		*rc = why;
	p11_key_free(token);
	OPENSSL_free(spki);
	X509_free(cert);
	EVP_PKEY_free(key);
	return sg;
}

struct signer *
signer_generate_on_token(const char *uri, const struct pass_source *src, enum key_type type,
    EVP_PKEY **pub, char *record, size_t record_size, int *rc)
{
	struct p11_key *token = NULL;
	struct signer *sg = NULL;

	*pub = NULL;
	if ((*rc = p11_key_generate(uri, src, type, &token, pub, record, record_size)) != RC_OK)
		return NULL;
	if ((sg = signer_from_key(*pub, NULL)) == NULL) {
		p11_key_destroy(token);
		p11_key_free(token);
		EVP_PKEY_free(*pub);
		*pub = NULL;
		*rc = RC_FAIL;
		return NULL;
	}
	sg->token = token;
	return sg;
}

int
signer_key_uri_is(const char *s)
{
	return p11_uri_is(s);
}

void
signer_set_cert(struct signer *sg, X509 *cert)
{
	X509_up_ref(cert);
	X509_free(sg->cert);
	sg->cert = cert;
}

int
signer_discard_key(struct signer *sg)
{
	if (sg == NULL || sg->token == NULL)
		return RC_OK;
	return p11_key_destroy(sg->token);
}

void
signer_free(struct signer *sg)
{
	if (sg == NULL)
		return;
	EVP_MD_CTX_free(sg->stream);
	EVP_PKEY_CTX_free(sg->tbs);
	EVP_PKEY_free(sg->key);	/* OpenSSL wipes private key material on free */
	p11_key_free(sg->token);
	X509_free(sg->cert);
	free(sg);
}

X509 *
signer_cert(const struct signer *sg)
{
	return sg->cert;
}

int64_t
signer_ca_id(const struct signer *sg)
{
	return sg->ca_id;
}

const EVP_MD *
signer_md(const struct signer *sg)
{
	if (EVP_PKEY_get_base_id(sg->key) == EVP_PKEY_EC && EVP_PKEY_get_bits(sg->key) == 384)
		return EVP_sha384();
	return EVP_sha256();
}

int
signer_sign_cert(struct signer *sg, X509 *cert)
{
	if (sg->cert && !X509_set_issuer_name(cert, X509_get_subject_name(sg->cert))) {
		pinca_warn_ssl("cannot set the issuer name");
		return RC_FAIL;
	}
	if (sg->token)
		return signer_token_sign_cert(sg->token, sg->key, signer_md(sg), cert);
	if (X509_sign(cert, sg->key, signer_md(sg)) <= 0) {
		pinca_warn_ssl("cannot sign the certificate");
		return RC_FAIL;
	}
	return RC_OK;
}

int
signer_sign_req(struct signer *sg, X509_REQ *req)
{
	if (sg->token)
		return signer_token_sign_req(sg->token, sg->key, signer_md(sg), req);
	if (X509_REQ_sign(req, sg->key, signer_md(sg)) <= 0) {
		pinca_warn_ssl("cannot sign the request");
		return RC_FAIL;
	}
	return RC_OK;
}

int
signer_sign_data_sha256(struct signer *sg, const unsigned char *data, size_t len,
    unsigned char **sig, size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = NULL;
	size_t n = 0;
	int rc = RC_FAIL;

	*sig = NULL;
	if (sg->token) {
		EVP_MD_CTX_free(ctx);
		if ((buf = OPENSSL_malloc(signer_sig_max(sg))) == NULL ||
		    signer_token_sign_data(sg->token, sg->key, EVP_sha256(), data, len, buf,
		    &n) != RC_OK) {
			OPENSSL_free(buf);
			return RC_FAIL;
		}
		*sig = buf;
		*sig_len = n;
		return RC_OK;
	}
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, sg->key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1 || (buf = OPENSSL_malloc(n)) == NULL ||
	    EVP_DigestSign(ctx, buf, &n, data, len) != 1) {
		pinca_warn_ssl("cannot sign");
		OPENSSL_free(buf);
	} else {
		*sig = buf;
		*sig_len = n;
		rc = RC_OK;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* The one-shot context: sign_init with signer_md() (PKCS#1 v1.5 for RSA). */
static int
tbs_context(struct signer *sg)
{
	if (sg->tbs != NULL)
		return RC_OK;
	if ((sg->tbs = EVP_PKEY_CTX_new_from_pkey(NULL, sg->key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(sg->tbs) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(sg->tbs, signer_md(sg)) != 1) {
		pinca_warn_ssl("cannot prepare the CA key for signing");
		EVP_PKEY_CTX_free(sg->tbs);
		sg->tbs = NULL;
		return RC_FAIL;
	}
	return RC_OK;
}

int
signer_tbs_alg(struct signer *sg, unsigned char *alg_der, size_t alg_max, size_t *alg_len)
{
	OSSL_PARAM params[2];

	if (sg->is_remote) {
		if (sg->remote.alg_len > alg_max)
			return RC_FAIL;
		memcpy(alg_der, sg->remote.alg, sg->remote.alg_len);
		*alg_len = sg->remote.alg_len;
		return RC_OK;
	}
	if (sg->token)
		return signer_token_alg_der(sg->key, signer_md(sg), alg_der, alg_max, alg_len);
	if (tbs_context(sg) != RC_OK)
		return RC_FAIL;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, alg_der,
	    alg_max);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_PKEY_CTX_get_params(sg->tbs, params) || !OSSL_PARAM_modified(&params[0])) {
		pinca_warn_ssl("cannot name the signature algorithm");
		return RC_FAIL;
	}
	*alg_len = params[0].return_size;
	return RC_OK;
}

size_t
signer_sig_max(const struct signer *sg)
{
	return sg->is_remote ? sg->remote.sig_max : (size_t)EVP_PKEY_get_size(sg->key);
}

int
signer_sign_tbs(struct signer *sg, const unsigned char *tbs, size_t len, unsigned char *sig,
    size_t *sig_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t md_len;

	if (sg->is_remote)
		return sg->remote.sign_tbs(sg->remote.arg, tbs, len, sig, sig_len);
	if (sg->token)
		return signer_token_sign_data(sg->token, sg->key, signer_md(sg), tbs, len, sig,
		    sig_len);
	md_len = digest(EVP_MD_get_type(signer_md(sg)) == NID_sha384 ? DIGEST_SHA384 : DIGEST_SHA256,
	    tbs, len, md);
	*sig_len = signer_sig_max(sg);
	if (md_len == 0 || tbs_context(sg) != RC_OK)
		return RC_FAIL;
	if (EVP_PKEY_sign(sg->tbs, sig, sig_len, md, md_len) != 1) {
		pinca_warn_ssl("cannot sign");
		return RC_FAIL;
	}
	return RC_OK;
}

int
signer_stream_begin(struct signer *sg, unsigned char *alg_der, size_t alg_max, size_t *alg_len)
{
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM params[2];

	EVP_MD_CTX_free(sg->stream);
	if (sg->token) {
		/* Hashed here; the token signs the digest at the end. */
		if ((sg->stream = EVP_MD_CTX_new()) == NULL ||
		    !EVP_DigestInit_ex(sg->stream, signer_md(sg), NULL))
			goto fail;
		return signer_token_alg_der(sg->key, signer_md(sg), alg_der, alg_max, alg_len);
	}
	if ((sg->stream = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(sg->stream, &pctx, signer_md(sg), NULL, sg->key) != 1)
		goto fail;
	/* Ask the provider for the AlgorithmIdentifier it signs with. */
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, alg_der,
	    alg_max);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_PKEY_CTX_get_params(pctx, params) || !OSSL_PARAM_modified(&params[0]))
		goto fail;
	*alg_len = params[0].return_size;
	return RC_OK;
fail:
	pinca_warn_ssl("cannot start a signature");
	return RC_FAIL;
}

int
signer_stream_update(struct signer *sg, const unsigned char *data, size_t len)
{
	if ((sg->token ? EVP_DigestUpdate(sg->stream, data, len) :
	    EVP_DigestSignUpdate(sg->stream, data, len)) != 1) {
		pinca_warn_ssl("cannot sign");
		return RC_FAIL;
	}
	return RC_OK;
}

/* The end of a streamed signature on a token: the digest, signed there. */
static int
token_stream_end(struct signer *sg, unsigned char **sig, size_t *sig_len)
{
	unsigned char d[EVP_MAX_MD_SIZE], *buf = NULL;
	unsigned int d_len = 0;

	*sig_len = signer_sig_max(sg);
	if (!EVP_DigestFinal_ex(sg->stream, d, &d_len)) {
		pinca_warn_ssl("cannot finish the signature");
		return RC_FAIL;
	}
	if ((buf = OPENSSL_malloc(*sig_len)) == NULL ||
	    p11_key_sign_digest(sg->token, EVP_MD_get_type(signer_md(sg)), d, d_len, buf,
	    sig_len) != RC_OK) {
		OPENSSL_free(buf);
		return RC_FAIL;
	}
	*sig = buf;
	EVP_MD_CTX_free(sg->stream);
	sg->stream = NULL;
	return RC_OK;
}

int
signer_stream_end(struct signer *sg, unsigned char **sig, size_t *sig_len)
{
	size_t n = 0;
	unsigned char *buf = NULL;

	*sig = NULL;
	if (sg->token)
		return token_stream_end(sg, sig, sig_len);
	if (EVP_DigestSignFinal(sg->stream, NULL, &n) != 1 || (buf = OPENSSL_malloc(n)) == NULL ||
	    EVP_DigestSignFinal(sg->stream, buf, &n) != 1) {
		pinca_warn_ssl("cannot finish the signature");
		OPENSSL_free(buf);
		return RC_FAIL;
	}
	*sig = buf;
	*sig_len = n;
	EVP_MD_CTX_free(sg->stream);
	sg->stream = NULL;
	return RC_OK;
}
