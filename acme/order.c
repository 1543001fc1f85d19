/* order: newOrder (RFC 8555 §7.4, RFC 9773 §5 replaces), the order and
 * authorization resources (§7.1.3, §7.1.4, §7.5) and their state: an order
 * is pending until every authorization is valid, then ready; finalize
 * (finalize.c) makes it valid. Certificates download as the leaf and the
 * intermediate (§7.4.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <jose/b64.h>

#include "acme/acme.h"
#include "ca/cert.h"
#include "common/err.h"
#include "common/output.h"
#include "issue/lint.h"

/* RFC 3339 time as a new JSON string. */
static json_t *
json_time(int64_t t)
{
	char buf[32];

	time_rfc3339(t, buf, sizeof(buf));
	return json_string(buf);
}

/* Reads the authorizations of an order into a new array of URLs, and tells
 * whether all are valid and whether any is invalid. */
struct authz_scan {
	struct acme_request *rq;
	json_t *urls;
	int all_valid, any_invalid;
};

static int
authz_scan_one(const struct acme_authz *a, void *arg)
{
	struct authz_scan *sc = arg;

	json_array_append_new(sc->urls, acme_url(sc->rq, "/acme/authz/%lld", (long long)a->id));
	if (strcmp(a->status, "valid") != 0)
		sc->all_valid = 0;
	if (strcmp(a->status, "invalid") == 0 || strcmp(a->status, "deactivated") == 0)
		sc->any_invalid = 1;
	return RC_OK;
}

json_t *
acme_order_json(struct acme_request *rq, const struct acme_order *o)
{
	struct authz_scan sc = { rq, json_array(), 1, 0 };
	json_t *j, *ids = json_loads(o->identifiers_json, 0, NULL);

	store_acme_authz_each_order(rq->t->ctx.st, o->id, authz_scan_one, &sc);
	j = json_pack("{s:s,s:o,s:o,s:o,s:o,s:s}", "status", o->status, "expires",
	    json_time(o->expires), "identifiers", ids ? ids : json_array(), "authorizations", sc.urls,
	    "finalize", acme_url(rq, "/acme/order/%lld/finalize", (long long)o->id), "profile",
	    o->profile);
	if (j && o->serial && strcmp(o->status, "valid") == 0)
		json_object_set_new(j, "certificate", acme_url(rq, "/acme/cert/%lld", (long long)o->id));
	if (j && o->replaces)
		json_object_set_new(j, "replaces", json_string(o->replaces));
	if (j && o->error_json)
		json_object_set_new(j, "error", json_loads(o->error_json, 0, NULL));
	return j;
}

/* A group commit's part that moves order o from pending to its new
 * status: STORE_NOT_FOUND when another request moved it first. */
static int
order_claim_part(struct store *st, void *arg)
{
	struct acme_order *o = arg;

	return store_acme_order_claim(st, o->id, "pending", o->status);
}

int
acme_order_load(struct acme_request *rq, struct acme_response *rs, int64_t id,
    struct acme_order *o)
{
	struct authz_scan sc = { rq, json_array(), 1, 0 };
	const char *was;
	int got;

	rq->log_order = id;
	if ((got = store_acme_order_get(rq->t->ctx.st, id, o)) != RC_OK || o->account_id !=
	    rq->account.id) {
		json_decref(sc.urls);
		if (got == RC_OK)
			acme_order_clear(o);
		return got == RC_FAIL ? acme_problem(rs, 500, "serverInternal", "cannot read the order") :
		    acme_problem(rs, 404, "malformed", "no order %lld for this account", (long long)id);
	}
	was = strcmp(o->status, "pending") == 0 ? "pending" : NULL;
	if (was) {
		store_acme_authz_each_order(rq->t->ctx.st, o->id, authz_scan_one, &sc);
		if (sc.any_invalid || o->expires <= (int64_t)time(NULL))
			snprintf(o->status, sizeof(o->status), "invalid");
		else if (sc.all_valid)
			snprintf(o->status, sizeof(o->status), "ready");
		/* The new state is written back only over "pending": a request
		 * that read the order earlier must not undo a finalize. */
		if (strcmp(o->status, "pending") != 0) {
			int moved = commit_group_run(&rq->srv->group, &rq->t->ctx, order_claim_part, o,
			    NULL);
			if (moved == STORE_NOT_FOUND) {
				/* Moved on meanwhile: read it again. */
				acme_order_clear(o);
				json_decref(sc.urls);
				return acme_order_load(rq, rs, id, o);
			}
		}
	}
	json_decref(sc.urls);
	return 0;
}

/* Checks and normalises one identifier into authz (type, value, wildcard). */
static int
order_identifier(struct acme_request *rq, struct acme_response *rs, json_t *id,
    struct acme_authz *a)
{
	const char *type = NULL, *value = NULL;
	char norm[256];

	if (json_unpack(id, "{s:s,s:s}", "type", &type, "value", &value) != 0)
		return acme_problem(rs, 400, "malformed", "an identifier needs type and value");
	if (strcmp(type, "dns") != 0 && strcmp(type, "ip") != 0)
		return acme_problem(rs, 400, "unsupportedIdentifier", "identifier type %.16s", type);
	{
		char err[512];
		int rc;
		pinca_err_clear();
		rc = strcmp(type, "dns") == 0 ? lint_dns_name(value, norm, sizeof(norm)) :
		    lint_ip_address(value, norm, sizeof(norm));
		if (rc != RC_OK)
			return acme_problem(rs, 400, "rejectedIdentifier", "%s",
			    acme_detail(pinca_err_take(err, sizeof(err))));
	}
	if (acme_account_permits(rq, rs, norm) != 0)
		return -1;
	snprintf(a->type, sizeof(a->type), "%s", type);
	a->wildcard = strncmp(norm, "*.", 2) == 0;
	snprintf(a->value, sizeof(a->value), "%s", a->wildcard ? norm + 2 : norm);
	if (a->wildcard && rq->srv->cfg.dns_port == 0)
		return acme_problem(rs, 400, "rejectedIdentifier",
		    "%s: wildcards need dns-01, and this server has no --dns-resolver", norm);
	return 0;
}

/* A random challenge token (§8.1: at least 128 bits, base64url). */
static int
order_token(char out[64])
{
	unsigned char raw[24];
	size_t n;

	if (RAND_bytes(raw, sizeof(raw)) != 1 ||
	    (n = jose_b64_enc_buf(raw, sizeof(raw), out, 63)) == SIZE_MAX)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Checks the order's replaces (RFC 9773 §5): a certificate of this CA. */
static int
order_replaces(struct acme_request *rq, struct acme_response *rs, const char *replaces)
{
	char serial[128];
	unsigned char aki[64];
	size_t aki_len = sizeof(aki);
	struct cert_record c;

	if (acme_cert_id_serial(replaces, serial, sizeof(serial), aki, &aki_len) != 0 ||
	    store_cert_get(rq->t->ctx.st, serial, &c) != RC_OK)
		return acme_problem(rs, 400, "malformed", "replaces names no certificate of this CA");
	cert_record_clear(&c);
	return 0;
}

/* What order_insert_part writes: the order and its authorizations. */
struct order_insert {
	int64_t account_id;
	struct acme_order *o;
	struct acme_authz *az;
	size_t n;
	int pending;
};

/* A newOrder's part of a group commit: unless the account has too many
 * orders pending (RC_POLICY), the order and one authorization per
 * identifier. */
static int
order_insert_part(struct store *st, void *arg)
{
	struct order_insert *oi = arg;

	if (store_acme_order_count_pending(st, oi->account_id, (int64_t)time(NULL), &oi->pending) !=
	    RC_OK)
		return RC_FAIL;
	if (oi->pending >= ACME_MAX_PENDING_ORDERS)
		return RC_POLICY;
	if (store_acme_order_insert(st, oi->o) != RC_OK)
		return RC_FAIL;
	for (size_t i = 0; i < oi->n; i++) {
		oi->az[i].order_id = oi->o->id;
		if (store_acme_authz_insert(st, &oi->az[i]) != RC_OK)
			return RC_FAIL;
	}
	return RC_OK;
}

/* Inserts the order and one authorization per identifier (in a group
 * commit: returns once committed). */
static int
order_insert(struct acme_request *rq, struct acme_response *rs, struct acme_order *o,
    struct acme_authz *az, size_t n)
{
	struct order_insert oi = { rq->account.id, o, az, n, 0 };
	int rc = commit_group_run(&rq->srv->group, &rq->t->ctx, order_insert_part, &oi, NULL);

	if (rc == RC_OK)
		return 0;
	if (rc == RC_POLICY)
		return acme_problem(rs, 429, "rateLimited",
		    "the account has %d orders pending (at most %d)", oi.pending, ACME_MAX_PENDING_ORDERS);
	return acme_problem(rs, 500, "serverInternal", "cannot record the order");
}

int
acme_new_order(struct acme_request *rq, struct acme_response *rs)
{
	struct acme_order o;
	struct acme_authz az[LEAF_MAX_NAMES];
	json_t *ids, *id, *norm_ids = json_array();
	const char *replaces = NULL, *profile = "server";
	size_t i, n;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	memset(az, 0, sizeof(az));
	if (acme_jws_verify(rq, rs, JWS_KID) != 0)
		goto out;
	if (rq->payload == NULL || json_unpack(rq->payload, "{s:o,s?s,s?s}", "identifiers", &ids,
	    "replaces", &replaces, "profile", &profile) != 0 || !json_is_array(ids) ||
	    (n = json_array_size(ids)) == 0 || n > LEAF_MAX_NAMES) {
		acme_problem(rs, 400, "malformed", "newOrder needs 1 to %d identifiers", LEAF_MAX_NAMES);
		goto out;
	}
	if (strcmp(profile, "server") != 0 && strcmp(profile, "client") != 0) {
		acme_problem(rs, 400, "invalidProfile", "profile %.32s is not offered (server, client)",
		    profile);
		goto out;
	}
	json_array_foreach(ids, i, id) {
		if (order_identifier(rq, rs, id, &az[i]) != 0)
			goto out;
		for (size_t k = 0; k < i; k++)
			if (strcmp(az[k].type, az[i].type) == 0 && strcmp(az[k].value, az[i].value) == 0 &&
			    az[k].wildcard == az[i].wildcard) {
				acme_problem(rs, 400, "malformed", "identifier %s appears twice", az[i].value);
				goto out;
			}
		az[i].account_id = rq->account.id;
		snprintf(az[i].status, sizeof(az[i].status), "pending");
		az[i].expires = (int64_t)time(NULL) + ACME_ORDER_LIFETIME;
		if (order_token(az[i].token) != 0)
			goto out;
		json_array_append_new(norm_ids, json_pack("{s:s,s:s+}", "type", az[i].type, "value",
		    az[i].wildcard ? "*." : "", az[i].value));
	}
	if (replaces && order_replaces(rq, rs, replaces) != 0)
		goto out;
	o.account_id = rq->account.id;
	snprintf(o.status, sizeof(o.status), "pending");
	snprintf(o.profile, sizeof(o.profile), "%s", profile);
	o.identifiers_json = json_dumps(norm_ids, JSON_COMPACT);
	o.replaces = replaces ? strdup(replaces) : NULL;
	o.created_at = (int64_t)time(NULL);
	o.expires = o.created_at + ACME_ORDER_LIFETIME;
	if (o.identifiers_json == NULL || order_insert(rq, rs, &o, az, n) != 0)
		goto out;
	rq->log_order = o.id;
	snprintf(rs->location, sizeof(rs->location), "%s/acme/order/%lld", rq->base, (long long)o.id);
	rc = acme_json_response(rs, 201, acme_order_json(rq, &o));
out:
	json_decref(norm_ids);
	acme_order_clear(&o);
	return rc;
}

int
acme_order_post(struct acme_request *rq, struct acme_response *rs, int64_t id)
{
	struct acme_order o;
	int rc;

	if (acme_jws_verify(rq, rs, JWS_KID) != 0 || acme_order_load(rq, rs, id, &o) != 0)
		return -1;
	rc = acme_json_response(rs, 200, acme_order_json(rq, &o));
	acme_order_clear(&o);
	return rc;
}

/* The challenge object of an authorization (§7.1.5, §8). */
static json_t *
challenge_json(struct acme_request *rq, const struct acme_authz *a, const char *type)
{
	const char *status = "pending";
	json_t *c;

	if (strcmp(a->challenge, type) == 0)
		status = strcmp(a->status, "valid") == 0 ? "valid" :
		    strcmp(a->status, "invalid") == 0 ? "invalid" : "processing";
	c = json_pack("{s:s,s:o,s:s,s:s}", "type", type, "url",
	    acme_url(rq, "/acme/chall/%lld/%s", (long long)a->id, type), "token", a->token, "status",
	    status);
	if (c && strcmp(status, "valid") == 0 && a->validated_at)
		json_object_set_new(c, "validated", json_time(a->validated_at));
	if (c && strcmp(status, "invalid") == 0 && a->error_json)
		json_object_set_new(c, "error", json_loads(a->error_json, 0, NULL));
	return c;
}

json_t *acme_authz_json(struct acme_request *rq, const struct acme_authz *a);
/* The authorization object (§7.1.4): http-01 for names and addresses,
 * dns-01 for names when a resolver is configured; wildcards dns-01 only. */
json_t *
acme_authz_json(struct acme_request *rq, const struct acme_authz *a)
{
	json_t *ch = json_array(), *j;
	int ip = strcmp(a->type, "ip") == 0;

	if (!a->wildcard)
		json_array_append_new(ch, challenge_json(rq, a, "http-01"));
	if (!ip && rq->srv->cfg.dns_port)
		json_array_append_new(ch, challenge_json(rq, a, "dns-01"));
	j = json_pack("{s:{s:s,s:s},s:s,s:o,s:o}", "identifier", "type", a->type, "value", a->value,
	    "status", a->status, "expires", json_time(a->expires), "challenges", ch);
	if (j && a->wildcard)
		json_object_set_new(j, "wildcard", json_true());
	return j;
}

int acme_authz_load(struct acme_request *rq, struct acme_response *rs, int64_t id,
    struct acme_authz *a);
/* Loads an authorization of this account (-1 with the problem otherwise). */
int
acme_authz_load(struct acme_request *rq, struct acme_response *rs, int64_t id,
    struct acme_authz *a)
{
	int got = store_acme_authz_get(rq->t->ctx.st, id, a);

	if (got != RC_OK || a->account_id != rq->account.id) {
		if (got == RC_OK)
			acme_authz_clear(a);
		return acme_problem(rs, got == RC_FAIL ? 500 : 404, got == RC_FAIL ? "serverInternal" :
		    "malformed", "no authorization %lld for this account", (long long)id);
	}
	rq->log_order = a->order_id;
	if (strcmp(a->status, "pending") == 0 && a->expires <= (int64_t)time(NULL))
		snprintf(a->status, sizeof(a->status), "expired");
	return 0;
}

/* A group commit's part that writes an authorization's status. */
static int
authz_update_part(struct store *st, void *arg)
{
	return store_acme_authz_update(st, arg);
}

int
acme_authz_post(struct acme_request *rq, struct acme_response *rs, int64_t id)
{
	struct acme_authz a;
	const char *status = NULL;
	int rc;

	if (acme_jws_verify(rq, rs, JWS_KID) != 0 || acme_authz_load(rq, rs, id, &a) != 0)
		return -1;
	if (rq->payload && json_unpack(rq->payload, "{s?s}", "status", &status) == 0 && status) {
		/* §7.5.2: the client deactivates an authorization. */
		if (strcmp(status, "deactivated") != 0) {
			acme_authz_clear(&a);
			return acme_problem(rs, 400, "malformed", "status may only become 'deactivated'");
		}
		snprintf(a.status, sizeof(a.status), "deactivated");
		commit_group_run(&rq->srv->group, &rq->t->ctx, authz_update_part, &a, NULL);
	}
	rc = acme_json_response(rs, 200, acme_authz_json(rq, &a));
	acme_authz_clear(&a);
	return rc;
}

int
acme_cert_post(struct acme_request *rq, struct acme_response *rs, int64_t id)
{
	struct acme_order o;
	struct cert_record c;
	char *pem = NULL;
	size_t plen, clen;

	if (acme_jws_verify(rq, rs, JWS_KID) != 0 || acme_order_load(rq, rs, id, &o) != 0)
		return -1;
	if (o.serial == NULL || store_cert_get(rq->t->ctx.st, o.serial, &c) != RC_OK) {
		acme_order_clear(&o);
		return acme_problem(rs, 404, "malformed", "order %lld has no certificate", (long long)id);
	}
	acme_order_clear(&o);
	pem = pem_from_der(PEM_STRING_X509, c.der, c.der_len);
	cert_record_clear(&c);
	if (pem == NULL)
		return acme_problem(rs, 500, "serverInternal", "out of memory");
	/* The leaf, then the chain without the root. */
	plen = strlen(pem);
	clen = strlen(rq->t->is.chain_pem ? rq->t->is.chain_pem : "");
	free(rs->body);
	if ((rs->body = malloc(plen + clen + 1)) == NULL) {
		free(pem);
		return acme_problem(rs, 500, "serverInternal", "out of memory");
	}
	memcpy(rs->body, pem, plen);
	memcpy(rs->body + plen, rq->t->is.chain_pem ? rq->t->is.chain_pem : "", clen + 1);
	free(pem);
	rs->status = 200;
	rs->content_type = "application/pem-certificate-chain";
	return 0;
}
