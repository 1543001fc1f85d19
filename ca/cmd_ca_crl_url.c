/* cmd_ca_crl_url: `pinca ca set-crl-url`: where a CA's CRL is published,
 * for the certificates it signs from now on (ca/crl_url.c). */
#include <stdio.h>
#include <stdlib.h>
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

/* Records the change in the audit log and commits it. */
static int
commit_change(struct ca_context *ctx, const char *which, const struct ca_record *ca,
    const char *url, const char *previous)
{
	json_t *objs = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?}", "ca", which, "serial",
	    ca ? ca->serial : NULL, "cn", ca ? ca->cn : NULL, "url", url, "previous", previous);

	if (objs == NULL || store_audit(ctx->st, "ca.crl_url", objs) != RC_OK ||
	    store_commit(ctx->st) != RC_OK) {
		json_decref(objs);
		store_rollback(ctx->st);
		return RC_FAIL;
	}
	json_decref(objs);
	return RC_OK;
}

/* Sets the URL of one CA whose key is here, or the default for the next. */
static int
set_url(struct ca_context *ctx, const char *which, const char *url)
{
	struct ca_record ca = { 0 };
	char *previous = NULL;
	int rc = RC_FAIL, next = strcmp(which, "next") == 0;

	if (!next) {
		if ((rc = ca_find_named(ctx, which, &ca)) != RC_OK)
			return rc == STORE_NOT_FOUND ? RC_FAIL : rc;
		rc = RC_FAIL;
		if (ca.key_path == NULL) {
			pinca_warnx("the key of %s '%s' is not in %s: set its CRL URL in the CA directory "
			    "where it signs", ca.role, ca.cn, ctx->dir);
			goto out;
		}
	}
	if (store_begin(ctx->st) != RC_OK)
		goto out;
	if ((next ? store_setting_get(ctx->st, CRL_URL_NEXT_SETTING, &previous) :
	    ca_crl_url_get(ctx, ca.id, &previous)) != RC_OK)
		goto rollback;
	if (next ? (url ? store_setting_set(ctx->st, CRL_URL_NEXT_SETTING, url) :
	    store_setting_delete(ctx->st, CRL_URL_NEXT_SETTING)) :
	    store_ca_crl_url_set(ctx->st, ca.id, url))
		goto rollback;
	if ((rc = commit_change(ctx, which, next ? NULL : &ca, url, previous)) != RC_OK)
		goto out;
	if (next)
		printf("the CA made next in %s: %s\n", ctx->dir, url ? url : "no CRL URL");
	else
		printf("%s '%s' (serial %s): %s\n  what it signs from now on %s\n", ca.role, ca.cn,
		    ca.serial ? ca.serial : "pending", url ? url : "no CRL URL",
		    url ? "carries this CRL distribution point" : "carries no CRL distribution point");
	goto out;
rollback:
	store_rollback(ctx->st);
out:
	free(previous);
	ca_record_clear(&ca);
	return rc;
}

int
cmd_ca_set_crl_url(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg, *why, *url;
	struct ca_context ctx;
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
	rc = set_url(&ctx, rest[0], url);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
