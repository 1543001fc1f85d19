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

#include "ca/app_release.h"
#include "ca/appread.h"
#include "ca/appview.h"
#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

enum { OPT_PIN = 20, OPT_FROM_CURRENT, OPT_FROM };


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

/* Prints what was recorded: text or JSON. */
static int
app_add_print(const char *name, const struct app_add_result *res, int json)
{
	size_t npins = json_array_size(res->pins), ndomains = json_array_size(res->domains);

	if (json)
		return json_print(json_pack("{s:s,s:s,s:O,s:O}", "name", name, "state", "supported",
		    "pins", res->pins, "domains", res->domains));
	printf("app release %s recorded with %zu pin%s", name, npins, npins == 1 ? "" : "s");
	if (ndomains)
		printf(" for %zu domain%s", ndomains, ndomains == 1 ? "" : "s");
	printf(":\n");
	for (size_t i = 0; i < npins; i++)
		printf("  %s\n", json_string_value(json_array_get(res->pins, i)));
	return RC_OK;
}

/* app add: the release recorded (app_release_add), then what it carries. */
static int
cmd_app_add(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	char pins[APP_MAX_PINS][PIN_LEN], **rest, *from[APP_MAX_FROM];
	struct app_add_req req = { .pins = pins, .from = from };
	struct app_add_result res = { 0 };
	struct ca_context ctx = { 0 };
	int id, rc, json = 0;
	struct opts o;

	opts_init(&o, argc, argv, &add_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_FROM_CURRENT: req.from_current = 1; break;
		case OPT_FORCE: req.force = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_FROM:
			if (req.nfrom == APP_MAX_FROM)
				return rc_exit(opts_usage_error(&add_help, "at most %d --from", APP_MAX_FROM));
			from[req.nfrom++] = (char *)arg;
			break;
		case OPT_PIN:
			if (!pin_is_valid(arg))
				return rc_exit(opts_usage_error(&add_help, "--pin '%s' is not a pin: "
				    "sha256/ + 44 base64 characters of a SHA-256", arg));
			if ((rc = app_pin_list_add(pins, &req.npins, arg)) != RC_OK)
				return rc_exit(rc);
			break;
		}
	}
	if (opts_rest(&o, &rest) != 1 || !app_name_valid(rest[0]))
		return rc_exit(opts_usage_error(&add_help, "name one release: 1-%d printable characters, "
		    "no spaces", APP_NAME_MAX));
	if (req.nfrom && (req.npins || req.from_current))
		return rc_exit(opts_usage_error(&add_help, "--from reads the pins from the build: "
		    "it does not mix with --pin or --from-current"));
	/* Without --pin the release carries what `pinca pins` hands out. */
	if (req.npins == 0 && req.nfrom == 0)
		req.from_current = 1;
	req.name = rest[0];
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	ctx.report = &pinca_report_stdio;	/* --force warnings */
	if ((rc = app_release_add(&ctx, &req, &res)) == RC_OK)
		rc = app_add_print(req.name, &res, json);
	app_add_result_clear(&res);
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
	ctx.report = &pinca_report_stdio;	/* --force warnings */
	ls.ctx = &ctx;
	rc = RC_FAIL;
	if (app_served_today(&ctx, &ls.sk) != RC_OK || (json && (ls.arr = json_array()) == NULL))
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

/* app retire: the release retired (app_release_retire), then said so. */
static int
cmd_app_retire(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_context ctx = { 0 };
	struct app_release r = { 0 };
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
	ctx.report = &pinca_report_stdio;	/* --force warnings */
	if ((rc = app_release_retire(&ctx, rest[0], &r)) == RC_OK)
		printf("app release %s retired: the pin guard no longer protects its pins\n", r.name);
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
