/* cmd_app: `pinca app add|list|retire`: the app releases in users' hands
 * and the pins each carries, given with --pin or read from the app build
 * with --from (ca/appread.c). A supported release is what the pin guard
 * (ca/guard.c) protects; retiring it lifts that protection. `app show` is
 * in cmd_app_show.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/appread.h"
#include "ca/appview.h"
#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

enum { OPT_PIN = 20, OPT_FROM_CURRENT, OPT_FROM };

#define APP_MAX_PINS 16
#define APP_NAME_MAX 64
#define APP_MAX_FROM 8

static const struct opt_spec add_opts[] = {
	OPT_SPEC_DIR,
	{ "pin", 1, OPT_PIN, "PIN", "a pin the release carries, sha256/BASE64 (repeatable)" },
	{ "from-current", 0, OPT_FROM_CURRENT, NULL, "add the primary and standby root pins (the default without --pin)" },
	{ "from", 1, OPT_FROM, "FILE", "read the pins from the app build: network security config XML, res/ directory, .apk, Info.plist (XML or binary) or .ipa (repeatable)" },
	{ "force", 0, OPT_FORCE, NULL, "record a release that the served chain already fails" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help add_help = {
	"app add", "NAME ([--pin PIN]... [--from-current] | --from FILE...) [--force]",
	"Records a shipped app release and its pins (by default the primary and\n"
	"standby root pins, as 'pinca pins' prints them). With --from, the pins are\n"
	"read from the build itself, per domain: an Android network security config\n"
	"(XML, the res/ directory, or inside an .apk, with the inline trust anchors),\n"
	"an iOS Info.plist (XML or binary, or inside an .ipa) with NSPinnedDomains or\n"
	"TrustKit's TSKConfiguration. Give --from twice to combine the Android and\n"
	"the iOS build of one release. A build that pins nothing is refused.\n"
	"From then on the pin guard refuses any change that would leave the release\n"
	"without a matching key in the served chain (per domain, by the platform's\n"
	"rule: any pin on Android and TrustKit; on iOS a CA and a leaf identity when\n"
	"both are given), until 'pinca app retire NAME'.",
	add_opts,
};

/* A release name: 1-64 printable characters. */
static int
app_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > APP_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			return 0;
	return 1;
}

/* Adds pin to the list unless it is there already. */
static int
pin_list_add(char pins[][PIN_LEN], size_t *n, const char *pin)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(pins[i], pin) == 0)
			return RC_OK;
	if (*n == APP_MAX_PINS)
		return opts_usage_error(&add_help, "at most %d pins per release", APP_MAX_PINS);
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
			rc = pin_list_add(pins, n, r.pin);
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

/* The keys served today: intermediate, root and every lineage's leaf key. */
static int
served_today(struct ca_context *ctx, struct served_keys *sk)
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
		fprintf(stderr, "pinca: warning: --force: release '%s' fails for domain %s with the "
		    "chain served today\n", r->name, r->domains[i].domain);
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
	if (served_today(ctx, &sk) != RC_OK) {
		served_keys_clear(&sk);
		return RC_FAIL;
	}
	matches = sk.n == 0 || release_pins_any(r, (const char *const *)sk.pins, sk.n);
	served_keys_clear(&sk);
	if (matches)
		return RC_OK;
	if (force) {
		fprintf(stderr, "pinca: warning: --force: release '%s' pins none of the keys served "
		    "today\n", r->name);
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

/* Records rel with its audit record; prints what was recorded. */
static int
app_record(struct ca_context *ctx, struct app_release *rel, int force, int json)
{
	json_t *pin_arr = NULL, *doms = NULL, *objs = NULL;
	int rc = RC_FAIL;

	if (release_json(rel, &pin_arr, &doms) != RC_OK)
		goto out;
	objs = json_pack("{s:s,s:O,s:O,s:b}", "release", rel->name, "pins", pin_arr, "domains", doms,
	    "forced", force);
	if (objs == NULL || store_begin(ctx->st) != RC_OK)
		goto out;
	if (store_app_insert(ctx->st, rel) != RC_OK || store_audit(ctx->st, "app.add", objs) != RC_OK) {
		store_rollback(ctx->st);
		goto out;
	}
	if (store_commit(ctx->st) != RC_OK)
		goto out;
	if (json) {
		rc = json_print(json_pack("{s:s,s:s,s:O,s:O}", "name", rel->name, "state", "supported",
		    "pins", pin_arr, "domains", doms));
		goto out;
	}
	printf("app release %s recorded with %zu pin%s", rel->name, rel->npins,
	    rel->npins == 1 ? "" : "s");
	if (rel->ndomains)
		printf(" for %zu domain%s", rel->ndomains, rel->ndomains == 1 ? "" : "s");
	printf(":\n");
	for (size_t i = 0; i < rel->npins; i++)
		printf("  %s\n", rel->pins[i]);
	rc = RC_OK;
out:
	json_decref(pin_arr);
	json_decref(doms);
	json_decref(objs);
	return rc;
}

static int
cmd_app_add(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	char pins[APP_MAX_PINS][PIN_LEN], **rest, *pin_ptrs[APP_MAX_PINS], *from[APP_MAX_FROM];
	struct ca_context ctx = { 0 };
	struct app_release rel = { 0 }, existing = { 0 };
	struct app_build build = { 0 };
	size_t npins = 0, nfrom = 0;
	int id, rc, from_current = 0, force = 0, json = 0;
	struct opts o;

	opts_init(&o, argc, argv, &add_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_FROM_CURRENT: from_current = 1; break;
		case OPT_FORCE: force = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_FROM:
			if (nfrom == APP_MAX_FROM)
				return rc_exit(opts_usage_error(&add_help, "at most %d --from", APP_MAX_FROM));
			from[nfrom++] = (char *)arg;
			break;
		case OPT_PIN:
			if (!pin_is_valid(arg))
				return rc_exit(opts_usage_error(&add_help, "--pin '%s' is not a pin: "
				    "sha256/ + 44 base64 characters of a SHA-256", arg));
			if ((rc = pin_list_add(pins, &npins, arg)) != RC_OK)
				return rc_exit(rc);
			break;
		}
	}
	if (opts_rest(&o, &rest) != 1 || !app_name_valid(rest[0]))
		return rc_exit(opts_usage_error(&add_help, "name one release: 1-%d printable characters, "
		    "no spaces", APP_NAME_MAX));
	if (nfrom && (npins || from_current))
		return rc_exit(opts_usage_error(&add_help, "--from reads the pins from the build: "
		    "it does not mix with --pin or --from-current"));
	/* Without --pin the release carries what `pinca pins` hands out. */
	if (npins == 0 && nfrom == 0)
		from_current = 1;
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if (from_current && (rc = pins_from_current(&ctx, pins, &npins)) != RC_OK)
		goto out;
	if ((rc = store_app_get(ctx.st, rest[0], &existing)) != STORE_NOT_FOUND) {
		if (rc == RC_OK)
			pinca_warnx("app release '%s' exists already (%s); pick another name", rest[0],
			    existing.state);
		rc = RC_FAIL;
		goto out;
	}
	if (nfrom && ((rc = app_build_read_all(from, nfrom, &build)) != RC_OK ||
	    (rc = app_build_release(&build, &rel)) != RC_OK))
		goto out;
	if (nfrom == 0) {
		for (size_t i = 0; i < npins; i++)
			pin_ptrs[i] = pins[i];
		rel.pins = pin_ptrs;
		rel.npins = npins;
	}
	rel.name = rest[0];
	rel.created_at = (int64_t)time(NULL);
	if ((rc = release_refuse_retired_roots(&ctx, rel.pins, rel.npins)) != RC_OK ||
	    (rc = release_matches_today(&ctx, &rel, force)) != RC_OK)
		goto out;
	rc = app_record(&ctx, &rel, force, json);
out:
	if (nfrom)
		free(rel.pins);
	app_build_free(&build);
	app_release_clear(&existing);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec list_opts[] = { OPT_SPEC_DIR, OPT_SPEC_JSON, OPT_END_SPEC };
static const struct cmd_help list_help = {
	"app list", "[--json]",
	"Lists the app releases, supported and retired, with their pins (and for\n"
	"releases read with --from, their domains) and whether the chain served\n"
	"today still matches them.",
	list_opts,
};

struct app_list_state {
	json_t *arr;
	struct served_keys sk;
	struct ca_context *ctx;
};

/* A release read from a build: its domains as JSON (with whether the chain
 * served today satisfies each) into *doms, and whether all are satisfied. */
static int
app_list_domains(struct app_list_state *ls, const struct app_release *r, json_t *doms, int *ok)
{
	struct app_domain_status *st = calloc(r->ndomains ? r->ndomains : 1, sizeof(*st));
	int has_next, rc = RC_FAIL;

	*ok = 1;
	if (st == NULL || app_view_status(ls->ctx, r, st, &has_next) != RC_OK)
		goto out;
	for (size_t i = 0; i < r->ndomains; i++) {
		*ok &= st[i].today;
		if (doms && json_array_append_new(doms, app_view_domain_json(&r->domains[i], &st[i])) != 0)
			goto out;
	}
	rc = RC_OK;
out:
	free(st);
	return rc;
}

static int
app_list_one(const struct app_release *r, void *arg)
{
	struct app_list_state *ls = arg;
	char created[32], retired[32], name[TEXT_SAFE_NAME];
	json_t *pins, *doms = NULL;
	int ok;

	ok = release_pins_any(r, (const char *const *)ls->sk.pins, ls->sk.n);
	if (ls->arr && (doms = json_array()) == NULL)
		return RC_FAIL;
	if (r->ndomains && app_list_domains(ls, r, doms, &ok) != RC_OK) {
		json_decref(doms);
		return RC_FAIL;
	}
	time_rfc3339(r->created_at, created, sizeof(created));
	if (r->retired_at)
		time_rfc3339(r->retired_at, retired, sizeof(retired));
	if (ls->arr) {
		if ((pins = json_array()) == NULL) {
			json_decref(doms);
			return RC_FAIL;
		}
		for (size_t i = 0; i < r->npins; i++)
			json_array_append_new(pins, json_string(r->pins[i]));
		return json_array_append_new(ls->arr, json_pack("{s:s,s:s,s:s,s:s?,s:o,s:o,s:b}", "name",
		    r->name, "state", r->state, "created_at", created, "retired_at",
		    r->retired_at ? retired : NULL, "pins", pins, "domains", doms,
		    "matches_served_chain", ok)) == 0 ? 0 : RC_FAIL;
	}
	printf("%-24s %-10s %-20s %s\n", text_safe(r->name, name, sizeof(name)), r->state, created,
	    ok ? "matches the served chain" : "MISSES the served chain");
	for (size_t i = 0; i < r->ndomains; i++)
		printf("  domain %s (%s, %s)\n", r->domains[i].domain, r->domains[i].platform,
		    app_domain_rule(&r->domains[i]));
	for (size_t i = 0; i < r->npins; i++)
		printf("  %s\n", r->pins[i]);
	return 0;
}

static int
cmd_app_list(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct app_list_state ls = { 0 };
	struct ca_context ctx = { 0 };
	struct opts o;
	int id, rc, json = 0;

	opts_init(&o, argc, argv, &list_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			json = 1;
	}
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	ls.ctx = &ctx;
	rc = RC_FAIL;
	if (served_today(&ctx, &ls.sk) != RC_OK || (json && (ls.arr = json_array()) == NULL))
		goto out;
	if ((rc = store_app_each(ctx.st, 0, app_list_one, &ls)) != RC_OK) {
		rc = RC_FAIL;
		goto out;
	}
	if (json) {
		rc = json_print(ls.arr);
		ls.arr = NULL;
	}
out:
	json_decref(ls.arr);
	served_keys_clear(&ls.sk);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec retire_opts[] = { OPT_SPEC_DIR, OPT_END_SPEC };
static const struct cmd_help retire_help = {
	"app retire", "NAME",
	"Marks an app release as no longer in users' hands: the pin guard stops\n"
	"protecting its pins. The release and its pins stay on record.",
	retire_opts,
};

static int
cmd_app_retire(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_context ctx = { 0 };
	struct app_release r = { 0 };
	json_t *objs = NULL;
	char **rest;
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, &retire_help);
	while ((id = opts_next(&o, &arg)) != 0)
		if (id == OPT_DIR)
			flag_dir = arg;
	if (opts_rest(&o, &rest) != 1)
		return rc_exit(opts_usage_error(&retire_help, "name one release"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = store_app_get(ctx.st, rest[0], &r)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("no app release '%s' (see 'pinca app list')", rest[0]);
		rc = RC_FAIL;
		goto out;
	}
	rc = RC_FAIL;
	if (strcmp(r.state, "retired") == 0) {
		pinca_warnx("app release '%s' is retired already", r.name);
		goto out;
	}
	objs = json_pack("{s:s}", "release", r.name);
	if (objs == NULL || store_begin(ctx.st) != RC_OK)
		goto out;
	if (store_app_retire(ctx.st, r.id, (int64_t)time(NULL)) != RC_OK ||
	    store_audit(ctx.st, "app.retire", objs) != RC_OK) {
		store_rollback(ctx.st);
		goto out;
	}
	if (store_commit(ctx.st) != RC_OK)
		goto out;
	printf("app release %s retired: the pin guard no longer protects its pins\n", r.name);
	rc = RC_OK;
out:
	json_decref(objs);
	app_release_clear(&r);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct subcommand app_commands[] = {
	{ "add", cmd_app_add, "record an app release and its pins" },
	{ "list", cmd_app_list, "list app releases and whether they match the served chain" },
	{ "show", cmd_app_show, "what a release pins per domain, today and after the next rotation" },
	{ "retire", cmd_app_retire, "stop protecting a release's pins" },
	{ NULL, NULL, NULL },
};

int
cmd_app(int argc, char **argv)
{
	return subcommand_dispatch("app", app_commands, argc, argv);
}
