/* app_release: recording a shipped app release and its pins (`app add`): the
 * pins given, the current roots', or those read from the build per domain;
 * refused when a pin is a retired root's or the chain served today already
 * fails the release; then the record with its audit record. And retiring
 * one (`app retire`). Nothing here prints but the one error line (and
 * --force's warning). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/app_release.h"
#include "ca/appread.h"
#include "ca/appview.h"
#include "ca/guard.h"
#include "common/err.h"
#include "common/output.h"

/* Adds pin to the list unless it is there already (app_add.h). */
int
app_pin_list_add(char pins[][PIN_LEN], size_t *n, const char *pin)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(pins[i], pin) == 0)
			return RC_OK;
	if (*n == APP_MAX_PINS) {
		/* The line `app add`'s option parser would print. */
		pinca_warnx("at most %d pins per release (see 'pinca app add --help')", APP_MAX_PINS);
		return RC_USAGE;
	}
	snprintf(pins[(*n)++], PIN_LEN, "%s", pin);
	return RC_OK;
}

/* The primary and standby root pins. */
static int
pins_from_current(struct ca_context *ctx, char pins[][PIN_LEN], size_t *n)
{
	const char *roles[2] = { "root", "standby" };
	int found = 0;

	for (int i = 0; i < 2; i++) {
		struct ca_record r = { 0 };
		int rc = store_ca_find(ctx->st, roles[i], "active", &r);
		if (rc == RC_FAIL)
			return RC_FAIL;
		if (rc == RC_OK) {
			rc = app_pin_list_add(pins, n, r.pin);
			found++;
		}
		ca_record_clear(&r);
		if (rc != RC_OK && rc != STORE_NOT_FOUND)
			return rc;
	}
	if (found == 0) {
		pinca_warnx("--from-current: no root known in %s", ctx->dir);
		return RC_FAIL;
	}
	return RC_OK;
}

/* store_lineage_each_due callback: adds a lineage's leaf key. */
static int
add_lineage_pin(const struct lineage_record *l, void *arg)
{
	return served_keys_add(arg, l->pin) == RC_OK ? 0 : RC_FAIL;
}

/* The keys served today: intermediate, root and every lineage's leaf key
 * (app_add.h). */
int
app_served_today(struct ca_context *ctx, struct served_keys *sk)
{
	if (guard_current_keys(ctx, sk) != RC_OK)
		return RC_FAIL;
	return store_lineage_each_due(ctx->st, INT64_MAX, add_lineage_pin, sk) == RC_OK ?
	    RC_OK : RC_FAIL;
}

/* Refuses (RC_POLICY) a pin of a root retired as lost or compromised:
 * an app must not trust it any more. */
static int
release_refuse_retired_roots(struct ca_context *ctx, char *const *pins, size_t npins)
{
	for (size_t i = 0; i < npins; i++) {
		struct ca_record r = { 0 };
		char reason[16], when[32];
		int64_t at;
		int rc = store_ca_find_pin(ctx->st, pins[i], &r);

		if (rc == RC_FAIL)
			return RC_FAIL;
		if (rc == RC_OK && strcmp(r.role, "intermediate") != 0 &&
		    (rc = store_ca_retirement(ctx->st, r.id, reason, sizeof(reason), &at)) != STORE_NOT_FOUND) {
			if (rc == RC_OK) {
				time_rfc3339(at, when, sizeof(when));
				pinca_warnx("refused: %s is the pin of root '%s', retired as %s on %s; an app "
				    "release must not carry it", pins[i], r.cn, reason, when);
			}
			ca_record_clear(&r);
			return rc == RC_OK ? RC_POLICY : RC_FAIL;
		}
		ca_record_clear(&r);
	}
	return RC_OK;
}

/* Refuses a release read from a build when the chain served today fails
 * one of its domains (each judged by its platform's rule). */
static int
release_domains_match_today(struct ca_context *ctx, const struct app_release *r, int force)
{
	struct app_domain_status *st = calloc(r->ndomains, sizeof(*st));
	struct served_keys now = { 0 };
	int has_next, rc = RC_FAIL;
	size_t i;

	if (st == NULL || guard_current_keys(ctx, &now) != RC_OK)
		goto out;
	rc = RC_OK;
	/* Nothing served yet: nothing to fail (as for --pin releases). */
	if (now.n == 0)
		goto out;
	rc = RC_FAIL;
	if (app_view_status(ctx, r, st, &has_next) != RC_OK)
		goto out;
	for (i = 0; i < r->ndomains && st[i].today; i++)
		;
	rc = RC_OK;
	if (i == r->ndomains)
		goto out;
	if (force) {
		pinca_report(ctx->report, REPORT_NOTE, "warning: --force: release '%s' fails for "
		    "domain %s with the chain served today", r->name, r->domains[i].domain);
		goto out;
	}
	pinca_warnx("refused: release '%s' fails for domain %s with the chain served today "
	    "(%s rule, %s pins); it would fail now. Check the build or pass --force", r->name,
	    r->domains[i].domain, app_domain_rule(&r->domains[i]), r->domains[i].platform);
	rc = RC_POLICY;
out:
	served_keys_clear(&now);
	free(st);
	return rc;
}

/* Refuses a release that the chain served today already fails. */
static int
release_matches_today(struct ca_context *ctx, const struct app_release *r, int force)
{
	struct served_keys sk = { 0 };
	int matches;

	if (r->ndomains > 0)
		return release_domains_match_today(ctx, r, force);
	if (app_served_today(ctx, &sk) != RC_OK) {
		served_keys_clear(&sk);
		return RC_FAIL;
	}
	matches = sk.n == 0 || release_pins_any(r, (const char *const *)sk.pins, sk.n);
	served_keys_clear(&sk);
	if (matches)
		return RC_OK;
	if (force) {
		pinca_report(ctx->report, REPORT_NOTE, "warning: --force: release '%s' pins none of "
		    "the keys served today", r->name);
		return RC_OK;
	}
	pinca_warnx("refused: release '%s' pins none of the keys served today (intermediate, "
	    "root, leaves); it would fail now. Check the pins or pass --force", r->name);
	return RC_POLICY;
}

/* The release's pins and domains as JSON (new references in *pins, *doms). */
static int
release_json(const struct app_release *rel, json_t **pins, json_t **doms)
{
	*pins = json_array();
	*doms = json_array();
	if (*pins == NULL || *doms == NULL)
		return RC_FAIL;
	for (size_t i = 0; i < rel->npins; i++)
		if (json_array_append_new(*pins, json_string(rel->pins[i])) != 0)
			return RC_FAIL;
	for (size_t i = 0; i < rel->ndomains; i++)
		if (json_array_append_new(*doms, app_view_domain_json(&rel->domains[i], NULL)) != 0)
			return RC_FAIL;
	return RC_OK;
}

/* Records rel with its audit record; its pins and domains as recorded go
 * to res. */
static int
app_record(struct ca_context *ctx, struct app_release *rel, int force, struct app_add_result *res)
{
	json_t *objs = NULL;
	int rc = RC_FAIL;

	if (release_json(rel, &res->pins, &res->domains) != RC_OK)
		goto out;
	objs = json_pack("{s:s,s:O,s:O,s:b}", "release", rel->name, "pins", res->pins, "domains",
	    res->domains, "forced", force);
	if (objs == NULL || store_begin(ctx->st) != RC_OK)
		goto out;
	if (store_app_insert(ctx->st, rel) != RC_OK || store_audit(ctx->st, "app.add", objs) != RC_OK) {
		store_rollback(ctx->st);
		goto out;
	}
	if (store_commit(ctx->st) != RC_OK)
		goto out;
	rc = RC_OK;
out:
	json_decref(objs);
	return rc;
}

/* Records an app release (app_add.h). */
int
app_release_add(struct ca_context *ctx, struct app_add_req *req, struct app_add_result *res)
{
	struct app_release rel = { 0 }, existing = { 0 };
	struct app_build build = { 0 };
	char *pin_ptrs[APP_MAX_PINS];
	int rc;

	if (req->from_current && (rc = pins_from_current(ctx, req->pins, &req->npins)) != RC_OK)
		goto out;
	if ((rc = store_app_get(ctx->st, req->name, &existing)) != STORE_NOT_FOUND) {
		if (rc == RC_OK)
			pinca_warnx("app release '%s' exists already (%s); pick another name", req->name,
			    existing.state);
		rc = RC_FAIL;
		goto out;
	}
	if (req->nfrom && ((rc = app_build_read_all(req->from, req->nfrom, &build)) != RC_OK ||
	    (rc = app_build_release(&build, &rel)) != RC_OK))
		goto out;
	if (req->nfrom == 0) {
		for (size_t i = 0; i < req->npins; i++)
			pin_ptrs[i] = req->pins[i];
		rel.pins = pin_ptrs;
		rel.npins = req->npins;
	}
	rel.name = (char *)req->name;
	rel.created_at = (int64_t)time(NULL);
	if ((rc = release_refuse_retired_roots(ctx, rel.pins, rel.npins)) != RC_OK ||
	    (rc = release_matches_today(ctx, &rel, req->force)) != RC_OK)
		goto out;
	rc = app_record(ctx, &rel, req->force, res);
out:
	if (req->nfrom)
		free(rel.pins);
	app_build_free(&build);
	app_release_clear(&existing);
	return rc;
}

/* Drops the JSON app_release_add filled. */
void
app_add_result_clear(struct app_add_result *res)
{
	json_decref(res->pins);
	json_decref(res->domains);
	res->pins = res->domains = NULL;
}

/* Retires a release (app_release.h). */
int
app_release_retire(struct ca_context *ctx, const char *name, struct app_release *r)
{
	json_t *objs = NULL;
	int rc;

	if ((rc = store_app_get(ctx->st, name, r)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("no app release '%s' (see 'pinca app list')", name);
		return RC_FAIL;
	}
	rc = RC_FAIL;
	if (strcmp(r->state, "retired") == 0) {
		pinca_warnx("app release '%s' is retired already", r->name);
		return RC_FAIL;
	}
	objs = json_pack("{s:s}", "release", r->name);
	if (objs == NULL || store_begin(ctx->st) != RC_OK)
		goto out;
	if (store_app_retire(ctx->st, r->id, (int64_t)time(NULL)) != RC_OK ||
	    store_audit(ctx->st, "app.retire", objs) != RC_OK) {
		store_rollback(ctx->st);
		goto out;
	}
	if (store_commit(ctx->st) == RC_OK)
		rc = RC_OK;
out:
	json_decref(objs);
	return rc;
}
