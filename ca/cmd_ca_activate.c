/* cmd_ca_activate: `pinca ca activate standby`: moves issuance to an
 * intermediate under the standby root, the drill for a compromised primary
 * root. Apps that pin both roots keep working; the pin guard refuses the
 * move while a supported release pins only the primary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/activate.h"
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

/* Prints what ca activate did: already so, or the intermediate that issues
 * again (text or JSON). */
static int
print_activated(const struct ca_activate_result *res, int json)
{
	const struct ca_record *inter = &res->intermediate, *standby = &res->standby;
	char cn1[TEXT_SAFE_NAME], cn2[TEXT_SAFE_NAME];

	if (res->outcome == CA_ACTIVATE_ALREADY) {
		printf("issuance already runs under standby root '%s' (intermediate %s)\n",
		    text_safe(standby->cn, cn1, sizeof(cn1)), text_safe(inter->cn, cn2, sizeof(cn2)));
		return RC_OK;
	}
	if (json)
		return json_print(json_pack("{s:s?,s:s,s:s?}", "intermediate", inter->serial, "root",
		    standby->cn, "retired", res->retired_serial));
	printf("intermediate %s (%s) issues again, under standby root '%s'\n"
	    "next: renew the leaves ('pinca renew --due 100000') and deploy them\n",
	    text_safe(inter->cn, cn1, sizeof(cn1)), inter->serial,
	    text_safe(standby->cn, cn2, sizeof(cn2)));
	return RC_OK;
}

/* ca activate standby: ca_activate_standby, then what it did; in one-machine
 * mode with no intermediate stored, `ca intermediate --root standby`. */
int
cmd_ca_activate(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_activate_result res = { 0 };
	struct ca_context ctx = { 0 };
	char **rest;
	int id, rc, force = 0, json = 0;
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
	rc = ca_activate_standby(&ctx, force, &res);
	ca_context_close(&ctx);
	if (rc == RC_OK && res.outcome == CA_ACTIVATE_NEEDS_NEW) {
		rc = make_standby_intermediate(argc, argv, rest, &res.standby);
		ca_activate_result_clear(&res);
		return rc;
	}
	if (rc == RC_OK)
		rc = print_activated(&res, json);
	ca_activate_result_clear(&res);
	return rc_exit(rc);
}
