/* cmd_ca_crl_url: `pinca ca set-crl-url`: where a CA's CRL is published,
 * for the certificates it signs from now on (ca_crl_url_set, ca/crl_url.c). */
#include <stdio.h>
#include <string.h>

#include "ca/cmd.h"
#include "ca/crl_url.h"
#include "common/err.h"
#include "common/opts.h"

enum { OPT_NONE = 20 };

static const struct opt_spec set_crl_url_opts[] = {
	OPT_SPEC_DIR,
	{ "none", 0, OPT_NONE, NULL, "remove the URL: what the CA signs next has no CRL distribution point" },
	OPT_END_SPEC,
};
static const struct cmd_help set_crl_url_help = {
	"ca set-crl-url", "(root|standby|intermediate|SERIAL|next) (URL | --none)",
	"Sets where a CA's CRL is published. The URL goes into the CRL distribution\n"
	"point of every certificate that CA signs from now on: the root's into its\n"
	"intermediates, an intermediate's into its leaves; certificates already\n"
	"issued keep theirs. The CA's key must be in this directory. 'next' sets\n"
	"the URL of the CA made next here (what 'pinca init --crl-url' sets).",
	set_crl_url_opts,
};

int
cmd_ca_set_crl_url(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg, *why, *url;
	struct ca_context ctx;
	struct ca_record ca = { 0 };
	struct opts o;
	char **rest;
	int id, rc, none = 0, n;

	opts_init(&o, argc, argv, &set_crl_url_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_NONE)
			none = 1;
	}
	n = opts_rest(&o, &rest);
	if (n != (none ? 1 : 2))
		return rc_exit(opts_usage_error(&set_crl_url_help,
		    "name one CA and give one URL (or --none)"));
	url = none ? NULL : rest[1];
	if (url && !crl_url_valid(url, &why))
		return rc_exit(opts_usage_error(&set_crl_url_help, "the CRL URL %s", why));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = ca_crl_url_set(&ctx, rest[0], url, &ca)) == RC_OK && strcmp(rest[0], "next") == 0)
		printf("the CA made next in %s: %s\n", ctx.dir, url ? url : "no CRL URL");
	else if (rc == RC_OK)
		printf("%s '%s' (serial %s): %s\n  what it signs from now on %s\n", ca.role, ca.cn,
		    ca.serial ? ca.serial : "pending", url ? url : "no CRL URL",
		    url ? "carries this CRL distribution point" : "carries no CRL distribution point");
	ca_record_clear(&ca);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
