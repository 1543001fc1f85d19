/* finalize: an order's CSR becomes a certificate (RFC 8555 §7.4) through
 * the same domain call as every issuance (issue/lineage_issue.c): lints,
 * the pin guard; the certificate, its audit record and the order (now
 * valid, pointing at it) commit in one transaction, which other requests'
 * writes may share (commit_group.h); the answer waits for its commit. The
 * order's lineage: the replaced certificate's (RFC 9773 replaces), else the
 * one whose names equal the order's, else a new one named after the first
 * identifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>
#include <jose/b64.h>
#include <jose/openssl.h>

#include "acme/acme.h"
#include "ca/csr.h"
#include "common/err.h"
#include "issue/lineage_issue.h"

/* Whether the CSR asks for exactly the order's names (§7.4: the CSR's
 * SAN, and its CN if any, must be the order's identifiers). */
static int
finalize_names_match(const struct acme_order *o, const struct leaf_request *csr_names)
{
	json_t *ids = json_loads(o->identifiers_json, 0, NULL), *id;
	size_t i, n = json_array_size(ids);
	int matched = 0;

	json_array_foreach(ids, i, id) {
		const char *type = json_string_value(json_object_get(id, "type"));
		const char *value = json_string_value(json_object_get(id, "value"));
		int hit = 0;
		if (!type || !value)
			break;
		if (strcmp(type, "dns") == 0)
			for (int k = 0; k < csr_names->ndns; k++)
				hit |= strcmp(csr_names->dns[k], value) == 0;
		else
			for (int k = 0; k < csr_names->nip; k++)
				hit |= strcmp(csr_names->ip[k], value) == 0;
		matched += hit;
	}
	json_decref(ids);
	return matched == (int)n && (size_t)csr_names->ndns + (size_t)csr_names->nip == n;
}

/* Compares two strings for qsort. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A lineage name from an identifier: '*' becomes "wildcard", and what a
 * lineage name may not hold becomes '-'. */
static void
finalize_lineage_name(const char *first, int64_t order_id, int suffix, char *out, size_t size)
{
	char base[80];
	size_t k = 0;

	if (strncmp(first, "*.", 2) == 0) {
		k = (size_t)snprintf(base, sizeof(base), "wildcard.");
		first += 2;
	}
	for (; *first && k < 64 - 1; first++)
		base[k++] = (*first >= 'a' && *first <= 'z') || (*first >= '0' && *first <= '9') ||
		    *first == '.' || *first == '-' ? *first : '-';
	base[k < 64 ? k : 63] = '\0';
	if (suffix)
		snprintf(out, size, "%.40s-%lld", base, (long long)order_id);
	else
		snprintf(out, size, "%s", base);
}

/* Decides the lineage name for the order's sorted names (req set). */
static int
finalize_lineage(struct acme_request *rq, const struct acme_order *o, struct leaf_request *req,
    char *name, size_t size)
{
	struct store *st = rq->t->ctx.st;
	struct lineage_record l;
	char *dns = NULL, *ip = NULL;
	int got;

	if (o->replaces) {
		char serial[128];
		unsigned char aki[64];
		size_t aki_len = sizeof(aki);
		struct cert_record c;
		if (acme_cert_id_serial(o->replaces, serial, sizeof(serial), aki, &aki_len) == 0 &&
		    store_cert_get(st, serial, &c) == RC_OK) {
			if (c.name)
				snprintf(name, size, "%s", c.name);
			cert_record_clear(&c);
			if (name[0])
				return 0;
		}
	}
	if (leaf_request_names_json(req, &dns, &ip) != RC_OK)
		return -1;
	got = store_lineage_find_names(st, dns, ip, &l);
	free(dns);
	free(ip);
	if (got == RC_OK) {
		snprintf(name, size, "%s", l.name);
		lineage_record_clear(&l);
		return 0;
	}
	if (got != STORE_NOT_FOUND)
		return -1;
	finalize_lineage_name(req->ndns ? req->dns[0] : req->ip[0], o->id, 0, name, size);
	if ((got = store_lineage_get(st, name, &l)) == RC_OK) {
		/* Taken by a lineage with other names. */
		lineage_record_clear(&l);
		finalize_lineage_name(req->ndns ? req->dns[0] : req->ip[0], o->id, 1, name, size);
	}
	return got == RC_FAIL ? -1 : 0;
}

/* Reads the CSR of the payload: its key and names. */
static int
finalize_csr(struct acme_request *rq, struct acme_response *rs, EVP_PKEY **pub,
    enum key_type *type, struct leaf_request *names)
{
	const char *csr_b64 = NULL;
	unsigned char *der = NULL;
	size_t len;
	X509_REQ *csr = NULL;
	char err[512];
	int rc = -1;

	if (rq->payload == NULL || json_unpack(rq->payload, "{s:s}", "csr", &csr_b64) != 0 ||
	    (len = jose_b64_dec_buf(csr_b64, strlen(csr_b64), NULL, 0)) == SIZE_MAX || len > 16384 ||
	    (der = malloc(len ? len : 1)) == NULL ||
	    jose_b64_dec_buf(csr_b64, strlen(csr_b64), der, len) != len) {
		free(der);
		return acme_problem(rs, 400, "malformed", "finalize needs a csr (base64url DER)");
	}
	pinca_err_clear();
	if (csr_parse(der, len, "the CSR", &csr, pub, type) != RC_OK ||
	    leaf_request_names_from_csr(names, csr) != RC_OK) {
		acme_problem(rs, 400, "badCSR", "%s", acme_detail(pinca_err_take(err, sizeof(err))));
		goto out;
	}
	rc = 0;
out:
	X509_REQ_free(csr);
	free(der);
	return rc;
}

/* The CSR's key must not be the account's (§11.1). */
static int
finalize_not_account_key(struct acme_request *rq, struct acme_response *rs, EVP_PKEY *pub)
{
	json_t *jwk = jose_openssl_jwk_from_EVP_PKEY(NULL, pub);
	char thp[64];
	int same;

	same = jwk && acme_jwk_thumbprint(jwk, thp) == 0 && strcmp(thp, rq->account.thumbprint) == 0;
	json_decref(jwk);
	return same ? acme_problem(rs, 400, "badCSR", "the CSR's key is the account key") : 0;
}

/* What finalize_in_tx needs: the order, and whether another finalize took
 * it first. */
struct finalize_tx {
	struct acme_order *o;
	const char *lineage;
	int taken;
};

/* Inside the certificate's transaction: moves the order from ready to
 * valid and points it at the certificate, so the certificate, its audit
 * record and the order commit together (one commit, nothing half done if
 * the process dies). Another finalize that committed first wins. */
static int
finalize_in_tx(struct store *st, void *arg, const struct leaf_result *res)
{
	struct finalize_tx *ft = arg;
	struct acme_order *o = ft->o;
	int rc = store_acme_order_claim(st, o->id, "ready", "valid");

	if (rc == STORE_NOT_FOUND) {
		ft->taken = 1;
		return RC_FAIL;
	}
	if (rc != RC_OK)
		return RC_FAIL;
	snprintf(o->status, sizeof(o->status), "valid");
	free(o->serial);
	free(o->lineage);
	o->serial = strdup(res->serial);
	o->lineage = strdup(ft->lineage);
	if (o->serial == NULL || o->lineage == NULL)
		return RC_FAIL;
	return store_acme_order_update(st, o);
}

/* What finalize_record needs inside the group's transaction. */
struct finalize_rec {
	struct issuer *is;
	struct leaf_request *req;
	struct leaf_result *res;
	int *renewed;
	struct finalize_tx *ft;
};

/* A finalize's part of a group commit: the lineage, the certificate and
 * its audit record, then the order. An order another finalize took first
 * is STORE_NOT_FOUND (its part rolls back; the group goes on). */
static int
finalize_record(struct store *st, void *arg)
{
	struct finalize_rec *fr = arg;
	struct lineage_issue_opts opts = { .via = "acme" };
	int64_t lineage_id;
	int rc = lineage_issue_record(fr->is, fr->req, &opts, fr->renewed, &lineage_id, fr->res);

	if (rc == RC_OK)
		rc = finalize_in_tx(st, fr->ft, fr->res);
	return rc == RC_FAIL && fr->ft->taken ? STORE_NOT_FOUND : rc;
}

/* Signs the leaf (no lock held: the signer process's round trip keeps no
 * other request from writing), then records it in a group commit with the
 * other requests' writes; returns once that group is committed. RC_OK with
 * *res filled, else lineage_issue_with's codes or COMMIT_GROUP_LOST (*group:
 * the group's size). */
static int
finalize_sign_record(struct acme_request *rq, struct leaf_request *req, int *renewed,
    struct leaf_result *res, struct finalize_tx *ft, int *group)
{
	struct finalize_rec fr;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = leaf_build(&rq->t->is, req, res)) != RC_OK)
		return rc;
	fr = (struct finalize_rec){ &rq->t->is, req, res, renewed, ft };
	rc = commit_group_run(&rq->srv->group, &rq->t->ctx, finalize_record, &fr, group);
	if (rc != RC_OK)
		leaf_result_clear(res);
	return rc;
}

/* Issues the certificate for a ready order and marks it valid, in one
 * transaction (shared with other requests: commit_group.h). */
static int
finalize_issue(struct acme_request *rq, struct acme_response *rs, struct acme_order *o,
    struct leaf_request *req)
{
	struct leaf_result res;
	struct finalize_tx ft = { o, NULL, 0 };
	char name[80] = "", err[1024];
	int renewed = 0, rc, group = 0;

	qsort(req->dns, (size_t)req->ndns, sizeof(req->dns[0]), cmp_str);
	qsort(req->ip, (size_t)req->nip, sizeof(req->ip[0]), cmp_str);
	if (finalize_lineage(rq, o, req, name, sizeof(name)) != 0)
		return acme_problem(rs, 500, "serverInternal", "cannot choose the lineage");
	req->name = name;
	req->profile = o->profile;
	req->days = ACME_CERT_DAYS;
	ft.lineage = name;
	pinca_err_clear();
	rc = finalize_sign_record(rq, req, &renewed, &res, &ft, &group);
	pinca_err_take(err, sizeof(err));
	req->name = NULL;
	if (ft.taken)
		return acme_problem(rs, 403, "orderNotReady", "order %lld is being finalized",
		    (long long)o->id);
	if (rc == COMMIT_GROUP_LOST)
		return acme_problem(rs, 500, "serverInternal", "the database could not commit the "
		    "group of %d requests this finalize was in; nothing was recorded", group);
	if (rc != RC_OK)
		return acme_problem(rs, rc == RC_POLICY ? 400 : 500, rc == RC_POLICY ? "badCSR" :
		    "serverInternal", "%s", acme_detail(err));
	leaf_result_clear(&res);
	return 0;
}

int
acme_finalize(struct acme_request *rq, struct acme_response *rs, int64_t id)
{
	struct acme_order o;
	struct leaf_request req;
	EVP_PKEY *pub = NULL;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	if (acme_jws_verify(rq, rs, JWS_KID) != 0 || acme_order_load(rq, rs, id, &o) != 0)
		return -1;
	if (strcmp(o.status, "ready") != 0) {
		acme_problem(rs, 403, "orderNotReady", "order %lld is %s, not ready", (long long)id,
		    o.status);
		goto out;
	}
	if (finalize_csr(rq, rs, &pub, &req.key_type, &req) != 0 ||
	    finalize_not_account_key(rq, rs, pub) != 0)
		goto out;
	if (!finalize_names_match(&o, &req)) {
		acme_problem(rs, 400, "badCSR", "the CSR's names are not the order's identifiers");
		goto out;
	}
	req.pub = pub;
	/* One finalize per order: the first to commit moves it to valid. */
	if (finalize_issue(rq, rs, &o, &req) != 0)
		goto out;
	snprintf(rs->location, sizeof(rs->location), "%s/acme/order/%lld", rq->base, (long long)id);
	rc = acme_json_response(rs, 200, acme_order_json(rq, &o));
out:
	leaf_request_clear(&req);
	EVP_PKEY_free(pub);
	acme_order_clear(&o);
	return rc;
}
