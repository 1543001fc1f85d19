/* cmd_ca_activate: `pinca ca activate standby`: moves issuance to an
 * intermediate under the standby root, the drill for a compromised primary
 * root. Apps that pin both roots keep working; the pin guard refuses the
 * move while a supported release pins only the primary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/authority.h"
#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

enum { OPT_CN = 20, OPT_KEY, OPT_DAYS };

static const struct opt_spec activate_opts[] = {
	OPT_SPEC_DIR,
	{ "cn", 1, OPT_CN, "NAME", "name of a new intermediate (default: STANDBY-CN Issuing CA)" },
	{ "key", 1, OPT_KEY, "TYPE", "key type of a new intermediate (default ec-p256)" },
	{ "days", 1, OPT_DAYS, "N", "validity of a new intermediate in days" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	{ "force", 0, OPT_FORCE, NULL, "override the pin guard (recorded in the audit log)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help activate_help = {
	"ca activate", "standby [--cn NAME] [--pass-file FILE] [--force]",
	"Moves issuance to an intermediate under the standby root. If an\n"
	"intermediate signed by the standby root was imported here before, it\n"
	"becomes active again; else, when the standby root's key is in this\n"
	"directory (one-machine mode), a new intermediate is made and signed by it.\n"
	"Refused (exit 3) while a supported app release pins none of the keys the\n"
	"server would then present. Renew the leaves afterwards.",
	activate_opts,
};

struct standby_search {
	int64_t standby_id, now;
	struct ca_record found;
	int have;
};

/* store_ca_each callback: keeps the newest usable intermediate whose key is
 * here and whose issuer is the standby root. */
static int
find_standby_intermediate(const struct ca_record *r, void *arg)
{
	struct standby_search *s = arg;

	if (strcmp(r->role, "intermediate") != 0 || r->issuer_id != s->standby_id ||
	    r->key_path == NULL || r->der == NULL || strcmp(r->state, "pending") == 0 ||
	    r->not_after <= s->now)
		return 0;
	ca_record_clear(&s->found);
	memset(&s->found, 0, sizeof(s->found));
	/* Only the fields used below are copied. */
	s->found.id = r->id;
	snprintf(s->found.state, sizeof(s->found.state), "%s", r->state);
	s->found.cn = strdup(r->cn);
	s->found.pin = strdup(r->pin);
	s->found.serial = r->serial ? strdup(r->serial) : NULL;
	s->have = s->found.cn && s->found.pin;
	return s->have ? 0 : RC_FAIL;
}

/* Makes a stored standby intermediate the active one. */
static int
reactivate(struct ca_context *ctx, const struct ca_record *inter, const struct ca_record *standby,
    int force, int json)
{
	struct ca_record old = { 0 };
	json_t *objs = NULL;
	int rc, have_old;

	if ((rc = guard_check_intermediate(ctx, inter, standby, force)) != RC_OK)
		return rc;
	if (store_begin(ctx->st) != RC_OK)
		return RC_FAIL;
	rc = RC_FAIL;
	have_old = store_ca_find_held(ctx->st, "intermediate", &old) == RC_OK;
	objs = json_pack("{s:s?,s:s?,s:s?,s:b}", "intermediate", inter->serial, "root", standby->serial,
	    "retired", have_old ? old.serial : NULL, "forced", force);
	if ((have_old && store_ca_set_state(ctx->st, old.id, "retired") != RC_OK) ||
	    store_ca_set_state(ctx->st, inter->id, "active") != RC_OK ||
	    store_audit(ctx->st, "ca.activate", objs) != RC_OK) {
		store_rollback(ctx->st);
		goto out;
	}
	if (store_commit(ctx->st) != RC_OK)
		goto out;
	if (json)
		rc = json_print(json_pack("{s:s?,s:s,s:s?}", "intermediate", inter->serial, "root",
		    standby->cn, "retired", have_old ? old.serial : NULL));
	else {
		char cn1[TEXT_SAFE_NAME], cn2[TEXT_SAFE_NAME];
		printf("intermediate %s (%s) issues again, under standby root '%s'\n"
		    "next: renew the leaves ('pinca renew --due 100000') and deploy them\n",
		    text_safe(inter->cn, cn1, sizeof(cn1)), inter->serial,
		    text_safe(standby->cn, cn2, sizeof(cn2)));
		rc = RC_OK;
	}
out:
	json_decref(objs);
	ca_record_clear(&old);
	return rc;
}

/* One-machine mode: `ca intermediate --root standby` with the same options. */
static int
make_standby_intermediate(int argc, char **argv, char **positional, const struct ca_record *standby)
{
	char cn_default[300], *args[32];
	int n = 0, has_cn = 0;

	args[n++] = "intermediate";
	args[n++] = "--root";
	args[n++] = "standby";
	for (int i = 1; i < argc && n < 28; i++) {
		if (&argv[i] == positional)	/* the word "standby" (getopt moved it last) */
			continue;
		if (strcmp(argv[i], "--cn") == 0 || strncmp(argv[i], "--cn=", 5) == 0)
			has_cn = 1;
		args[n++] = argv[i];
	}
	if (!has_cn) {
		snprintf(cn_default, sizeof(cn_default), "%s Issuing CA", standby->cn);
		args[n++] = "--cn";
		args[n++] = cn_default;
	}
	args[n] = NULL;
	return cmd_ca_intermediate(n, args);
}

int
cmd_ca_activate(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct standby_search s = { 0 };
	struct ca_context ctx = { 0 };
	struct ca_record standby = { 0 }, current = { 0 };
	char **rest;
	int id, rc, force = 0, json = 0, key_here;
	struct opts o;

	opts_init(&o, argc, argv, &activate_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_FORCE)
			force = 1;
		else if (id == OPT_JSON)
			json = 1;
	}
	if (opts_rest(&o, &rest) != 1 || strcmp(rest[0], "standby") != 0)
		return rc_exit(opts_usage_error(&activate_help, "say what to activate: 'standby'"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	ctx.report = &pinca_report_stdio;	/* the pin guard's --force warning */
	rc = RC_FAIL;
	if (store_ca_find(ctx.st, "standby", "active", &standby) != RC_OK) {
		pinca_warnx("no standby root known in %s", ctx.dir);
		goto out;
	}
	if ((rc = store_ca_find_held(ctx.st, "intermediate", &current)) == RC_FAIL)
		goto out;
	if (rc == RC_OK && current.issuer_id == standby.id) {
		char cn1[TEXT_SAFE_NAME], cn2[TEXT_SAFE_NAME];
		printf("issuance already runs under standby root '%s' (intermediate %s)\n",
		    text_safe(standby.cn, cn1, sizeof(cn1)), text_safe(current.cn, cn2, sizeof(cn2)));
		rc = RC_OK;
		goto out;
	}
	s.standby_id = standby.id;
	s.now = (int64_t)time(NULL);
	if (store_ca_each(ctx.st, find_standby_intermediate, &s) != RC_OK) {
		rc = RC_FAIL;
		goto out;
	}
	if (s.have) {
		rc = reactivate(&ctx, &s.found, &standby, force, json);
		goto out;
	}
	key_here = standby.key_path != NULL;
	if (!key_here) {
		pinca_warnx("no intermediate under the standby root in %s: run 'pinca ca csr --cn NAME "
		    "--out FILE' here, 'pinca ca sign --root standby --csr FILE --out FILE' on the root's "
		    "host, then 'pinca ca import --cert FILE --root-pin PIN' here (the primary's pin, from "
		    "the ceremony log)", ctx.dir);
		rc = RC_FAIL;
		goto out;
	}
	ca_context_close(&ctx);
	rc = make_standby_intermediate(argc, argv, rest, &standby);
	ca_record_clear(&standby);
	ca_record_clear(&current);
	ca_record_clear(&s.found);
	return rc;
out:
	ca_record_clear(&standby);
	ca_record_clear(&current);
	ca_record_clear(&s.found);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
