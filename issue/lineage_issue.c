/* lineage_issue: recording a leaf for a lineage by name, the one step
 * `pinca issue`, each batch line and the ACME finalize share
 * (lineage_issue_record: the lineage row, the certificate, the audit
 * record, in the caller's transaction); and for callers that hold only a
 * public key (ACME finalize, the server's TLS certificate) the whole
 * issuance in one transaction that commits before returning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/guard.h"
#include "common/err.h"
#include "issue/lineage_issue.h"

/* The pin guard for a lineage whose leaf key changes from old_pin to
 * new_pin: the chain above the leaf stays. */
static int
lineage_issue_guard(struct issuer *is, const char *lineage, const char *old_pin,
    const char *new_pin)
{
	struct ca_record root = { 0 };
	const char *before[3], *after[3];
	char what[160];
	int rc;

	before[0] = old_pin;
	after[0] = new_pin;
	before[1] = after[1] = is->ca.pin;
	before[2] = after[2] = store_ca_get(is->ctx->st, is->ca.issuer_id, &root) == RC_OK ?
	    root.pin : NULL;
	snprintf(what, sizeof(what), "a new key for lineage '%s'", lineage);
	rc = guard_check_transition(is->ctx, before, before[2] ? 3 : 2, after, after[2] ? 3 : 2, 0,
	    what);
	ca_record_clear(&root);
	return rc;
}

/* Inserts the new lineage row for req, with opts' files (none for a caller
 * that holds only the key). With opts->new_only, a lineage recorded by
 * someone else meanwhile is refused with pinca issue's line. */
static int
lineage_issue_insert(struct issuer *is, const struct leaf_request *req,
    const struct lineage_issue_opts *opts, const struct leaf_result *res, const char *dns_json,
    const char *ip_json, int64_t *id)
{
	struct lineage_record l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.name = (char *)req->name;
	snprintf(l.profile, sizeof(l.profile), "%s", req->profile);
	snprintf(l.key_type, sizeof(l.key_type), "%s", key_type_name(req->key_type));
	l.dns_json = (char *)dns_json;
	l.ip_json = (char *)ip_json;
	l.key_path = (char *)opts->key_path;
	l.cert_path = (char *)opts->cert_path;
	l.chain_path = (char *)opts->chain_path;
	l.fullchain_path = (char *)opts->fullchain_path;
	l.days = (int)req->days;
	l.pin = (char *)res->pin;
	l.spki = res->spki;
	l.spki_len = res->spki_len;
	l.created_at = l.updated_at = (int64_t)time(NULL);
	if ((rc = store_lineage_insert(is->ctx->st, &l)) != RC_OK) {
		if (rc == STORE_CONSTRAINT && opts->new_only)
			pinca_warnx("lineage '%s' exists already; renew it with 'pinca renew %s'",
			    req->name, req->name);
		return RC_FAIL;
	}
	*id = l.id;
	return RC_OK;
}

/* The lineage row for req: new, or (found) checked for the same names and
 * its key updated after the pin guard when the leaf's key is another. */
static int
lineage_issue_lineage(struct issuer *is, struct leaf_request *req,
    const struct lineage_issue_opts *opts, const struct leaf_result *res, const char *dns_json,
    const char *ip_json, int *renewed, int *rotated, int64_t *id)
{
	struct lineage_record l;
	int rc;

	if (opts->new_only)
		return lineage_issue_insert(is, req, opts, res, dns_json, ip_json, id);
	if ((rc = store_lineage_get(is->ctx->st, req->name, &l)) == RC_FAIL)
		return RC_FAIL;
	if (rc != RC_OK)
		return lineage_issue_insert(is, req, opts, res, dns_json, ip_json, id);
	*renewed = 1;
	*id = l.id;
	if (strcmp(l.dns_json, dns_json) || strcmp(l.ip_json, ip_json)) {
		pinca_warnx("lineage '%s' certifies other names (%s %s)", req->name, l.dns_json,
		    l.ip_json);
		rc = RC_POLICY;
	} else if ((*rotated = strcmp(l.pin, res->pin) != 0)) {
		rc = lineage_issue_guard(is, req->name, l.pin, res->pin);
		if (rc == RC_OK) {
			free(l.pin);
			l.pin = strdup(res->pin);
			OPENSSL_free(l.spki);
			l.spki = OPENSSL_memdup(res->spki, res->spki_len);
			l.spki_len = res->spki_len;
			snprintf(l.key_type, sizeof(l.key_type), "%s", key_type_name(req->key_type));
			l.updated_at = (int64_t)time(NULL);
			rc = l.pin && l.spki ? store_lineage_update_key(is->ctx->st, &l) : RC_FAIL;
		}
	}
	lineage_record_clear(&l);
	return rc;
}

/* The audit record of one issuance: pinca issue's form (with "key") or the
 * lineage_issue callers' (with "via" and "new_key"). */
static int
lineage_issue_audit(struct issuer *is, const struct leaf_request *req,
    const struct lineage_issue_opts *opts, const struct leaf_result *res, int renewed,
    int rotated)
{
	json_t *objs;
	int rc;

	if (opts->key_source)
		objs = json_pack("{s:s,s:s,s:s,s:s,s:s}", "lineage", req->name, "serial", res->serial,
		    "pin", res->pin, "profile", req->profile, "key", opts->key_source);
	else
		objs = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "lineage", req->name, "serial",
		    res->serial, "pin", res->pin, "profile", req->profile, "via", opts->via,
		    "new_key", rotated);
	rc = store_audit(is->ctx->st, renewed ? "renew" : "issue", objs);
	json_decref(objs);
	return rc;
}

/* Records a built leaf for its lineage in the caller's transaction
 * (lineage_issue.h). */
int
lineage_issue_record(struct issuer *is, struct leaf_request *req,
    const struct lineage_issue_opts *opts, int *renewed, int64_t *lineage_id,
    struct leaf_result *res)
{
	char *dns_json = NULL, *ip_json = NULL;
	int64_t id = 0;
	int rc, rotated = 0;

	*renewed = 0;
	if ((rc = leaf_request_names_json(req, &dns_json, &ip_json)) != RC_OK)
		goto out;
	if ((rc = lineage_issue_lineage(is, req, opts, res, dns_json, ip_json, renewed, &rotated,
	    &id)) != RC_OK)
		goto out;
	*lineage_id = id;
	/* A serial collision (2^-127 odds) is met by signing afresh. */
	for (int attempt = 0; (rc = leaf_record(is, req, id, dns_json, ip_json, res)) ==
	    STORE_CONSTRAINT && attempt < 3; attempt++) {
		leaf_result_clear(res);
		if ((rc = leaf_build(is, req, res)) != RC_OK)
			goto out;
	}
	if (rc != RC_OK) {
		rc = RC_FAIL;
		goto out;
	}
	rc = lineage_issue_audit(is, req, opts, res, *renewed, rotated);
out:
	free(dns_json);
	free(ip_json);
	return rc;
}

/* The whole issuance in one transaction (lineage_issue.h). */
int
lineage_issue(struct issuer *is, struct leaf_request *req, const char *via, int *renewed,
    struct leaf_result *res)
{
	return lineage_issue_with(is, req, via, renewed, res, NULL, NULL);
}

/* The same, with the caller's writes in the transaction (lineage_issue.h). */
int
lineage_issue_with(struct issuer *is, struct leaf_request *req, const char *via, int *renewed,
    struct leaf_result *res, int (*in_tx)(struct store *st, void *arg, const struct leaf_result *res),
    void *arg)
{
	struct lineage_issue_opts opts = { .via = via };
	int64_t id;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = leaf_build(is, req, res)) != RC_OK)
		return rc;
	if ((rc = store_begin(is->ctx->st)) != RC_OK)
		goto out;
	if ((rc = lineage_issue_record(is, req, &opts, renewed, &id, res)) != RC_OK ||
	    (in_tx && (rc = in_tx(is->ctx->st, arg, res)) != RC_OK)) {
		store_rollback(is->ctx->st);
		goto out;
	}
	rc = store_commit(is->ctx->st);
out:
	if (rc != RC_OK)
		leaf_result_clear(res);
	return rc;
}
