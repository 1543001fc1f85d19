/* cmd_app: `pinca app add|list|retire`: the app releases in users' hands
 * and the pins each carries. A supported release is what the pin guard
 * (ca/guard.c) protects; retiring it lifts that protection. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_PIN = 20, OPT_FROM_CURRENT };

#define APP_MAX_PINS 16
#define APP_NAME_MAX 64

static const struct opt_spec add_opts[] = {
	OPT_SPEC_DIR,
	{ "pin", 1, OPT_PIN, "PIN", "a pin the release carries, sha256/BASE64 (repeatable)" },
	{ "from-current", 0, OPT_FROM_CURRENT, NULL, "add the primary and standby root pins (the default without --pin)" },
	{ "force", 0, OPT_FORCE, NULL, "record a release that the served chain already fails" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help add_help = {
	"app add", "NAME [--pin PIN]... [--from-current] [--force]",
	"Records a shipped app release and its pins (by default the primary and\n"
	"standby root pins, as 'pinca pins' prints them). From then on the pin guard\n"
	"refuses any change that would leave the release without a matching key\n"
	"in the served chain, until 'pinca app retire NAME'.",
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

/* Refuses a release that the chain served today already fails. */
static int
release_matches_today(struct ca_context *ctx, const struct app_release *r, int force)
{
	struct served_keys sk = { 0 };
	int matches;

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

static int
cmd_app_add(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	char pins[APP_MAX_PINS][PIN_LEN], **rest, *pin_ptrs[APP_MAX_PINS];
	struct ca_context ctx = { 0 };
	struct app_release rel = { 0 }, existing = { 0 };
	json_t *pin_arr = NULL, *objs = NULL;
	size_t npins = 0;
	int id, rc, from_current = 0, force = 0, json = 0;
	struct opts o;

	opts_init(&o, argc, argv, &add_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_FROM_CURRENT: from_current = 1; break;
		case OPT_FORCE: force = 1; break;
		case OPT_JSON: json = 1; break;
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
	/* Without --pin the release carries what `pinca pins` hands out. */
	if (npins == 0)
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
	for (size_t i = 0; i < npins; i++)
		pin_ptrs[i] = pins[i];
	rel.name = rest[0];
	rel.pins = pin_ptrs;
	rel.npins = npins;
	rel.created_at = (int64_t)time(NULL);
	if ((rc = release_matches_today(&ctx, &rel, force)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if ((pin_arr = json_array()) == NULL)
		goto out;
	for (size_t i = 0; i < npins; i++)
		json_array_append_new(pin_arr, json_string(pins[i]));
	objs = json_pack("{s:s,s:O,s:b}", "release", rel.name, "pins", pin_arr, "forced", force);
	if (objs == NULL || store_begin(ctx.st) != RC_OK)
		goto out;
	if (store_app_insert(ctx.st, &rel) != RC_OK || store_audit(ctx.st, "app.add", objs) != RC_OK) {
		store_rollback(ctx.st);
		goto out;
	}
	if (store_commit(ctx.st) != RC_OK)
		goto out;
	if (json)
		rc = json_print(json_pack("{s:s,s:s,s:O}", "name", rel.name, "state", "supported",
		    "pins", pin_arr));
	else {
		printf("app release %s recorded with %zu pin%s:\n", rel.name, npins, npins == 1 ? "" : "s");
		for (size_t i = 0; i < npins; i++)
			printf("  %s\n", pins[i]);
		rc = RC_OK;
	}
out:
	json_decref(pin_arr);
	json_decref(objs);
	app_release_clear(&existing);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec list_opts[] = { OPT_SPEC_DIR, OPT_SPEC_JSON, OPT_END_SPEC };
static const struct cmd_help list_help = {
	"app list", "[--json]",
	"Lists the app releases, supported and retired, with their pins and\n"
	"whether the chain served today still matches them.",
	list_opts,
};

struct app_list_state {
	json_t *arr;
	struct served_keys sk;
};

static int
app_list_one(const struct app_release *r, void *arg)
{
	struct app_list_state *ls = arg;
	char created[32], retired[32];
	json_t *pins;
	int ok;

	ok = release_pins_any(r, (const char *const *)ls->sk.pins, ls->sk.n);
	time_rfc3339(r->created_at, created, sizeof(created));
	if (r->retired_at)
		time_rfc3339(r->retired_at, retired, sizeof(retired));
	if (ls->arr) {
		if ((pins = json_array()) == NULL)
			return RC_FAIL;
		for (size_t i = 0; i < r->npins; i++)
			json_array_append_new(pins, json_string(r->pins[i]));
		return json_array_append_new(ls->arr, json_pack("{s:s,s:s,s:s,s:s?,s:o,s:b}", "name",
		    r->name, "state", r->state, "created_at", created, "retired_at",
		    r->retired_at ? retired : NULL, "pins", pins, "matches_served_chain", ok)) == 0 ?
		    0 : RC_FAIL;
	}
	printf("%-24s %-10s %-20s %s\n", r->name, r->state, created,
	    ok ? "matches the served chain" : "MISSES the served chain");
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
	{ "retire", cmd_app_retire, "stop protecting a release's pins" },
	{ NULL, NULL, NULL },
};

int
cmd_app(int argc, char **argv)
{
	return subcommand_dispatch("app", app_commands, argc, argv);
}
