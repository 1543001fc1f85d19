/* signer_token: the X.509 side of signing with a key on a PKCS#11 token:
 * the AlgorithmIdentifier, hashing here, and certificates and CSRs signed
 * without X509_sign (which needs the private key in an EVP_PKEY). The token
 * itself is driven by ca/signer_pkcs11.c. */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "ca/pkcs11.h"
#include "common/err.h"

/* The AlgorithmIdentifier of a signature with md by the key pub: ECDSA
 * without parameters (RFC 5758 3.2), RSA PKCS#1 v1.5 with NULL (RFC 4055 5).
 * New; NULL with a message. */
static X509_ALGOR *
token_alg(EVP_PKEY *pub, const EVP_MD *md)
{
	int sha384 = EVP_MD_get_type(md) == NID_sha384;
	int ec = EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC;
	int nid = ec ? (sha384 ? NID_ecdsa_with_SHA384 : NID_ecdsa_with_SHA256) :
	    (sha384 ? NID_sha384WithRSAEncryption : NID_sha256WithRSAEncryption);
	X509_ALGOR *alg = X509_ALGOR_new();

	if (alg == NULL || !X509_ALGOR_set0(alg, OBJ_nid2obj(nid), ec ? V_ASN1_UNDEF : V_ASN1_NULL,
	    NULL)) {
		pinca_warn_ssl("cannot name the signature algorithm");
		X509_ALGOR_free(alg);
		return NULL;
	}
	return alg;
}

int
signer_token_alg_der(EVP_PKEY *pub, const EVP_MD *md, unsigned char *alg_der,
    size_t alg_max, size_t *alg_len)
{
	X509_ALGOR *alg = token_alg(pub, md);
	int n = alg ? i2d_X509_ALGOR(alg, NULL) : -1;
	unsigned char *p = alg_der;

	if (n <= 0 || (size_t)n > alg_max) {
		X509_ALGOR_free(alg);
		pinca_warnx("cannot name the signature algorithm");
		return RC_FAIL;
	}
	*alg_len = (size_t)i2d_X509_ALGOR(alg, &p);
	X509_ALGOR_free(alg);
	return RC_OK;
}

int
signer_token_sign_data(struct p11_key *k, EVP_PKEY *pub, const EVP_MD *md,
    const unsigned char *data, size_t len, unsigned char *sig, size_t *sig_len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int d_len = 0;

	if (!EVP_Digest(data, len, d, &d_len, md, NULL)) {
		pinca_warn_ssl("cannot hash");
		return RC_FAIL;
	}
	*sig_len = (size_t)EVP_PKEY_get_size(pub);
	return p11_key_sign_digest(k, EVP_MD_get_type(md), d, d_len, sig, sig_len);
}

/* Puts a signature into a BIT STRING with no unused bits. */
static int
bit_string_set(ASN1_BIT_STRING *bs, const unsigned char *sig, size_t len)
{
	if (!ASN1_BIT_STRING_set(bs, (unsigned char *)sig, (int)len))
		return RC_FAIL;
	bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	return RC_OK;
}

/* OpenSSL 3.0 has no setters for a certificate's algorithms and signature
 * (X509_REQ has them), so they are filled in place, as X509_sign itself
 * does, after the TBS is encoded afresh (i2d_re_X509_tbs). */
int
signer_token_sign_cert(struct p11_key *k, EVP_PKEY *pub, const EVP_MD *md, X509 *cert)
{
	const X509_ALGOR *outer;
	const ASN1_BIT_STRING *bits;
	X509_ALGOR *alg = NULL;
	unsigned char *tbs = NULL, sig[1024];
	size_t sig_len = 0;
	int n, rc = RC_FAIL;

	X509_get0_signature(&bits, &outer, cert);
	if ((sk_X509_EXTENSION_num(X509_get0_extensions(cert)) > 0 &&
	    !X509_set_version(cert, X509_VERSION_3)) || (alg = token_alg(pub, md)) == NULL ||
	    !X509_ALGOR_copy((X509_ALGOR *)X509_get0_tbs_sigalg(cert), alg) ||
	    !X509_ALGOR_copy((X509_ALGOR *)outer, alg) || (n = i2d_re_X509_tbs(cert, &tbs)) <= 0) {
		pinca_warn_ssl("cannot encode the certificate to sign");
		goto out;
	}
	if ((size_t)EVP_PKEY_get_size(pub) > sizeof(sig) ||
	    signer_token_sign_data(k, pub, md, tbs, (size_t)n, sig, &sig_len) != RC_OK)
		goto out;
	if (bit_string_set((ASN1_BIT_STRING *)bits, sig, sig_len) != RC_OK) {
		pinca_warn_ssl("cannot sign the certificate");
		goto out;
	}
	rc = RC_OK;
out:
	X509_ALGOR_free(alg);
	OPENSSL_free(tbs);
	return rc;
}

int
signer_token_sign_req(struct p11_key *k, EVP_PKEY *pub, const EVP_MD *md, X509_REQ *req)
{
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bits = NULL;
	unsigned char *tbs = NULL, sig[1024];
	size_t sig_len = 0;
	int n, rc = RC_FAIL;

	if ((alg = token_alg(pub, md)) == NULL || !X509_REQ_set1_signature_algo(req, alg) ||
	    (n = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
		pinca_warn_ssl("cannot encode the request to sign");
		goto out;
	}
	if ((size_t)EVP_PKEY_get_size(pub) > sizeof(sig) ||
	    signer_token_sign_data(k, pub, md, tbs, (size_t)n, sig, &sig_len) != RC_OK)
		goto out;
	if ((bits = ASN1_BIT_STRING_new()) == NULL || bit_string_set(bits, sig, sig_len) != RC_OK) {
		pinca_warn_ssl("cannot sign the request");
		goto out;
	}
	X509_REQ_set0_signature(req, bits);
	bits = NULL;
	rc = RC_OK;
out:
	ASN1_BIT_STRING_free(bits);
	X509_ALGOR_free(alg);
	OPENSSL_free(tbs);
	return rc;
}
