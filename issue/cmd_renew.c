/* cmd_renew: `pinca renew NAME`, `pinca renew --due DAYS` and `pinca renew
 * --all`: a new certificate for a lineage, for the same public key unless
 * --new-key (or --csr) rotates it (issue/renew.c). Renewal reads no leaf
 * private key: the stored SPKI is signed again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "issue/cmd.h"
#include "issue/renew.h"

enum { OPT_DUE = 20, OPT_NEW_KEY, OPT_EXEC, OPT_CSR, OPT_DAYS, OPT_ALL, OPT_DRY_RUN };

static const struct opt_spec renew_opts[] = {
	OPT_SPEC_DIR,
	{ "due", 1, OPT_DUE, "DAYS", "renew every lineage that ends within DAYS and has less than a "
	    "third of its lifetime left" },
	{ "all", 0, OPT_ALL, NULL, "renew every lineage, due or not" },
	{ "dry-run", 0, OPT_DRY_RUN, NULL, "say what would be renewed; sign, write and run nothing" },
	{ "new-key", 0, OPT_NEW_KEY, NULL, "rotate the key (pinca-made keys; the pin guard applies)" },
	{ "csr", 1, OPT_CSR, "FILE", "rotate to the key of this CSR (lineages issued from a CSR)" },
	{ "days", 1, OPT_DAYS, "N", "validity in days (default: the lineage's)" },
	{ "exec", 1, OPT_EXEC, "CMD", "after renewals, run CMD with /bin/sh -c once for every lineage "
	    "renewed now or whose hook failed before" },
	{ "force", 0, OPT_FORCE, NULL, "override the pin guard (recorded in the audit log)" },
	OPT_SPEC_SIGNER,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help renew_help = {
	"renew", "(NAME | --due DAYS | --all) [--new-key | --csr FILE] [--days N] [--exec CMD]\n"
	"           [--dry-run] [--force]",
	"Renews a lineage: same names, same files, same key unless --new-key. For\n"
	"cron: 'pinca renew --due 30 --exec \"systemctl reload nginx\"' renews what\n"
	"ends within 30 days with less than a third of its lifetime left, writes again\n"
	"the files of a lineage whose last write failed, and runs the hook once if any\n"
	"lineage needs deploying (this run's, and those whose hook failed before). The\n"
	"hook sees PINCA_RENEWED (the lineage names), PINCA_RENEWED_COUNT and, for\n"
	"each lineage i from 1, PINCA_RENEWED_<i>_NAME, _CERT, _CHAIN, _FULLCHAIN and\n"
	"_KEY. A lineage that fails is one line and the others still renew; the exit\n"
	"status is the first failure's (3 for the pin guard), or 1 if the hook failed.",
	renew_opts,
};

/* store_lineage_each_renewable callback for --dry-run: prints the
 * lineage --due/--all would pick, and why. */
static int
renew_print_pick(const struct lineage_record *l, void *arg)
{
	char na[32];

	(void)arg;
	time_rfc3339(l->last_not_after, na, sizeof(na));
	if (l->deploy_pending)
		printf("%s\twould write its files again\n", l->name);
	else
		printf("%s\twould renew (ends %s)\n", l->name, na);
	return RC_OK;
}

/* --dry-run: what would be renewed, and the hook that would run. */
static int
renew_dry_run(struct ca_context *ctx, const struct renew_selection *sel)
{
	int64_t now = (int64_t)time(NULL);
	struct lineage_record l;
	int rc;

	if (sel->name) {
		if ((rc = store_lineage_get(ctx->st, sel->name, &l)) != RC_OK) {
			if (rc == STORE_NOT_FOUND)
				pinca_warnx("no lineage '%s' (see 'pinca db list')", sel->name);
			return RC_FAIL;
		}
		printf("%s\twould renew\n", l.name);
		lineage_record_clear(&l);
	} else if (store_lineage_each_renewable(ctx->st, now, now + (int64_t)sel->due * 86400,
	    sel->all, renew_print_pick, NULL) != RC_OK) {
		return RC_FAIL;
	}
	if (sel->exec_cmd)
		renew_print_hook_pending(ctx->st, sel->exec_cmd, &pinca_report_stdio);
	return RC_OK;
}

/* Reads renew's options into run, sel, src and *flag_dir, *dry_run.
 * RC_OK, or RC_USAGE with its line written. */
static int
renew_parse(int argc, char **argv, struct renew_run *run, struct renew_selection *sel,
    struct pass_source *src, const char **flag_dir, int *dry_run)
{
	const char *arg;
	char **rest;
	struct opts o;
	int id, nrest;

	opts_init(&o, argc, argv, &renew_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: *flag_dir = arg; break;
		case OPT_JSON: run->json = 1; break;
		case OPT_FORCE: run->force = 1; break;
		case OPT_NEW_KEY: run->new_key = 1; break;
		case OPT_CSR: run->csr_path = arg; break;
		case OPT_EXEC: sel->exec_cmd = arg; break;
		case OPT_ALL: sel->all = 1; break;
		case OPT_DRY_RUN: *dry_run = 1; break;
		case OPT_DUE:
			if (opts_parse_long(&renew_help, "due", arg, 0, 100000, &sel->due) != RC_OK)
				return RC_USAGE;
			break;
		case OPT_DAYS:
			if (opts_parse_long(&renew_help, "days", arg, 1, 100000, &run->days) != RC_OK)
				return RC_USAGE;
			break;
		}
	}
	nrest = opts_rest(&o, &rest);
	if ((sel->due >= 0) + sel->all + (nrest == 1) != 1 || nrest > 1)
		return opts_usage_error(&renew_help, "name one lineage, or give --due DAYS or --all");
	if (run->new_key && run->csr_path)
		return opts_usage_error(&renew_help, "--new-key and --csr exclude each other");
	if (nrest == 0 && run->csr_path)
		return opts_usage_error(&renew_help, "--csr renews one lineage, not --due or --all");
	sel->name = nrest == 1 ? rest[0] : NULL;
	run->due_mode = sel->name == NULL;
	run->hook = sel->exec_cmd != NULL;
	return RC_OK;
}

/* pinca renew: the dry run, or the run (renew_selected), then its results. */
int
cmd_renew(int argc, char **argv)
{
	const char *flag_dir = NULL;
	struct renew_selection sel = { .due = -1 };
	struct pass_source src = { 0 };
	struct ca_context ctx = { 0 };
	struct renew_run run;
	int rc, dry_run = 0;

	memset(&run, 0, sizeof(run));
	if ((rc = renew_parse(argc, argv, &run, &sel, &src, &flag_dir, &dry_run)) != RC_OK)
		return rc_exit(rc);
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	ctx.report = &pinca_report_stdio;	/* the pin guard's --force warning */
	run.report = &pinca_report_stdio;	/* a line per lineage, and each failure */
	if (dry_run) {
		rc = renew_dry_run(&ctx, &sel);
		goto out;
	}
	run.results = json_array();
	if ((rc = renew_selected(&ctx, &src, &run, &sel)) != RC_OK && !run.ran)
		goto out;	/* no lock, or no issuer: nothing ran */
	if (run.json)
		json_print(json_incref(run.results));
	else if (sel.name == NULL && run.renewed == 0 && run.failed == 0 && isatty(STDOUT_FILENO))
		printf("nothing due\n");	/* cron mails any output: stay quiet */
out:
	json_decref(run.results);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
