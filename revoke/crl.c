/* crl: the streamed CRL encoder (RFC 5280 section 5). OpenSSL's X509_CRL
 * would hold one X509_REVOKED object per entry (several hundred bytes each,
 * and a sort); here each row from the store becomes its DER bytes at once.
 *
 * Layout of the buffer, built in this order:
 *   [headroom][entries ...][crlExtensions][signatureAlgorithm][signature]
 * The entries go first because the TBSCertList header needs their total
 * length; the headers are then written right-aligned into the headroom, so
 * the finished CertificateList is one contiguous run of bytes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "common/der.h"
#include "common/err.h"
#include "common/output.h"
#include "revoke/crl.h"

/* State of one CRL build while rows stream in. */
struct crl_stream {
	struct dbuf buf;
	int64_t entries;
	const char *bad_field;
};

/* Appends one revokedCertificates entry (RFC 5280 5.1.2.6):
 *   SEQUENCE { userCertificate INTEGER, revocationDate Time,
 *              crlEntryExtensions SEQUENCE OF Extension OPTIONAL } */
static int
crl_add_entry(const struct revocation_record *r, void *arg)
{
	/* Extension { extnID reasonCode (2.5.29.21), extnValue OCTET STRING {
	 * ENUMERATED code } }, wrapped in the SEQUENCE OF. */
	static const unsigned char reason_ext[] = {
		0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01,
	};
	struct crl_stream *cs = arg;
	unsigned char entry[96];
	size_t n = 2, len;

	if ((len = der_serial(entry + n, r->serial)) == 0) {
		cs->bad_field = "serial";
		return RC_FAIL;
	}
	n += len;
	if ((len = der_time(entry + n, r->revoked_at)) == 0) {
		cs->bad_field = "revocation time";
		return RC_FAIL;
	}
	n += len;
	/* unspecified (0) SHOULD be left out rather than encoded (RFC 5280 5.3.1). */
	if (r->reason != 0) {
		memcpy(entry + n, reason_ext, sizeof(reason_ext));
		n += sizeof(reason_ext);
		entry[n++] = (unsigned char)r->reason;
	}
	entry[0] = 0x30;
	entry[1] = (unsigned char)(n - 2);	/* at most 23 + 17 + 14 bytes: short form */
	dbuf_put(&cs->buf, entry, n);
	cs->entries++;
	return cs->buf.failed ? RC_FAIL : RC_OK;
}

/* crlExtensions [0] EXPLICIT: authorityKeyIdentifier (5.2.1, the issuer's
 * SKI as keyIdentifier), cRLNumber (5.2.3) and, for a root's CRL, a critical
 * issuingDistributionPoint saying it lists only CA certificates (5.2.5): a
 * root signs nothing else, and a relying party then never takes the CRL as
 * complete for leaves it does not cover. */
static int
crl_extensions(X509 *issuer, int64_t number, int only_ca_certs, struct dbuf *out)
{
	static const unsigned char aki_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x23 };
	static const unsigned char number_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x14 };
	/* Extension { 2.5.29.28, critical TRUE, OCTET STRING { SEQUENCE {
	 * onlyContainsCACerts [2] IMPLICIT BOOLEAN TRUE } } } */
	static const unsigned char idp_ext[] = {
		0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x1c, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30,
		0x03, 0x82, 0x01, 0xff,
	};
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);
	unsigned char num[16];
	size_t num_len, keyid_len, aki_val, aki_ext, num_ext, exts, idp_len;

	if (ski == NULL || ASN1_STRING_length(ski) <= 0 || ASN1_STRING_length(ski) > 64) {
		pinca_warnx("the CA certificate has no subject key identifier for the CRL's AKI");
		return RC_FAIL;
	}
	keyid_len = (size_t)ASN1_STRING_length(ski);
	num_len = der_int64(num, number);
	aki_val = 2 + keyid_len;		/* [0] keyIdentifier */
	aki_ext = sizeof(aki_oid) + 2 + 2 + aki_val;	/* oid, OCTET STRING { SEQUENCE { } } */
	num_ext = sizeof(number_oid) + 2 + num_len;
	idp_len = only_ca_certs ? sizeof(idp_ext) : 0;
	exts = 2 + aki_ext + 2 + num_ext + idp_len;
	dbuf_header(out, 0xa0, 2 + exts);
	dbuf_header(out, 0x30, exts);
	dbuf_header(out, 0x30, aki_ext);
	dbuf_put(out, aki_oid, sizeof(aki_oid));
	dbuf_header(out, V_ASN1_OCTET_STRING, 2 + aki_val);
	dbuf_header(out, 0x30, aki_val);
	dbuf_header(out, 0x80, keyid_len);
	dbuf_put(out, ASN1_STRING_get0_data(ski), keyid_len);
	dbuf_header(out, 0x30, num_ext);
	dbuf_put(out, number_oid, sizeof(number_oid));
	dbuf_header(out, V_ASN1_OCTET_STRING, num_len);
	dbuf_put(out, num, num_len);
	dbuf_put(out, idp_ext, idp_len);
	return out->failed ? RC_FAIL : RC_OK;
}

/* The start of the TBSCertList up to the revokedCertificates header:
 * SEQUENCE header, version v2, signature, issuer, thisUpdate, nextUpdate. */
static int
crl_tbs_head(const unsigned char *alg, size_t alg_len, X509 *issuer, const struct crl_request *req,
    size_t entries_len, size_t ext_len, struct dbuf *out)
{
	static const unsigned char version_v2[] = { 0x02, 0x01, 0x01 };
	unsigned char *name = NULL, this_t[17], next_t[17], rev_hdr[8];
	int name_len = i2d_X509_NAME(X509_get_subject_name(issuer), &name);
	size_t this_len = der_time(this_t, req->this_update);
	size_t next_len = der_time(next_t, req->next_update);
	size_t rev_len = entries_len ? der_header(rev_hdr, 0x30, entries_len) : 0;
	size_t body;

	if (name_len <= 0 || this_len == 0 || next_len == 0) {
		OPENSSL_free(name);
		pinca_warnx("cannot encode the CRL's issuer or dates");
		return RC_FAIL;
	}
	body = sizeof(version_v2) + alg_len + (size_t)name_len + this_len + next_len + rev_len +
	    entries_len + ext_len;
	dbuf_header(out, 0x30, body);
	dbuf_put(out, version_v2, sizeof(version_v2));
	dbuf_put(out, alg, alg_len);
	dbuf_put(out, name, (size_t)name_len);
	dbuf_put(out, this_t, this_len);
	dbuf_put(out, next_t, next_len);
	/* With no entries the field is absent, not empty (RFC 5280 5.1.2.6). */
	dbuf_put(out, rev_hdr, rev_len);
	OPENSSL_free(name);
	return out->failed ? RC_FAIL : RC_OK;
}

int
crl_number_next(struct store *st, int64_t ca_id, int64_t *number)
{
	struct timespec now;
	int64_t floor_us;

	if (store_crl_next_number(st, ca_id, number) != RC_OK)
		return RC_FAIL;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1) {
		pinca_warn("cannot read the clock for the CRL number");
		return RC_FAIL;
	}
	floor_us = (int64_t)now.tv_sec * 1000000 + (int64_t)(now.tv_nsec / 1000);
	if (*number < floor_us)
		*number = floor_us;
	return RC_OK;
}

/* SHA-256 of the DER as lowercase hex. */
static int
crl_digest(const unsigned char *der, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int md_len = 0;

	if (EVP_Digest(der, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		return RC_FAIL;
	hex_encode(md, 32, out);
	return RC_OK;
}

/* Headers in front of the entries: outer SEQUENCE (6) + TBS head. */
#define CRL_HEADROOM_FIXED 64

int
crl_build_streaming(struct store *st, struct signer *sg, const struct crl_request *req,
    struct crl *out)
{
	struct crl_stream cs;
	struct dbuf head = { 0 }, ext = { 0 };
	unsigned char alg[128], outer[8], bits[8], *sig = NULL;
	size_t alg_len = 0, headroom, entries_len, tbs_start, outer_len, sig_len = 0;
	X509 *issuer = signer_cert(sg);
	int rc = RC_FAIL, name_len;

	memset(out, 0, sizeof(*out));
	memset(&cs, 0, sizeof(cs));
	if (issuer == NULL || (name_len = i2d_X509_NAME(X509_get_subject_name(issuer), NULL)) <= 0) {
		pinca_warnx("the signing CA has no certificate to name as the CRL issuer");
		return RC_FAIL;
	}
	if (signer_stream_begin(sg, alg, sizeof(alg), &alg_len) != RC_OK)
		return RC_FAIL;
	headroom = CRL_HEADROOM_FIXED + alg_len + (size_t)name_len;
	if (dbuf_reserve(&cs.buf, headroom) == 0)
		cs.buf.len = headroom;
	rc = store_revocation_each(st, signer_ca_id(sg), crl_add_entry, &cs);
	if (rc != RC_OK || cs.buf.failed) {
		if (cs.buf.failed)
			pinca_warnx("out of memory building the CRL");
		else if (cs.bad_field)
			pinca_warnx("a stored revocation has a damaged %s", cs.bad_field);
		rc = RC_FAIL;
		goto out;
	}
	rc = RC_FAIL;
	entries_len = cs.buf.len - headroom;
	if (crl_extensions(issuer, req->number, req->only_ca_certs, &ext) != RC_OK ||
	    crl_tbs_head(alg, alg_len, issuer, req, entries_len, ext.len, &head) != RC_OK)
		goto out;
	if (head.len + 6 > headroom) {
		pinca_warnx("internal error: CRL headers larger than reserved");
		goto out;
	}
	tbs_start = headroom - head.len;
	memcpy(cs.buf.p + tbs_start, head.p, head.len);
	dbuf_put(&cs.buf, ext.p, ext.len);
	if (cs.buf.failed) {
		pinca_warnx("out of memory building the CRL");
		goto out;
	}
	/* Sign the TBSCertList, then append signatureAlgorithm and signatureValue. */
	if (signer_stream_update(sg, cs.buf.p + tbs_start, cs.buf.len - tbs_start) != RC_OK ||
	    signer_stream_end(sg, &sig, &sig_len) != RC_OK)
		goto out;
	dbuf_put(&cs.buf, alg, alg_len);
	dbuf_put(&cs.buf, bits, der_header(bits, V_ASN1_BIT_STRING, sig_len + 1));
	dbuf_put(&cs.buf, "", 1);	/* no unused bits */
	dbuf_put(&cs.buf, sig, sig_len);
	if (cs.buf.failed) {
		pinca_warnx("out of memory building the CRL");
		goto out;
	}
	outer_len = der_header(outer, 0x30, cs.buf.len - tbs_start);
	memcpy(cs.buf.p + tbs_start - outer_len, outer, outer_len);
	out->base = cs.buf.p;
	out->der = cs.buf.p + tbs_start - outer_len;
	out->der_len = cs.buf.len - (tbs_start - outer_len);
	out->entries = cs.entries;
	cs.buf.p = NULL;
	if (crl_digest(out->der, out->der_len, out->sha256) != RC_OK) {
		pinca_warn_ssl("cannot hash the CRL");
		crl_clear(out);
		goto out;
	}
	rc = RC_OK;
out:
	OPENSSL_free(sig);
	free(cs.buf.p);
	free(head.p);
	free(ext.p);
	return rc;
}

void
crl_clear(struct crl *c)
{
	if (c == NULL)
		return;
	free(c->base);
	memset(c, 0, sizeof(*c));
}

/* RFC 5280 5.3.1 CRLReason, indexed by code; 7 is unused and 8
 * (removeFromCRL) only has a meaning in delta CRLs. */
static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

int
crl_reason_parse(const char *name)
{
	for (int i = 0; i < (int)(sizeof(reason_names) / sizeof(reason_names[0])); i++)
		if (reason_names[i] && strcasecmp(name, reason_names[i]) == 0)
			return i;
	return -1;
}

const char *
crl_reason_name(int code)
{
	if (code < 0 || code >= (int)(sizeof(reason_names) / sizeof(reason_names[0])) ||
	    reason_names[code] == NULL)
		return "unknown";
	return reason_names[code];
}
