/* der_direct_leaf: the leaf certificate as DER (RFC 5280 4.1), from a per-issuer
 * template. The layout, which the X509 path wrote before and which
 * tests/unit/test_encode.c checks byte for byte against OpenSSL's encoder:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
 *   TBSCertificate ::= SEQUENCE {
 *     [0] EXPLICIT version v3, serialNumber, signature AlgorithmIdentifier,
 *     issuer Name, validity, subject Name (one CN, or empty),
 *     subjectPublicKeyInfo, [3] EXPLICIT extensions }
 *   extensions, in this order: basicConstraints, keyUsage, extKeyUsage,
 *   subjectKeyIdentifier, authorityKeyIdentifier, subjectAltName,
 *   cRLDistributionPoints (when a CRL URL is set).
 * tests/fuzz/fuzz_leaf_encoder.c compares it with OpenSSL's X509 building on
 * generated requests; sanitizer builds (PINCA_SAN_CHECKS) read every leaf
 * back (leaf_read_back). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PINCA_SAN_CHECKS
#include <sanitizer/common_interface_defs.h>
#endif

#include "ca/cert.h"
#include "ca/constraints.h"
#include "ca/der_direct.h"
#include "common/digest.h"
#include "common/err.h"
#include "issue/lint.h"

/* Encodes one extension from its config string (X509V3_EXT_conf_nid, the
 * same code `openssl x509 -extfile` uses). *keep receives the object when
 * not NULL. */
static int
ext_der(X509 *issuer, int nid, const char *value, struct der_ext *out, X509_EXTENSION **keep)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	unsigned char *der = NULL;
	int n;

	X509V3_set_ctx(&ctx, issuer, NULL, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL ||
	    (n = i2d_X509_EXTENSION(e, &der)) <= 0) {
		pinca_warn_ssl("cannot make the %s extension (%s)", OBJ_nid2sn(nid), value);
		X509_EXTENSION_free(e);
		return RC_FAIL;
	}
	out->der = der;
	out->len = (size_t)n;
	if (keep)
		*keep = e;
	else
		X509_EXTENSION_free(e);
	return RC_OK;
}

/* Lints the fixed extensions of each profile and key kind once. */
static int
template_lint(struct signer *sg, X509_EXTENSION *bc, X509_EXTENSION *ku[2], X509_EXTENSION *eku[2])
{
	static const char *const profiles[2] = { "server", "client" };
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	int rc = RC_OK;

	if (exts == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	for (int client = 0; rc == RC_OK && client < 2; client++) {
		for (int rsa = 0; rc == RC_OK && rsa < 2; rsa++) {
			sk_X509_EXTENSION_zero(exts);
			if (!sk_X509_EXTENSION_push(exts, bc) || !sk_X509_EXTENSION_push(exts, ku[rsa]) ||
			    !sk_X509_EXTENSION_push(exts, eku[client])) {
				pinca_warnx("out of memory");
				rc = RC_FAIL;
			} else {
				rc = lint_leaf_profile(exts, profiles[client], rsa, signer_md(sg));
			}
		}
	}
	sk_X509_EXTENSION_free(exts);
	return rc;
}

int
leaf_template_init(struct leaf_template *t, struct signer *sg, const char *crl_url)
{
	X509 *issuer = signer_cert(sg);
	X509_EXTENSION *bc = NULL, *ku[2] = { NULL, NULL }, *eku[2] = { NULL, NULL };
	unsigned char *name = NULL;
	int n, rc = RC_FAIL;

	memset(t, 0, sizeof(*t));
	if (issuer == NULL) {
		pinca_warnx("the issuing CA has no certificate");
		return RC_FAIL;
	}
	if ((n = i2d_X509_NAME(X509_get_subject_name(issuer), &name)) <= 0) {
		pinca_warn_ssl("cannot encode the issuer's name");
		goto out;
	}
	t->issuer_name = name;
	t->issuer_name_len = (size_t)n;
	t->issuer_not_after = asn1_time_unix(X509_get0_notAfter(issuer));
	/* Constraints that cannot be read refuse issuance: never taken for none. */
	if (constraints_of_cert(issuer, &t->nc) != RC_OK)
		goto out;
	if (signer_tbs_alg(sg, t->alg, sizeof(t->alg), &t->alg_len) != RC_OK ||
	    ext_der(issuer, NID_basic_constraints, "critical,CA:FALSE", &t->bc, &bc) != RC_OK ||
	    ext_der(issuer, NID_key_usage, "critical,digitalSignature", &t->ku[0], &ku[0]) != RC_OK ||
	    ext_der(issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment", &t->ku[1],
	    &ku[1]) != RC_OK ||
	    ext_der(issuer, NID_ext_key_usage, "serverAuth", &t->eku[0], &eku[0]) != RC_OK ||
	    ext_der(issuer, NID_ext_key_usage, "clientAuth", &t->eku[1], &eku[1]) != RC_OK ||
	    ext_der(issuer, NID_authority_key_identifier, "keyid:always", &t->aki, NULL) != RC_OK)
		goto out;
	if (crl_url) {
		char dp[2100];
		if ((size_t)snprintf(dp, sizeof(dp), "URI:%s", crl_url) >= sizeof(dp)) {
			pinca_warnx("the CRL URL is too long");
			goto out;
		}
		if (ext_der(issuer, NID_crl_distribution_points, dp, &t->crldp, NULL) != RC_OK)
			goto out;
	}
	rc = template_lint(sg, bc, ku, eku);
out:
	X509_EXTENSION_free(bc);
	for (int i = 0; i < 2; i++) {
		X509_EXTENSION_free(ku[i]);
		X509_EXTENSION_free(eku[i]);
	}
	if (rc != RC_OK)
		leaf_template_clear(t);
	return rc;
}

void
leaf_template_clear(struct leaf_template *t)
{
	struct der_ext *e[] = { &t->bc, &t->ku[0], &t->ku[1], &t->eku[0], &t->eku[1], &t->aki,
		&t->crldp };

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		OPENSSL_free(e[i]->der);
	OPENSSL_free(t->issuer_name);
	NAME_CONSTRAINTS_free(t->nc);
	free(t->scratch.p);
	memset(t, 0, sizeof(*t));
}

/* The subjectKeyIdentifier (RFC 5280 4.2.1.2 method 1, as OpenSSL's "hash"):
 * SHA-1 of the subjectPublicKey BIT STRING's bits. */
static int
put_ski(struct dbuf *b, const unsigned char *spki, size_t spki_len)
{
	static const unsigned char head[] = { 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x16,
		0x04, 0x14 };
	const unsigned char *p = spki, *end = spki + spki_len, *c, *alg, *bits;
	unsigned char tag, md[SHA_DIGEST_LENGTH];
	size_t len, alg_len, bits_len;

	if (der_next(&p, end, &tag, &c, &len) != 0 || tag != 0x30 || p != end)
		return RC_FAIL;
	p = c;
	end = c + len;
	if (der_next(&p, end, &tag, &alg, &alg_len) != 0 || tag != 0x30 ||
	    der_next(&p, end, &tag, &bits, &bits_len) != 0 || tag != 0x03 || p != end ||
	    bits_len < 2 || bits[0] != 0)
		return RC_FAIL;
	if (digest(DIGEST_SHA1, bits + 1, bits_len - 1, md) == 0)
		return RC_FAIL;
	dbuf_put(b, head, sizeof(head));
	dbuf_put(b, md, sizeof(md));
	return RC_OK;
}

/* subjectAltName (RFC 5280 4.2.1.6): dNSName [2] IA5String, then
 * iPAddress [7] OCTET STRING of 4 or 16 octets; critical when the subject
 * is empty. */
static int
put_san(struct dbuf *b, const struct leaf_fields *f)
{
	static const unsigned char oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	static const unsigned char critical[] = { 0x01, 0x01, 0xff };
	size_t ext = b->len, value;

	dbuf_put(b, oid, sizeof(oid));
	if (f->cn == NULL)
		dbuf_put(b, critical, sizeof(critical));
	value = b->len;
	for (int i = 0; i < f->ndns; i++) {
		size_t n = strlen(f->dns[i]);
		dbuf_header(b, 0x82, n);
		dbuf_put(b, f->dns[i], n);
	}
	for (int i = 0; i < f->nip; i++) {
		unsigned char addr[16];
		int v6 = strchr(f->ip[i], ':') != NULL;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, f->ip[i], addr) != 1)
			return RC_FAIL;
		dbuf_header(b, 0x87, v6 ? 16 : 4);
		dbuf_put(b, addr, v6 ? 16 : 4);
	}
	dbuf_wrap(b, value, 0x30);
	dbuf_wrap(b, value, 0x04);
	dbuf_wrap(b, ext, 0x30);
	return RC_OK;
}

/* The TBSCertificate into b (from offset 0). */
static int
put_tbs(struct leaf_template *t, const struct leaf_fields *f, struct dbuf *b)
{
	static const unsigned char version[] = { 0xa0, 0x03, 0x02, 0x01, 0x02 };
	static const unsigned char cn_oid[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };
	unsigned char tmp[32];
	size_t n, mark, cn_len;

	dbuf_put(b, version, sizeof(version));
	if ((n = der_serial(tmp, f->serial)) == 0)
		return RC_FAIL;
	dbuf_put(b, tmp, n);
	dbuf_put(b, t->alg, t->alg_len);
	dbuf_put(b, t->issuer_name, t->issuer_name_len);
	mark = b->len;
	if ((n = der_time(tmp, f->not_before)) == 0)
		return RC_FAIL;
	dbuf_put(b, tmp, n);
	if ((n = der_time(tmp, f->not_after)) == 0)
		return RC_FAIL;
	dbuf_put(b, tmp, n);
	dbuf_wrap(b, mark, 0x30);
	/* Name: SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue);
	 * the CN as UTF8String, as OpenSSL's default string mask makes it. */
	mark = b->len;
	if (f->cn) {
		cn_len = strlen(f->cn);
		dbuf_put(b, cn_oid, sizeof(cn_oid));
		dbuf_header(b, V_ASN1_UTF8STRING, cn_len);
		dbuf_put(b, f->cn, cn_len);
		dbuf_wrap(b, mark, 0x30);
		dbuf_wrap(b, mark, 0x31);
	}
	dbuf_wrap(b, mark, 0x30);
	dbuf_put(b, f->spki, f->spki_len);
	mark = b->len;
	dbuf_put(b, t->bc.der, t->bc.len);
	dbuf_put(b, t->ku[f->rsa ? 1 : 0].der, t->ku[f->rsa ? 1 : 0].len);
	dbuf_put(b, t->eku[f->client ? 1 : 0].der, t->eku[f->client ? 1 : 0].len);
	if (put_ski(b, f->spki, f->spki_len) != RC_OK)
		return RC_FAIL;
	dbuf_put(b, t->aki.der, t->aki.len);
	if (put_san(b, f) != RC_OK)
		return RC_FAIL;
	if (t->crldp.len)
		dbuf_put(b, t->crldp.der, t->crldp.len);
	dbuf_wrap(b, mark, 0x30);
	dbuf_wrap(b, mark, 0xa3);
	dbuf_wrap(b, 0, 0x30);
	return RC_OK;
}

#ifdef PINCA_SAN_CHECKS
/* The TBSCertificate of a Certificate's DER (its first element, with its
 * header); 0, or -1 if der is not laid out so. */
static int
leaf_tbs_span(const unsigned char *der, size_t len, const unsigned char **tbs, size_t *tbs_len)
{
	const unsigned char *p = der, *content, *q, *inner;
	unsigned char tag;
	size_t content_len, inner_len;

	if (der_next(&p, der + len, &tag, &content, &content_len) != 0)
		return -1;
	q = content;
	if (der_next(&q, content + content_len, &tag, &inner, &inner_len) != 0)
		return -1;
	*tbs = content;
	*tbs_len = (size_t)(q - content);
	return 0;
}

/* Sanitizer builds only: stops the process when the leaf in der is not one
 * OpenSSL reads back as exactly these bytes. d2i_X509 must take all of it,
 * i2d_X509 and a forced re-encoding of its TBSCertificate (i2d_re_X509_tbs,
 * which skips the cached encoding) must give the same bytes, every
 * extension must decode, and the signature must verify under the issuer's
 * key. A mismatch is a bug in this file: the stack goes into the
 * sanitizer's report, so a test run fails even where the exit status is not
 * looked at. */
static void
leaf_read_back(struct signer *sg, const unsigned char *der, size_t len)
{
	const unsigned char *p = der, *tbs;
	unsigned char *again = NULL, *tbs_again = NULL;
	size_t tbs_len = 0;
	X509 *x = d2i_X509(NULL, &p, (long)len), *issuer = signer_cert(sg);
	const char *why = NULL;
	int n;

	if (x == NULL || p != der + len)
		why = "d2i_X509 does not read all of it";
	else if ((n = i2d_X509(x, &again)) <= 0 || (size_t)n != len || memcmp(again, der, len) != 0)
		why = "i2d_X509 writes other bytes";
	else if (leaf_tbs_span(der, len, &tbs, &tbs_len) != 0 ||
	    (n = i2d_re_X509_tbs(x, &tbs_again)) <= 0 || (size_t)n != tbs_len ||
	    memcmp(tbs_again, tbs, tbs_len) != 0)
		why = "its TBSCertificate re-encodes to other bytes";
	else if (X509_get_extension_flags(x) & EXFLAG_INVALID)
		why = "an extension does not decode";
	else if (issuer != NULL && X509_verify(x, X509_get0_pubkey(issuer)) != 1)
		why = "its signature does not verify under the issuer's key";
	OPENSSL_free(again);
	OPENSSL_free(tbs_again);
	X509_free(x);
	if (why == NULL)
		return;
	fprintf(stderr, "pinca: internal error: the leaf encoder's certificate: %s\n", why);
	__sanitizer_print_stack_trace();
	__sanitizer_report_error_summary("pinca leaf encoder read-back mismatch");
	abort();
}
#endif

int
leaf_encode(struct leaf_template *t, struct signer *sg, const struct leaf_fields *f,
    unsigned char **der, size_t *der_len)
{
	struct dbuf *b = &t->scratch;
	unsigned char sig[1024];
	size_t sig_len = 0, mark;

	*der = NULL;
	b->len = 0;
	b->failed = 0;
	if (signer_sig_max(sg) > sizeof(sig)) {
		pinca_warnx("the CA key's signatures are too long");
		return RC_FAIL;
	}
	if (put_tbs(t, f, b) != RC_OK || b->failed) {
		pinca_warnx(b->failed ? "out of memory" : "cannot encode the certificate");
		return RC_FAIL;
	}
	if (signer_sign_tbs(sg, b->p, b->len, sig, &sig_len) != RC_OK)
		return RC_FAIL;
	dbuf_put(b, t->alg, t->alg_len);
	mark = b->len;
	dbuf_put(b, "", 1);	/* no unused bits */
	dbuf_put(b, sig, sig_len);
	dbuf_wrap(b, mark, 0x03);
	dbuf_wrap(b, 0, 0x30);
	if (b->failed || (*der = OPENSSL_malloc(b->len)) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	memcpy(*der, b->p, b->len);
	*der_len = b->len;
#ifdef PINCA_SAN_CHECKS
	leaf_read_back(sg, *der, *der_len);
#endif
	return RC_OK;
}
