/* lineage_issue: issuance for a lineage by name, for callers that hold only
 * a public key (ACME finalize, the server's TLS certificate): the same
 * leaf_build, leaf_record, pin guard and audit record as `pinca issue` and
 * `pinca renew`, in one transaction that commits before returning. */
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

/* Inserts the new lineage row for req (no key or output files: the caller
 * holds the key). */
static int
lineage_issue_insert(struct issuer *is, const struct leaf_request *req,
    const struct leaf_result *res, const char *dns_json, const char *ip_json, int64_t *id)
{
	struct lineage_record l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.name = (char *)req->name;
	snprintf(l.profile, sizeof(l.profile), "%s", req->profile);
	snprintf(l.key_type, sizeof(l.key_type), "%s", key_type_name(req->key_type));
	l.dns_json = (char *)dns_json;
	l.ip_json = (char *)ip_json;
	l.days = (int)req->days;
	l.pin = (char *)res->pin;
	l.spki = res->spki;
	l.spki_len = res->spki_len;
	l.created_at = l.updated_at = (int64_t)time(NULL);
	if ((rc = store_lineage_insert(is->ctx->st, &l)) != RC_OK)
		return RC_FAIL;
	*id = l.id;
	return RC_OK;
}

/* Inside the transaction: the lineage row (new, or its key updated after
 * the guard), the certificate, the audit record. */
int
lineage_issue_record(struct issuer *is, struct leaf_request *req, const char *via,
    int *renewed, struct leaf_result *res, const char *dns_json, const char *ip_json)
{
	struct lineage_record l;
	int64_t id;
	int rc, rotated = 0;
	json_t *objs;

	if ((rc = store_lineage_get(is->ctx->st, req->name, &l)) == RC_FAIL)
		return RC_FAIL;
	*renewed = rc == RC_OK;
	if (rc == RC_OK) {
		id = l.id;
		if (strcmp(l.dns_json, dns_json) || strcmp(l.ip_json, ip_json)) {
			pinca_warnx("lineage '%s' certifies other names (%s %s)", req->name, l.dns_json,
			    l.ip_json);
			rc = RC_POLICY;
		} else if ((rotated = strcmp(l.pin, res->pin) != 0)) {
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
	} else {
		rc = lineage_issue_insert(is, req, res, dns_json, ip_json, &id);
	}
	if (rc != RC_OK)
		return rc;
	for (int attempt = 0; (rc = leaf_record(is, req, id, dns_json, ip_json, res)) ==
	    STORE_CONSTRAINT && attempt < 3; attempt++) {
		leaf_result_clear(res);
		if ((rc = leaf_build(is, req, res)) != RC_OK)
			return rc;
	}
	if (rc != RC_OK)
		return RC_FAIL;
	objs = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "lineage", req->name, "serial", res->serial,
	    "pin", res->pin, "profile", req->profile, "via", via, "new_key", rotated);
	rc = store_audit(is->ctx->st, *renewed ? "renew" : "issue", objs);
	json_decref(objs);
	return rc;
}

int
lineage_issue(struct issuer *is, struct leaf_request *req, const char *via, int *renewed,
    struct leaf_result *res)
{
	return lineage_issue_with(is, req, via, renewed, res, NULL, NULL);
}

int
lineage_issue_with(struct issuer *is, struct leaf_request *req, const char *via, int *renewed,
    struct leaf_result *res, int (*in_tx)(struct store *st, void *arg, const struct leaf_result *res),
    void *arg)
{
	char *dns_json = NULL, *ip_json = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = leaf_build(is, req, res)) != RC_OK)
		return rc;
	if ((rc = leaf_request_names_json(req, &dns_json, &ip_json)) != RC_OK ||
	    (rc = store_begin(is->ctx->st)) != RC_OK)
		goto out;
	if ((rc = lineage_issue_record(is, req, via, renewed, res, dns_json, ip_json)) != RC_OK ||
	    (in_tx && (rc = in_tx(is->ctx->st, arg, res)) != RC_OK)) {
		store_rollback(is->ctx->st);
		goto out;
	}
	rc = store_commit(is->ctx->st);
out:
	if (rc != RC_OK)
		leaf_result_clear(res);
	free(dns_json);
	free(ip_json);
	return rc;
}
