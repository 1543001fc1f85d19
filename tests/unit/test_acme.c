/* test_acme: the ACME server's pieces that need no network: nonces (single
 * use, forged or foreign ones refused, the window), RFC 9773 certificate IDs
 * (the RFC's own example), JWK thumbprints (RFC 7638's example), which keys
 * fit which alg, short ES256 signatures, the threads' own error capture, and
 * what the signer process agrees to sign (a leaf of its own CA, nothing else). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <jose/b64.h>
#include <jose/jwk.h>
#include <jose/jws.h>

#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "common/err.h"
#include "tests/unit/unit.h"

static void
test_nonces(void)
{
	struct nonce_pool a, b;
	char n1[64], n2[64], forged[64];

	CHECK(nonce_pool_init(&a) == 0 && nonce_pool_init(&b) == 0, "nonce pools start");
	nonce_new(&a, n1);
	nonce_new(&a, n2);
	CHECK(strcmp(n1, n2) != 0 && strlen(n1) > 20, "nonces differ");
	CHECK(nonce_use(&a, n1), "a fresh nonce is accepted");
	CHECK(!nonce_use(&a, n1), "the same nonce is refused the second time");
	CHECK(!nonce_use(&b, n2), "another server's nonce is refused");
	CHECK(nonce_use(&a, n2), "and is still good where it was made");
	snprintf(forged, sizeof(forged), "%s", n1);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'A' ? 'B' : 'A';
	CHECK(!nonce_use(&a, forged), "a nonce with a changed MAC is refused");
	CHECK(!nonce_use(&a, "") && !nonce_use(&a, "not base64 !!") && !nonce_use(&a, "AAAA"),
	    "junk is refused");
	/* A nonce older than the window is refused even if unused. */
	nonce_new(&a, n1);
	for (unsigned i = 0; i < NONCE_WINDOW + 1; i++)
		a.next++;
	CHECK(!nonce_use(&a, n1), "a nonce older than the window is refused");
	nonce_pool_free(&a);
	nonce_pool_free(&b);
}

static void
test_cert_id(void)
{
	char serial[128];
	unsigned char aki[64];
	size_t aki_len = sizeof(aki);

	/* RFC 9773 §4.1's example. */
	CHECK(acme_cert_id_serial("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", serial, sizeof(serial), aki,
	    &aki_len) == 0 && strcmp(serial, "87654321") == 0 && aki_len == 20 && aki[0] == 0x69,
	    "RFC 9773 example: serial 87654321, 20-byte key identifier");
	aki_len = sizeof(aki);
	CHECK(acme_cert_id_serial("aYhba4dGQEHhs3uEe6CuLN4ByNQ", serial, sizeof(serial), aki,
	    &aki_len) != 0, "no dot: refused");
	aki_len = sizeof(aki);
	CHECK(acme_cert_id_serial("aYhb.gA", serial, sizeof(serial), aki, &aki_len) != 0,
	    "a negative serial: refused");
	aki_len = sizeof(aki);
	CHECK(acme_cert_id_serial("a.b.c", serial, sizeof(serial), aki, &aki_len) != 0,
	    "two dots: refused");
}

static void
test_jwk(void)
{
	/* RFC 7638 §3.1's example key and thumbprint. */
	json_t *rsa = json_pack("{s:s,s:s,s:s}", "kty", "RSA", "e", "AQAB", "n",
	    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
	    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qv"
	    "zqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
	    "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw");
	json_t *ec = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "x",
	    "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y",
	    "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
	char thp[64];

	CHECK(acme_jwk_thumbprint(rsa, thp) == 0 &&
	    strcmp(thp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs") == 0, "RFC 7638 thumbprint");
	CHECK(acme_jwk_fits_alg(rsa, "RS256") && !acme_jwk_fits_alg(rsa, "ES256"), "RSA fits RS256 only");
	CHECK(acme_jwk_fits_alg(ec, "ES256") && !acme_jwk_fits_alg(ec, "RS256"), "P-256 fits ES256 only");
	CHECK(!acme_jwk_fits_alg(ec, "HS256") && !acme_jwk_fits_alg(ec, "none"), "HS256 and none fit nothing");
	json_object_set_new(ec, "d", json_string("AAAA"));
	CHECK(!acme_jwk_fits_alg(ec, "ES256"), "a private JWK is refused");
	json_object_set_new(rsa, "n", json_string("AQAB"));
	CHECK(!acme_jwk_fits_alg(rsa, "RS256"), "a small RSA modulus is refused");
	json_decref(rsa);
	json_decref(ec);
}

static void
test_short_es256(void)
{
	json_t *key = json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256"), *jws = NULL, *pub;
	const char *sig;
	int tried = 0, found = 0;

	CHECK(jose_jwk_gen(NULL, key), "an ES256 key");
	pub = json_deep_copy(key);
	jose_jwk_pub(NULL, pub);
	/* Sign until r has a leading zero byte, then send r||s without it. */
	for (; tried < 4000 && !found; tried++) {
		unsigned char raw[64], shorter[63];
		char enc[100];
		size_t n;
		json_decref(jws);
		json_t *tmpl = json_pack("{s:{s:s}}", "protected", "alg", "ES256");
		jws = json_pack("{s:s}", "payload", "e30");
		if (!jose_jws_sig(NULL, jws, tmpl, key)) {
			json_decref(tmpl);
			break;
		}
		json_decref(tmpl);
		sig = json_string_value(json_object_get(jws, "signature"));
		if (jose_b64_dec_buf(sig, strlen(sig), raw, sizeof(raw)) != 64 || raw[0] != 0)
			continue;
		memcpy(shorter, raw + 1, 63);
		n = jose_b64_enc_buf(shorter, 63, enc, sizeof(enc) - 1);
		enc[n] = '\0';
		json_object_set_new(jws, "signature", json_string(enc));
		found = 1;
	}
	CHECK(found && acme_jws_check_sig(jws, pub), "a 63-byte ES256 signature is padded and verifies");
	if (found) {
		json_object_set_new(jws, "payload", json_string("e31"));
		CHECK(!acme_jws_check_sig(jws, pub), "and the padding does not make a bad one pass");
	}
	json_decref(jws);
	json_decref(key);
	json_decref(pub);
}

/* Each thread records its own error line: another thread's failure never
 * shows in it (the server's workers, each with its own store handle). */
static void *
error_thread(void *arg)
{
	char buf[128];
	int ok;

	pinca_err_clear();
	pinca_warnx("thread %s", (const char *)arg);
	pinca_warnx("a later line of the same operation");
	ok = strcmp(pinca_err_message(), "thread ") > 0 &&
	    strcmp(pinca_err_message() + 7, (const char *)arg) == 0;
	pinca_err_take(buf, sizeof(buf));
	return ok && !pinca_err_pending() && strcmp(buf + 7, (const char *)arg) == 0 ? arg : NULL;
}

/* Collects report lines into a buffer, kind first. */
static void
report_into(void *ctx, enum pinca_report_kind kind, const char *text)
{
	char *buf = ctx;
	size_t n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s:%s;", kind == REPORT_OUT ? "out" : "note", text);
}

static void
test_error_threads(void)
{
	pthread_t a, b;
	void *ra, *rb;
	char lines[256] = "";
	struct pinca_report rep = { report_into, NULL, lines };

	pinca_err_clear();
	pinca_warnx("main");
	pthread_create(&a, NULL, error_thread, "one");
	pthread_create(&b, NULL, error_thread, "two");
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	CHECK(ra && rb && strcmp(pinca_err_message(), "main") == 0,
	    "the error line is per thread, and the first line of an operation is kept");
	pinca_report(&rep, REPORT_OUT, "result %d", 1);
	pinca_report_error(&rep);
	pinca_report_error(&rep);	/* nothing pending: no line */
	CHECK(strcmp(lines, "out:result 1;note:main;") == 0 && !pinca_err_pending() &&
	    pinca_err_message()[0] == '\0', "report lines, and a pending error handed to a report");
	pinca_report(NULL, REPORT_NOTE, "dropped");
	errno = ENOENT;
	pinca_warn("cannot open %s", "x\ny");
	CHECK(strcmp(pinca_err_message(), "cannot open x\\x0ay: No such file or directory") == 0,
	    "a recorded line is one line, with strerror");
	pinca_err_clear();
}

/* A new P-256 key (caller frees). */
static EVP_PKEY *
p256(void)
{
	return EVP_EC_gen("P-256");
}

/* The TBSCertificate of a certificate for key named subject, issued by
 * issuer, with extension ext (NULL: none), signed with ecdsa-with-SHA256
 * by a throwaway key; *len gets its size (caller frees). */
static unsigned char *
tbs_of(const char *issuer, const char *ext_name, const char *ext_value, int *len)
{
	X509 *x = X509_new();
	EVP_PKEY *k = p256(), *throwaway = p256();
	X509_NAME *in = X509_NAME_new(), *sn = X509_NAME_new();
	X509_EXTENSION *e = NULL;
	unsigned char *out = NULL;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_UTF8, (const unsigned char *)issuer, -1, -1, 0);
	X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_UTF8, (const unsigned char *)"leaf", -1, -1, 0);
	X509_set_issuer_name(x, in);
	X509_set_subject_name(x, sn);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	if (ext_name && (e = X509V3_EXT_conf(NULL, NULL, ext_name, ext_value)) != NULL)
		X509_add_ext(x, e, -1);
	X509_sign(x, throwaway, EVP_sha256());
	*len = i2d_re_X509_tbs(x, &out);
	X509_EXTENSION_free(e);
	X509_NAME_free(in);
	X509_NAME_free(sn);
	EVP_PKEY_free(k);
	EVP_PKEY_free(throwaway);
	X509_free(x);
	return out;
}

/* The signer process signs a leaf of its own CA and refuses the rest: a CA
 * certificate, a CRL signer, another issuer, a wrong algorithm, trailing
 * bytes, garbage. */
static void
test_signer_signs_only_own_leaves(void)
{
	EVP_PKEY *cakey = p256();
	X509 *ca = X509_new();
	X509_NAME *cn = X509_NAME_new();
	struct signer *sg;
	unsigned char alg[64], *t, junk[40] = { 0x30, 0x26 };
	size_t alg_len = 0;
	int len;

	X509_NAME_add_entry_by_txt(cn, "CN", MBSTRING_UTF8, (const unsigned char *)"Issuing CA", -1, -1, 0);
	X509_set_version(ca, 2);
	X509_set_subject_name(ca, cn);
	X509_set_issuer_name(ca, cn);
	X509_gmtime_adj(X509_getm_notBefore(ca), 0);
	X509_gmtime_adj(X509_getm_notAfter(ca), 86400);
	X509_set_pubkey(ca, cakey);
	X509_sign(ca, cakey, EVP_sha256());
	sg = signer_from_key(cakey, ca);
	CHECK(sg && signer_tbs_alg(sg, alg, sizeof(alg), &alg_len) == RC_OK, "an in-memory signer");

	t = tbs_of("Issuing CA", "basicConstraints", "critical,CA:FALSE", &len);
	CHECK(t && signer_tbs_is_own_leaf(sg, t, (size_t)len, alg, alg_len), "a leaf of its own CA is signed");
	CHECK(!signer_tbs_is_own_leaf(sg, t, (size_t)len - 1, alg, alg_len), "a cut TBS is refused");
	OPENSSL_free(t);
	t = tbs_of("Issuing CA", NULL, NULL, &len);
	CHECK(t && signer_tbs_is_own_leaf(sg, t, (size_t)len, alg, alg_len), "a v3 leaf without extensions is signed");
	OPENSSL_free(t);
	t = tbs_of("Issuing CA", "basicConstraints", "critical,CA:TRUE", &len);
	CHECK(t && !signer_tbs_is_own_leaf(sg, t, (size_t)len, alg, alg_len), "a CA certificate is refused");
	OPENSSL_free(t);
	t = tbs_of("Issuing CA", "keyUsage", "critical,keyCertSign", &len);
	CHECK(t && !signer_tbs_is_own_leaf(sg, t, (size_t)len, alg, alg_len), "keyCertSign is refused");
	OPENSSL_free(t);
	t = tbs_of("Issuing CA", "keyUsage", "critical,digitalSignature,cRLSign", &len);
	CHECK(t && !signer_tbs_is_own_leaf(sg, t, (size_t)len, alg, alg_len), "cRLSign is refused");
	OPENSSL_free(t);
	t = tbs_of("Another CA", "basicConstraints", "critical,CA:FALSE", &len);
	CHECK(t && !signer_tbs_is_own_leaf(sg, t, (size_t)len, alg, alg_len), "another issuer is refused");
	CHECK(t && !signer_tbs_is_own_leaf(sg, t, (size_t)len, (const unsigned char *)"\x30\x00", 2),
	    "another algorithm is refused");
	OPENSSL_free(t);
	CHECK(!signer_tbs_is_own_leaf(sg, junk, sizeof(junk), alg, alg_len), "garbage is refused");
	signer_free(sg);
	X509_NAME_free(cn);
	X509_free(ca);
	EVP_PKEY_free(cakey);
}

int
main(void)
{
	test_nonces();
	test_cert_id();
	test_jwk();
	test_short_es256();
	test_error_threads();
	test_signer_signs_only_own_leaves();
	return unit_finish();
}
