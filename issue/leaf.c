/* leaf: the leaf certificate profile (RFC 5280 4.2 for end entities) and the
 * order of issuance: lint, sign, record, commit, then write files. */
#include <arpa/inet.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"
#include "issue/leaf.h"
#include "issue/lint.h"
#include "revoke/keyblock.h"

int
issuer_open(struct ca_context *ctx, const struct pass_source *src, struct issuer *is)
{
	return issuer_open_with(ctx, src, NULL, is);
}

int
issuer_open_with(struct ca_context *ctx, const struct pass_source *src,
    const struct signer_remote *remote, struct issuer *is)
{
	char when[32];
	int rc = RC_FAIL;

	memset(is, 0, sizeof(*is));
	is->ctx = ctx;
	if ((rc = ca_find_signing(ctx, &is->ca)) != RC_OK)
		return rc == STORE_NOT_FOUND ? RC_FAIL : rc;
	if (is->ca.not_after <= (int64_t)time(NULL)) {
		time_rfc3339(is->ca.not_after, when, sizeof(when));
		pinca_warnx("the %s '%s' expired on %s; rotate it before issuing", is->ca.role,
		    is->ca.cn, when);
		goto fail;
	}
	{
		/* A revoked CA (one-machine mode: the root revoked it here) signs nothing more. */
		struct revocation_record rev;
		int r = store_revocation_get(ctx->st, is->ca.serial, &rev);
		if (r == RC_OK) {
			time_rfc3339(rev.revoked_at, when, sizeof(when));
			pinca_warnx("the %s '%s' was revoked on %s; rotate it before issuing",
			    is->ca.role, is->ca.cn, when);
			goto fail;
		}
		if (r == RC_FAIL)
			goto fail;
	}
	/* This CA's own CRL URL goes into its leaves (ca/crl_url.c). */
	if (store_ca_crl_url_get(ctx->st, is->ca.id, &is->crl_url) != RC_OK)
		goto fail;
	/* signer_open decodes (and so checks) the stored certificate; the chain
	 * file is its DER in PEM armour, with no second decode (in OpenSSL 3 a
	 * certificate decode costs as much as the signature). */
	if (remote) {
		X509 *cert = is->ca.der ? cert_from_der(is->ca.der, is->ca.der_len) : NULL;
		is->sg = cert ? signer_remote_new(cert, is->ca.id, remote) : NULL;
		X509_free(cert);
	} else {
		is->sg = signer_open(ctx->dir, &is->ca, src, NULL, &rc);
	}
	if (is->sg == NULL) {
		issuer_close(is);
		return rc;
	}
	if (strcmp(is->ca.role, "intermediate") == 0)
		is->chain_pem = pem_from_der(PEM_STRING_X509, is->ca.der, is->ca.der_len);
	else
		is->chain_pem = strdup("");
	if (is->chain_pem == NULL) {
		pinca_warnx("out of memory");
		goto fail;
	}
	return RC_OK;
fail:
	issuer_close(is);
	return RC_FAIL;
}

void
issuer_close(struct issuer *is)
{
	leaf_template_clear(&is->tpl);
	signer_free(is->sg);
	free(is->crl_url);
	free(is->chain_pem);
	ca_record_clear(&is->ca);
	memset(is, 0, sizeof(*is));
}

int
leaf_request_add_dns(struct leaf_request *req, const char *name)
{
	char norm[256];
	int rc;

	if ((rc = lint_dns_name(name, norm, sizeof(norm))) != RC_OK)
		return rc;
	for (int i = 0; i < req->ndns; i++)
		if (strcmp(req->dns[i], norm) == 0)
			return RC_OK;
	if (req->ndns + req->nip >= LEAF_MAX_NAMES) {
		pinca_warnx("lint san-count: at most %d names in one certificate", LEAF_MAX_NAMES);
		return RC_POLICY;
	}
	if ((req->dns[req->ndns] = strdup(norm)) == NULL)
		return RC_FAIL;
	req->ndns++;
	return RC_OK;
}

int
leaf_request_add_ip(struct leaf_request *req, const char *ip)
{
	char norm[64];
	int rc;

	if ((rc = lint_ip_address(ip, norm, sizeof(norm))) != RC_OK)
		return rc;
	for (int i = 0; i < req->nip; i++)
		if (strcmp(req->ip[i], norm) == 0)
			return RC_OK;
	if (req->ndns + req->nip >= LEAF_MAX_NAMES) {
		pinca_warnx("lint san-count: at most %d names in one certificate", LEAF_MAX_NAMES);
		return RC_POLICY;
	}
	if ((req->ip[req->nip] = strdup(norm)) == NULL)
		return RC_FAIL;
	req->nip++;
	return RC_OK;
}

int
leaf_request_names_from_csr(struct leaf_request *req, X509_REQ *csr)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(csr);
	int rc = leaf_request_names_from_exts(req, exts);

	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

int
leaf_request_names_from_exts(struct leaf_request *req, const STACK_OF(X509_EXTENSION) *exts)
{
	GENERAL_NAMES *san = NULL;
	int rc = RC_OK;

	for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_subject_alt_name) {
			if (san != NULL) {
				/* RFC 5280 4.2: an extension appears at most once. Which
				 * names were meant is unknowable: refuse. */
				pinca_warnx("lint csr-san: the CSR carries two subjectAltName extensions");
				rc = RC_POLICY;
				break;
			}
			if ((san = X509V3_EXT_d2i(e)) == NULL) {
				pinca_warnx("lint csr-san: the CSR's subjectAltName cannot be decoded");
				rc = RC_POLICY;
				break;
			}
		}
	}
	for (int i = 0; san && rc == RC_OK && i < sk_GENERAL_NAME_num(san); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
		if (g->type == GEN_DNS) {
			char buf[256];
			int n = ASN1_STRING_length(g->d.dNSName);
			if (n <= 0 || n >= (int)sizeof(buf) ||
			    memchr(ASN1_STRING_get0_data(g->d.dNSName), '\0', (size_t)n)) {
				pinca_warnx("lint dns-charset: the CSR asks for a malformed DNS name");
				rc = RC_POLICY;
				break;
			}
			memcpy(buf, ASN1_STRING_get0_data(g->d.dNSName), (size_t)n);
			buf[n] = '\0';
			rc = leaf_request_add_dns(req, buf);
		} else if (g->type == GEN_IPADD) {
			char text[64] = "";
			int n = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
			if ((n != 4 || !inet_ntop(AF_INET, a, text, sizeof(text))) &&
			    (n != 16 || !inet_ntop(AF_INET6, a, text, sizeof(text)))) {
				pinca_warnx("lint ip-literal: the CSR asks for a malformed IP address");
				rc = RC_POLICY;
				break;
			}
			rc = leaf_request_add_ip(req, text);
		}
		/* Other name types (email, URI...) are never copied. */
	}
	GENERAL_NAMES_free(san);
	return rc;
}

void
leaf_request_clear(struct leaf_request *req)
{
	for (int i = 0; i < req->ndns; i++)
		free(req->dns[i]);
	for (int i = 0; i < req->nip; i++)
		free(req->ip[i]);
	req->ndns = req->nip = 0;
}

int
leaf_request_names_json(const struct leaf_request *req, char **dns, char **ip)
{
	json_t *d = json_array(), *a = json_array();

	for (int i = 0; d && i < req->ndns; i++)
		json_array_append_new(d, json_string(req->dns[i]));
	for (int i = 0; a && i < req->nip; i++)
		json_array_append_new(a, json_string(req->ip[i]));
	*dns = d ? json_dumps(d, JSON_COMPACT) : NULL;
	*ip = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(d);
	json_decref(a);
	return *dns && *ip ? RC_OK : RC_FAIL;
}

/* PEM of a certificate's DER (RFC 7468 section 5), as a new string. */
static char *
pem_of_der(const unsigned char *der, size_t len)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n", tail[] = "-----END CERTIFICATE-----\n";
	size_t lines = (len + 47) / 48, cap = sizeof(head) + sizeof(tail) + lines * 66;
	char *out = malloc(cap), *p;

	if (out == NULL)
		return NULL;
	p = out + (sizeof(head) - 1);
	memcpy(out, head, sizeof(head) - 1);
	for (size_t off = 0; off < len; off += 48) {
		size_t n = len - off < 48 ? len - off : 48;
		p += EVP_EncodeBlock((unsigned char *)p, der + off, (int)n);
		*p++ = '\n';
	}
	memcpy(p, tail, sizeof(tail));
	return out;
}

/* The SPKI to certify: the request's own when it has one, else pub encoded
 * in its normal form (named curve, uncompressed point). */
static int
leaf_spki(const struct leaf_request *req, struct leaf_result *res)
{
	unsigned char *der = NULL;
	int n;

	if (req->spki != NULL) {
		if ((res->spki = OPENSSL_memdup(req->spki, req->spki_len)) == NULL) {
			pinca_warnx("out of memory");
			return RC_FAIL;
		}
		res->spki_len = req->spki_len;
		return RC_OK;
	}
	if (!req->pub_normalized && spki_normalize(req->pub) != RC_OK)
		return RC_FAIL;
	if ((n = i2d_PUBKEY(req->pub, &der)) <= 0) {
		pinca_warn_ssl("cannot encode the leaf's public key");
		return RC_FAIL;
	}
	res->spki = der;
	res->spki_len = (size_t)n;
	return RC_OK;
}

int
leaf_build(struct issuer *is, const struct leaf_request *req, struct leaf_result *res)
{
	/* An hour of slack for clients whose clocks run behind. */
	int64_t nb = (int64_t)time(NULL) - 3600, na = nb + (int64_t)req->days * 86400;
	/* The CN repeats the first DNS name. An address is never put there:
	 * verifiers read a CN of digits and dots as a DNS name and check it
	 * against the issuer's DNS constraints (OpenSSL does), so an IP-only
	 * leaf has an empty subject and a critical SAN. */
	const char *cn = req->ndns ? req->dns[0] : NULL;
	unsigned char raw[16];
	struct lint_leaf_facts facts;
	struct leaf_fields f;
	int rc;

	memset(res, 0, sizeof(*res));
	if (req->ndns + req->nip == 0) {
		pinca_warnx("lint san-present: a leaf needs at least one --dns or --ip");
		return RC_POLICY;
	}
	if (!is->tpl_ready) {
		if ((rc = leaf_template_init(&is->tpl, is->sg, is->crl_url)) != RC_OK)
			return rc;
		is->tpl_ready = 1;
	}
	memset(&facts, 0, sizeof(facts));
	facts.pub = req->pub;
	facts.dns = req->dns;
	facts.ip = req->ip;
	facts.ndns = req->ndns;
	facts.nip = req->nip;
	facts.not_before = nb;
	facts.not_after = na;
	facts.issuer_not_after = is->tpl.issuer_not_after;
	facts.nc = is->tpl.nc;
	if ((rc = lint_leaf_facts(&facts)) != RC_OK)
		return rc;
	/* The CN repeats the first name for old clients; SAN is what counts
	 * (RFC 6125). A name over 64 octets cannot be a CN (RFC 5280
	 * ub-common-name): the subject is then empty and the SAN critical. */
	if (cn != NULL && strlen(cn) > 64)
		cn = NULL;
	memset(&f, 0, sizeof(f));
	f.serial = res->serial;
	f.not_before = nb;
	f.not_after = na;
	f.cn = cn;
	f.client = strcmp(req->profile, "client") == 0;
	f.rsa = req->key_type == KEY_RSA_2048 || req->key_type == KEY_RSA_4096;
	f.dns = req->dns;
	f.ndns = req->ndns;
	f.ip = req->ip;
	f.nip = req->nip;
	rc = RC_FAIL;
	if (cert_random_serial(raw, res->serial) != RC_OK || leaf_spki(req, res) != RC_OK)
		goto out;
	if (pin_of_spki_der(res->spki, res->spki_len, res->pin) != RC_OK) {
		pinca_warnx("cannot hash the leaf's public key");
		goto out;
	}
	/* A key that `revoke --key` blocked is never signed again; leaf_record
	 * asks once more inside the transaction, where no revoke can interleave. */
	if ((rc = keyblock_check(is->ctx->st, res->pin)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	f.spki = res->spki;
	f.spki_len = res->spki_len;
	if (leaf_encode(&is->tpl, is->sg, &f, &res->der, &res->der_len) != RC_OK)
		goto out;
	/* Encoded once: the DER gives the stored row, its fingerprint and the PEM. */
	if (fingerprint_of_der(res->der, res->der_len, res->fingerprint) != RC_OK) {
		pinca_warn_ssl("cannot hash the certificate");
		goto out;
	}
	if ((res->cert_pem = pem_of_der(res->der, res->der_len)) == NULL) {
		pinca_warnx("cannot encode the certificate");
		goto out;
	}
	snprintf(res->subject, sizeof(res->subject), "%s%s", cn ? "/CN=" : "", cn ? cn : "");
	res->not_before = nb;
	res->not_after = na;
	rc = RC_OK;
out:
	if (rc != RC_OK)
		leaf_result_clear(res);
	return rc;
}

int
leaf_record(struct issuer *is, const struct leaf_request *req, int64_t lineage_id,
    const char *dns_json, const char *ip_json, struct leaf_result *res)
{
	struct cert_record r;
	int rc = RC_FAIL;

	memset(&r, 0, sizeof(r));
	/* Inside the recording transaction: a key blocked since leaf_build
	 * signed is refused here, so no leaf with it is ever committed. */
	if ((rc = keyblock_check(is->ctx->st, res->pin)) != RC_OK)
		return rc;
	rc = RC_FAIL;
	snprintf(r.serial, sizeof(r.serial), "%s", res->serial);
	snprintf(r.profile, sizeof(r.profile), "%s", req->profile);
	r.issuer_id = is->ca.id;
	r.lineage_id = lineage_id;
	r.subject = res->subject;
	r.pin = res->pin;
	r.not_before = res->not_before;
	r.not_after = res->not_after;
	r.issued_at = (int64_t)time(NULL);
	memcpy(r.sha256_fingerprint, res->fingerprint, sizeof(r.sha256_fingerprint));
	if (dns_json && ip_json) {
		r.dns_json = strdup(dns_json);
		r.ip_json = strdup(ip_json);
		if (r.dns_json == NULL || r.ip_json == NULL) {
			pinca_warnx("out of memory");
			goto out;
		}
	} else if (leaf_request_names_json(req, &r.dns_json, &r.ip_json) != RC_OK) {
		goto out;
	}
	r.der = res->der;
	r.der_len = res->der_len;
	rc = store_cert_insert(is->ctx->st, &r);
out:
	free(r.dns_json);
	free(r.ip_json);
	return rc;
}

void
leaf_result_clear(struct leaf_result *res)
{
	free(res->cert_pem);
	OPENSSL_free(res->der);
	OPENSSL_free(res->spki);
	memset(res, 0, sizeof(*res));
}

int
leaf_result_from_record(const struct cert_record *r, struct leaf_result *res)
{
	memset(res, 0, sizeof(*res));
	if (r->der == NULL || r->pin == NULL) {
		pinca_warnx("the certificate %s is not in the database", r->serial);
		return RC_FAIL;
	}
	snprintf(res->serial, sizeof(res->serial), "%s", r->serial);
	snprintf(res->pin, sizeof(res->pin), "%s", r->pin);
	snprintf(res->subject, sizeof(res->subject), "%s", r->subject ? r->subject : "");
	snprintf(res->fingerprint, sizeof(res->fingerprint), "%s", r->sha256_fingerprint);
	res->not_before = r->not_before;
	res->not_after = r->not_after;
	if ((res->der = OPENSSL_memdup(r->der, r->der_len)) == NULL ||
	    (res->cert_pem = pem_of_der(r->der, r->der_len)) == NULL) {
		leaf_result_clear(res);
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	res->der_len = r->der_len;
	return RC_OK;
}

int
leaf_write_files(const struct issuer *is, const struct leaf_result *res,
    const struct leaf_paths *paths)
{
	size_t clen = strlen(res->cert_pem), chlen = strlen(is->chain_pem);
	char *full;
	int rc = RC_OK;

	if (paths->cert && file_write_atomic(paths->cert, res->cert_pem, clen, 0644, 0) != RC_OK)
		rc = RC_FAIL;
	if (paths->chain && file_write_atomic(paths->chain, is->chain_pem, chlen, 0644, 0) != RC_OK)
		rc = RC_FAIL;
	if (paths->fullchain) {
		if ((full = malloc(clen + chlen + 1)) == NULL) {
			pinca_warnx("out of memory");
			return RC_FAIL;
		}
		memcpy(full, res->cert_pem, clen);
		memcpy(full + clen, is->chain_pem, chlen + 1);
		if (file_write_atomic(paths->fullchain, full, clen + chlen, 0644, 0) != RC_OK)
			rc = RC_FAIL;
		free(full);
	}
	return rc;
}

int
dir_memo_holds(const struct dir_memo *memo, const char *path)
{
	char dir[PATH_MAX];

	if (memo == NULL || !memo->valid)
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	return strcmp(memo->dir, dirname(dir)) == 0;
}

char *
leaf_abs_path(const char *path, struct dir_memo *memo)
{
	char dir[PATH_MAX], base[PATH_MAX], buf[PATH_MAX], *out;
	const char *real = buf, *d;
	size_t n;

	if (path == NULL)
		return NULL;
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	d = dirname(dir);
	if (memo && memo->valid && strcmp(memo->dir, d) == 0) {
		real = memo->real;
	} else if (realpath(d, buf) == NULL) {
		pinca_warn("cannot resolve %s", path);
		return NULL;
	} else if (memo && strlen(d) < sizeof(memo->dir)) {
		snprintf(memo->dir, sizeof(memo->dir), "%s", d);
		snprintf(memo->real, sizeof(memo->real), "%s", buf);
		memo->valid = 1;
	}
	n = strlen(real) + strlen(basename(base)) + 2;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s/%s", real, basename(base));
	return out;
}
