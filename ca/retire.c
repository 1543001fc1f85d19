/* retire: a root retired as lost or compromised (ca/retire.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/guard.h"
#include "ca/retire.h"
#include "common/err.h"
#include "common/text.h"

/* The supported releases that pin the retired root and none of the keys
 * pinca will still serve (the other root, the leaves). */
struct losers {
	const char *retired_pin;
	const char *const *keep;
	size_t nkeep;
	json_t *names;
};

/* store_app_each callback: adds a release that loses its pins. */
static int
release_loses(const struct app_release *r, void *arg)
{
	struct losers *l = arg;

	if (release_pins_any(r, &l->retired_pin, 1) && !release_pins_any(r, l->keep, l->nkeep))
		return json_array_append_new(l->names, json_string(r->name)) == 0 ? 0 : RC_FAIL;
	return 0;
}

/* store_lineage_each_due callback: a lineage's leaf key (renewals keep it). */
static int
keep_leaf(const struct lineage_record *l, void *arg)
{
	return served_keys_add(arg, l->pin) == RC_OK ? 0 : RC_FAIL;
}

/* The names of the releases that lose their pins (new array, caller frees). */
static json_t *
releases_losing_pins(struct ca_context *ctx, const struct ca_record *retired,
    const struct ca_record *other)
{
	struct served_keys sk = { 0 };
	struct losers l = { retired->pin, NULL, 0, json_array() };

	if (l.names == NULL || (other && served_keys_add(&sk, other->pin) != RC_OK) ||
	    store_lineage_each_due(ctx->st, INT64_MAX, keep_leaf, &sk) != RC_OK)
		goto fail;
	l.keep = (const char *const *)sk.pins;
	l.nkeep = sk.n;
	if (store_app_each(ctx->st, 1, release_loses, &l) != RC_OK)
		goto fail;
	served_keys_clear(&sk);
	return l.names;
fail:
	served_keys_clear(&sk);
	json_decref(l.names);
	return NULL;
}

/* The guard for a retirement: a lost root is refused while releases lose
 * their pins (unless forced); a compromised one goes, with a warning. */
static int
retire_guard(struct ca_context *ctx, const struct ca_record *r, const char *reason,
    json_t *losers, int force)
{
	char list[1024] = "", buf[TEXT_SAFE_NAME];
	const char *cn;
	size_t i, used = 0;
	json_t *v;

	if (json_array_size(losers) == 0)
		return RC_OK;
	json_array_foreach(losers, i, v)
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s'%s'", i ? ", " : "",
			    json_string_value(v));
	cn = text_safe(r->cn, buf, sizeof(buf));
	if (strcmp(reason, "lost") == 0 && !force) {
		pinca_warnx("refused by the pin guard: retiring lost root '%s' leaves app release%s %s "
		    "with no pin pinca serves; a lost key endangers no one, so ship releases that pin "
		    "the other root first and retire these ('pinca app retire NAME'), or pass --force",
		    cn, json_array_size(losers) == 1 ? "" : "s", list);
		return RC_POLICY;
	}
	pinca_report(ctx->report, REPORT_NOTE, "warning: app release%s %s pin%s no key but %s "
	    "root '%s': %s users lose their pins (recorded in the audit log)",
	    json_array_size(losers) == 1 ? "" : "s",
	    list, json_array_size(losers) == 1 ? "s" : "", reason, cn,
	    json_array_size(losers) == 1 ? "its" : "their");
	return RC_OK;
}

/* Finds the active root of role (root or standby) and the other one. */
static int
retire_find(struct ca_context *ctx, const char *role, struct ca_record *r, struct ca_record *other)
{
	char reason[16];
	int64_t at;
	int rc;

	if ((rc = store_ca_find(ctx->st, role, "active", r)) == STORE_NOT_FOUND) {
		if (store_ca_find(ctx->st, role, NULL, r) == RC_OK && r->der &&
		    store_ca_retirement(ctx->st, r->id, reason, sizeof(reason), &at) == RC_OK)
			pinca_warnx("the %s root is retired already (%s)", role, reason);
		else
			pinca_warnx("no active %s root in %s", role, ctx->dir);
		return RC_FAIL;
	}
	if (rc != RC_OK)
		return RC_FAIL;
	rc = store_ca_find(ctx->st, strcmp(role, "root") == 0 ? "standby" : "root", "active", other);
	return rc == RC_FAIL ? RC_FAIL : rc;
}

/* Records the retirement and its audit record in one transaction. */
static int
retire_record(struct ca_context *ctx, const struct ca_retire_req *req,
    const struct ca_retire_result *res)
{
	const struct ca_record *r = &res->root;
	json_t *objs;
	int rc = RC_FAIL;

	objs = json_pack("{s:s,s:s?,s:s,s:s,s:O,s:b}", "role", r->role, "serial", r->serial, "pin",
	    r->pin, "reason", req->reason, "releases_losing_pins", res->losers, "forced", req->force);
	if (objs == NULL || store_begin(ctx->st) != RC_OK)
		goto out;
	if (store_ca_retire_root(ctx->st, r->id, req->reason, (int64_t)time(NULL)) != RC_OK ||
	    store_audit(ctx->st, "ca.retire", objs) != RC_OK) {
		store_rollback(ctx->st);
		goto out;
	}
	rc = store_commit(ctx->st) == RC_OK ? RC_OK : RC_FAIL;
out:
	json_decref(objs);
	return rc;
}

/* Retires a root (retire.h). */
int
ca_retire_root(struct ca_context *ctx, const struct ca_retire_req *req,
    struct ca_retire_result *res)
{
	struct ca_record primary = { 0 }, inter = { 0 };
	int rc;

	if ((rc = retire_find(ctx, req->role, &res->root, &res->other)) < 0)
		return rc;
	res->have_other = rc == RC_OK;
	if ((res->losers = releases_losing_pins(ctx, &res->root,
	    res->have_other ? &res->other : NULL)) == NULL)
		return RC_FAIL;
	if ((rc = retire_guard(ctx, &res->root, req->reason, res->losers, req->force)) != RC_OK)
		return rc;
	if (store_ca_find(ctx->st, "root", NULL, &primary) != RC_OK)
		return RC_FAIL;
	snprintf(res->primary_pin, sizeof(res->primary_pin), "%s", primary.pin);
	ca_record_clear(&primary);
	if ((rc = retire_record(ctx, req, res)) != RC_OK)
		return rc;
	res->intermediate_here = store_ca_find_held(ctx->st, "intermediate", &inter) == RC_OK;
	ca_record_clear(&inter);
	return RC_OK;
}

/* Frees what ca_retire_root filled and zeroes res. */
void
ca_retire_result_clear(struct ca_retire_result *res)
{
	ca_record_clear(&res->root);
	ca_record_clear(&res->other);
	json_decref(res->losers);
	memset(res, 0, sizeof(*res));
}
