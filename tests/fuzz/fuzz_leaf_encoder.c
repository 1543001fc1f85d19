/* fuzz_leaf_encoder: the leaf encoder (ca/der_direct_leaf.c), which signs
 * every leaf, against OpenSSL's own X509 building. The input is read as a
 * leaf request: issuer (P-256 or P-384 CA), profile, leaf key (P-256, P-384,
 * RSA-2048), serial (1..20 octets, any value), notBefore and notAfter (from
 * before 1950 to after 9999, often near 2050 and 10000), up to 4 DNS names
 * and 3 addresses, and a CRL URL. The names and the URL go through the
 * checks pinca runs before encoding (lint_dns_name, lint_ip_address,
 * crl_url_valid); what they refuse never reaches the encoder and is
 * skipped. The same request is then built with X509_* setters and
 * X509_add1_ext_i2d (no configuration strings) and signed with the same CA
 * key. Either both refuse, or the encoder's TBSCertificate is OpenSSL's
 * byte for byte (ECDSA signatures are randomised, so the TBS is what is
 * compared) and its signature verifies. The keys are fixed, so a crash
 * input replays the same request. In this build (PINCA_SAN_CHECKS) the
 * encoder also reads each leaf back itself. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "ca/crl_url.h"
#include "ca/der_direct.h"
#include "common/der.h"
#include "common/err.h"
#include "issue/lint.h"
#include "tests/fuzz/fuzz.h"

static const char *const ca_keys_pem[2] = {
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgct8RJIcMu3RYz16L\n"
	"v3cFVo220T/ckEkF4Ea6R478XHKhRANCAAQ+IaWYqoUL+BeMFIGJ0E67pJy0fWM0\n"
	"bRh9opWk2Ra/qZbwe+duMdxMWSVNTuG3iw3M+nK3rYvtnT7tmPrMxVhv\n"
	"-----END PRIVATE KEY-----\n",
	"-----BEGIN PRIVATE KEY-----\n"
	"MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBcKDZ1qcuwKAe4Puk6\n"
	"QiCbiQ3GGluUguSfTlPOt0XR2ghxeb41UI0/hYTAPP9YKJ2hZANiAATww1hvSXzB\n"
	"3DYuay/wBj8LBQ7YAylmpMvTy6stYpU9IresTXX+Usopie/vbCLaKoUeRWDwnFvW\n"
	"IPva4FA0WVwE4mnLNNiNYlTa1JAdUcODck9vosR/ldCMAWMxfOXMgkk=\n"
	"-----END PRIVATE KEY-----\n",
};

static const char *const leaf_keys_pem[3] = {
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEIIQzfvFpeXrHhcEobWkD012ZGop7\n"
	"qrGV9AU+hYYDfz7YF937KHWzKhks2qNgzAtR+o2BA3u6HNScQMnQA1IeJA==\n"
	"-----END PUBLIC KEY-----\n",
	"-----BEGIN PUBLIC KEY-----\n"
	"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE0l0ACoAms6if6epreVtdjbdFSb+APiHI\n"
	"58NlZ2yN+e5zc27rIEsbsw1/5kXZgEYmIFpeYv/cIedsGieTOPHYu7P4zqlkkfZ7\n"
	"3grSkRk5cO9WxAD5Y8ugVJIdWsroUw4z\n"
	"-----END PUBLIC KEY-----\n",
	"-----BEGIN PUBLIC KEY-----\n"
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnFHFKvL/BqEtwhfQp756\n"
	"f+bsi/f3K28Q0clM2z+VaEeoe1RRbdz9Hyd77EbitTnVon0ttflKKBUtccYgS8r2\n"
	"q0ZEQI4aJHaUUiaJV+gVDpVnkR3Hm3uK92pEs3HPWydHk8WdTDQCTLmqIcwQ0s4H\n"
	"kxz3VMORJTCk2mAqGtzfVhDhNcMgYdjjMLqtCef/G5IHdwMZDXabBzYv43m/R7vx\n"
	"+NSq3ez1L/Ltfr1xvHG2DjRfH8tbJtcxZggkRrfi3cantHWQ3IJ5Cn1AJVmnfmte\n"
	"s651BNXqs8QzW/QE+oBjh6MQFMEcTtJUJzez7hIX0TCdez3WXkIYqc9/c/Kky2L9\n"
	"/wIDAQAB\n"
	"-----END PUBLIC KEY-----\n",
};

/* The fixtures, made once: two CAs with their signers, three leaf keys
 * with their SubjectPublicKeyInfo as pinca computes it (leaf_spki). */
static struct {
	EVP_PKEY *ca_key[2], *leaf_key[3];
	X509 *ca_cert[2];
	struct signer *sg[2];
	unsigned char *spki[3];
	size_t spki_len[3];
} fx;

/* Reads one PEM key (private or public). */
static EVP_PKEY *
pem_key(const char *pem, int private)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = private ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) :
	    PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);

	BIO_free(b);
	FUZZ_ASSERT(k != NULL);
	return k;
}

/* A fixed CA certificate for key (a subjectKeyIdentifier, so leaves get an
 * authorityKeyIdentifier), made with OpenSSL alone. */
static X509 *
ca_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	const char *exts[2][2] = { { "basicConstraints", "critical,CA:TRUE" },
		{ "subjectKeyIdentifier", "hash" } };

	FUZZ_ASSERT(x && X509_set_version(x, X509_VERSION_3) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) &&
	    X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn,
	    -1, -1, 0) && X509_set_issuer_name(x, n) &&
	    ASN1_TIME_set(X509_getm_notBefore(x), 0) &&
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)253402300799) && X509_set_pubkey(x, key));
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (int i = 0; i < 2; i++) {
		FUZZ_ASSERT((e = X509V3_EXT_nconf(NULL, &ctx, exts[i][0], exts[i][1])) != NULL);
		FUZZ_ASSERT(X509_add_ext(x, e, -1));
		X509_EXTENSION_free(e);
	}
	FUZZ_ASSERT(X509_sign(x, key, NULL) > 0);
	return x;
}

static void
fixtures(void)
{
	if (fx.sg[0] != NULL)
		return;
	for (int i = 0; i < 2; i++) {
		fx.ca_key[i] = pem_key(ca_keys_pem[i], 1);
		fx.ca_cert[i] = ca_cert(fx.ca_key[i], i ? "Fuzz P-384 CA" : "Fuzz P-256 CA");
		FUZZ_ASSERT((fx.sg[i] = signer_from_key(fx.ca_key[i], fx.ca_cert[i])) != NULL);
	}
	for (int i = 0; i < 3; i++) {
		fx.leaf_key[i] = pem_key(leaf_keys_pem[i], 0);
		FUZZ_ASSERT(spki_normalize(fx.leaf_key[i]) == RC_OK);
		FUZZ_ASSERT(spki_der_of_pkey(fx.leaf_key[i], &fx.spki[i], &fx.spki_len[i]) == RC_OK);
	}
}

/* The input, read front to back; past its end every read gives zeros. */
struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t
take_u8(struct input *in)
{
	uint8_t v = 0;

	if (in->n > 0) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint64_t
take_u64(struct input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | take_u8(in);
	return v;
}

/* A string of up to max octets (length first; NULs kept out). */
static void
take_str(struct input *in, char *out, size_t max)
{
	size_t len = take_u8(in), k = 0;

	if (max > 255)	/* long strings: a second length octet */
		len = len << 8 | take_u8(in);
	for (size_t i = 0; i < len && k < max && in->n > 0; i++) {
		char c = (char)take_u8(in);
		if (c != '\0')
			out[k++] = c;
	}
	out[k] = '\0';
}

/* A time from 1945 to 10005, one in four within two days of the edges that
 * matter (1950, 2050 for GeneralizedTime, 10000). */
static int64_t
take_time(struct input *in)
{
	static const int64_t edges[3] = { -631152000, 2524608000, 253402300800 };
	uint64_t v = take_u64(in);
	const int64_t lo = -788918400, span = 253560153600 - lo;

	if ((v & 3) == 0)
		return edges[(v >> 2) % 3] + (int64_t)((v >> 4) % 345600) - 172800;
	return lo + (int64_t)((v >> 2) % (uint64_t)span);
}

/* One leaf request, as issue/leaf.c hands it to the encoder. */
struct request {
	int issuer, client, key;
	char serial[41];
	int64_t not_before, not_after;
	char dns_text[4][256], ip_text[3][64], crl_url[1100];
	char *dns[4], *ip[3];
	int ndns, nip, crl;
	const char *cn;
};

/* Reads a request from the input; 0 if pinca's checks before the encoder
 * refuse it (a name or URL its lints refuse, no name at all). */
static int
take_request(struct input *in, struct request *r)
{
	uint8_t flags = take_u8(in), raw[256];
	size_t slen = 1 + take_u8(in) % 20;

	memset(r, 0, sizeof(*r));
	r->issuer = flags & 1;
	r->client = (flags >> 1) & 1;
	r->key = ((flags >> 2) & 3) % 3;
	r->crl = (flags >> 4) & 1;
	for (size_t i = 0; i < slen; i++)
		snprintf(r->serial + 2 * i, 3, (flags & 0x20) ? "%02X" : "%02x", take_u8(in));
	r->not_before = take_time(in);
	r->not_after = take_time(in);
	r->ndns = take_u8(in) % 5;
	r->nip = take_u8(in) % 4;
	if (r->ndns + r->nip == 0)
		return 0;
	for (int i = 0; i < r->ndns; i++) {
		take_str(in, (char *)raw, 253);
		if (lint_dns_name((char *)raw, r->dns_text[i], sizeof(r->dns_text[i])) != RC_OK)
			return 0;
		r->dns[i] = r->dns_text[i];
	}
	for (int i = 0; i < r->nip; i++) {
		take_str(in, (char *)raw, 63);
		if (lint_ip_address((char *)raw, r->ip_text[i], sizeof(r->ip_text[i])) != RC_OK)
			return 0;
		r->ip[i] = r->ip_text[i];
	}
	if (r->crl) {
		const char *why;
		take_str(in, r->crl_url, sizeof(r->crl_url) - 1);
		if (!crl_url_valid(r->crl_url, &why))
			return 0;
	}
	/* As leaf_build: the first DNS name is the CN unless over 64 octets. */
	r->cn = r->ndns && strlen(r->dns[0]) <= 64 ? r->dns[0] : NULL;
	return 1;
}

/* The encoder's certificate for r: RC_OK and *der (OPENSSL_free), or its
 * refusal. */
static int
encoded(const struct request *r, unsigned char **der, size_t *len)
{
	struct leaf_template t;
	struct leaf_fields f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.serial = r->serial;
	f.not_before = r->not_before;
	f.not_after = r->not_after;
	f.cn = r->cn;
	f.spki = fx.spki[r->key];
	f.spki_len = fx.spki_len[r->key];
	f.client = r->client;
	f.rsa = r->key == 2;
	f.dns = r->dns;
	f.ndns = r->ndns;
	f.ip = r->ip;
	f.nip = r->nip;
	if ((rc = leaf_template_init(&t, fx.sg[r->issuer], r->crl ? r->crl_url : NULL)) != RC_OK)
		return rc;
	rc = leaf_encode(&t, fx.sg[r->issuer], &f, der, len);
	leaf_template_clear(&t);
	return rc;
}

/* A GENERAL_NAME of type GEN_DNS or GEN_URI (an IA5String) or GEN_IPADD. */
static GENERAL_NAME *
general_name(int type, const char *text)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *s = type == GEN_IPADD ? a2i_IPADDRESS(text) : ASN1_IA5STRING_new();

	if (g == NULL || s == NULL || (type != GEN_IPADD && !ASN1_STRING_set(s, text, -1))) {
		GENERAL_NAME_free(g);
		ASN1_STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, type, s);
	return g;
}

/* subjectAltName (critical with an empty subject) and the CRL distribution
 * point, built as structures. */
static int
ref_names(X509 *x, const struct request *r)
{
	GENERAL_NAMES *san = GENERAL_NAMES_new(), *uri = NULL;
	CRL_DIST_POINTS *dps = NULL;
	DIST_POINT *dp = NULL;
	GENERAL_NAME *g;
	int ok = san != NULL;

	for (int i = 0; ok && i < r->ndns + r->nip; i++)
		ok = (g = general_name(i < r->ndns ? GEN_DNS : GEN_IPADD,
		    i < r->ndns ? r->dns[i] : r->ip[i - r->ndns])) != NULL &&
		    sk_GENERAL_NAME_push(san, g) > 0;
	ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, san, r->cn == NULL, 0) == 1;
	if (ok && r->crl) {
		ok = (dps = sk_DIST_POINT_new_null()) != NULL && (dp = DIST_POINT_new()) != NULL &&
		    sk_DIST_POINT_push(dps, dp) > 0 &&
		    (dp->distpoint = DIST_POINT_NAME_new()) != NULL &&
		    (uri = GENERAL_NAMES_new()) != NULL &&
		    (g = general_name(GEN_URI, r->crl_url)) != NULL && sk_GENERAL_NAME_push(uri, g) > 0;
		if (ok) {
			dp->distpoint->type = 0;
			dp->distpoint->name.fullname = uri;
			uri = NULL;
			ok = X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0, 0) == 1;
		} else if (dp != NULL && sk_DIST_POINT_num(dps) == 0) {
			DIST_POINT_free(dp);
		}
	}
	GENERAL_NAMES_free(san);
	GENERAL_NAMES_free(uri);
	CRL_DIST_POINTS_free(dps);
	return ok;
}

/* The extensions every leaf carries, in the encoder's order, built as
 * structures: basicConstraints, keyUsage, extendedKeyUsage,
 * subjectKeyIdentifier (SHA-1 of the key's bits), authorityKeyIdentifier
 * (the CA's key identifier). */
static int
ref_fixed_extensions(X509 *x, X509 *ca, const struct request *r)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int ok = bc && ku && eku && ski && aki;

	ok = ok && ASN1_BIT_STRING_set_bit(ku, 0, 1) &&	/* digitalSignature */
	    (r->key != 2 || ASN1_BIT_STRING_set_bit(ku, 2, 1));	/* keyEncipherment */
	ok = ok && sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(r->client ? NID_client_auth :
	    NID_server_auth)) > 0;
	ok = ok && X509_pubkey_digest(x, EVP_sha1(), md, &md_len) &&
	    ASN1_OCTET_STRING_set(ski, md, (int)md_len);
	ok = ok && (aki->keyid = ASN1_OCTET_STRING_dup(X509_get0_subject_key_id(ca))) != NULL;
	ok = ok && X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, 0) == 1 &&
	    X509_add1_ext_i2d(x, NID_key_usage, ku, 1, 0) == 1 &&
	    X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0, 0) == 1 &&
	    X509_add1_ext_i2d(x, NID_subject_key_identifier, ski, 0, 0) == 1 &&
	    X509_add1_ext_i2d(x, NID_authority_key_identifier, aki, 0, 0) == 1;
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_OCTET_STRING_free(ski);
	AUTHORITY_KEYID_free(aki);
	return ok;
}

/* The leaf as OpenSSL's X509 API builds and signs it, or NULL where it
 * refuses. One rule is added by hand, der_time's documented range of
 * 1950..9999: before 1950 RFC 5280 would take a GeneralizedTime (pinca
 * never makes one), and after 9999 OpenSSL 3.0's ASN1_TIME_set writes a
 * five-digit year ("100000101000000Z"), which is no GeneralizedTime (RFC
 * 5280 4.1.2.5.2: YYYYMMDDHHMMSSZ); this fuzzer's first run found that. */
#define TIME_MIN ((int64_t)-631152000)	/* 1950-01-01T00:00:00Z */
#define TIME_MAX ((int64_t)253402300799)	/* 9999-12-31T23:59:59Z */
static X509 *
reference(const struct request *r)
{
	X509 *x = X509_new(), *ca = fx.ca_cert[r->issuer];
	X509_NAME *subject = X509_NAME_new();
	ASN1_TIME *nb = NULL, *na = NULL;
	BIGNUM *bn = NULL;
	int ok = x != NULL && subject != NULL && r->not_before >= TIME_MIN &&
	    r->not_after >= TIME_MIN && r->not_before <= TIME_MAX && r->not_after <= TIME_MAX;

	ok = ok && (nb = ASN1_TIME_set(NULL, (time_t)r->not_before)) != NULL &&
	    (na = ASN1_TIME_set(NULL, (time_t)r->not_after)) != NULL;
	ok = ok && BN_hex2bn(&bn, r->serial) > 0 && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	ok = ok && (r->cn == NULL || X509_NAME_add_entry_by_NID(subject, NID_commonName,
	    MBSTRING_UTF8, (const unsigned char *)r->cn, -1, -1, 0));
	ok = ok && X509_set_version(x, X509_VERSION_3) &&
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) && X509_set1_notBefore(x, nb) &&
	    X509_set1_notAfter(x, na) && X509_set_subject_name(x, subject) &&
	    X509_set_pubkey(x, fx.leaf_key[r->key]);
	ok = ok && ref_fixed_extensions(x, ca, r) && ref_names(x, r) &&
	    X509_sign(x, fx.ca_key[r->issuer], signer_md(fx.sg[r->issuer])) > 0;
	ASN1_TIME_free(nb);
	ASN1_TIME_free(na);
	BN_free(bn);
	X509_NAME_free(subject);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* The encoder's certificate (der) must be ref's TBSCertificate with a
 * signature that verifies under the CA's key. */
static void
compare(const struct request *r, const unsigned char *der, size_t len, X509 *ref)
{
	const unsigned char *p = der, *content, *q, *inner;
	unsigned char tag, *ref_tbs = NULL;
	size_t content_len, inner_len;
	int ref_len = i2d_re_X509_tbs(ref, &ref_tbs);
	X509 *ours;

	FUZZ_ASSERT(ref_len > 0);
	FUZZ_ASSERT(der_next(&p, der + len, &tag, &content, &content_len) == 0 && p == der + len);
	q = content;
	FUZZ_ASSERT(der_next(&q, content + content_len, &tag, &inner, &inner_len) == 0);
	FUZZ_ASSERT((size_t)(q - content) == (size_t)ref_len);
	FUZZ_ASSERT(memcmp(content, ref_tbs, (size_t)ref_len) == 0);
	p = der;
	FUZZ_ASSERT((ours = d2i_X509(NULL, &p, (long)len)) != NULL && p == der + len);
	FUZZ_ASSERT(X509_verify(ours, fx.ca_key[r->issuer]) == 1);
	X509_free(ours);
	OPENSSL_free(ref_tbs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct request r;
	unsigned char *der = NULL;
	size_t der_len = 0;
	X509 *ref;
	int ours;

	fixtures();
	pinca_err_clear();
	if (take_request(&in, &r)) {
		ours = encoded(&r, &der, &der_len) == RC_OK;
		ref = reference(&r);
		/* The same certificate, or both refuse. */
		FUZZ_ASSERT(ours == (ref != NULL));
		if (ours)
			compare(&r, der, der_len, ref);
		X509_free(ref);
		OPENSSL_free(der);
	}
	pinca_err_clear();	/* a line the encoders recorded: the input was refused, no more */
	ERR_clear_error();
	return 0;
}
