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
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_SPEC_MODULE,
	OPT_SPEC_PIN_FILE,
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

/* What --due/--all select: the names, and why each is selected. */
struct renew_pick {
	int64_t now;
	int dry_run;
	json_t *names;
};

/* store_lineage_each_renewable callback: keeps the lineage's name (the run
 * reads each lineage again when its turn comes), or prints it (--dry-run). */
static int
renew_pick_one(const struct lineage_record *l, void *arg)
{
	struct renew_pick *p = arg;
	char na[32];

	if (p->dry_run) {
		time_rfc3339(l->last_not_after, na, sizeof(na));
		if (l->deploy_pending)
			printf("%s\twould write its files again\n", l->name);
		else
			printf("%s\twould renew (ends %s)\n", l->name, na);
		return RC_OK;
	}
	return json_array_append_new(p->names, json_string(l->name)) == 0 ? RC_OK : RC_FAIL;
}

/* Renews each lineage picked by --due/--all, reading it afresh. */
static void
renew_picked(struct renew_run *run, json_t *names)
{
	struct lineage_record l;
	json_t *v;
	size_t i;

	json_array_foreach(names, i, v) {
		if (store_lineage_get(run->is->ctx->st, json_string_value(v), &l) != RC_OK) {
			if (run->failed++ == 0)
				run->first_error = RC_FAIL;
			pinca_report_error(run->report);
			continue;
		}
		renew_lineage(run, &l);
		lineage_record_clear(&l);
	}
}

/* --dry-run: what would be renewed, and the hook that would run. */
static int
renew_dry_run(struct ca_context *ctx, const char *name, long due, int all, const char *exec_cmd)
{
	struct renew_pick pick = { (int64_t)time(NULL), 1, NULL };
	struct lineage_record l;
	int rc;

	if (name) {
		if ((rc = store_lineage_get(ctx->st, name, &l)) != RC_OK) {
			if (rc == STORE_NOT_FOUND)
				pinca_warnx("no lineage '%s' (see 'pinca db list')", name);
			return RC_FAIL;
		}
		printf("%s\twould renew\n", l.name);
		lineage_record_clear(&l);
	} else if (store_lineage_each_renewable(ctx->st, pick.now, pick.now + (int64_t)due * 86400,
	    all, renew_pick_one, &pick) != RC_OK) {
		return RC_FAIL;
	}
	if (exec_cmd)
		renew_print_hook_pending(ctx->st, exec_cmd, &pinca_report_stdio);
	return RC_OK;
}

/* Renews what the command line names, holding the renewal lock, and runs
 * the hook. Returns the RC_* of the run. */
static int
renew_locked(struct ca_context *ctx, struct renew_run *run, const char *name, long due,
    int all, const char *exec_cmd)
{
	struct renew_pick pick = { (int64_t)time(NULL), 0, json_array() };
	struct lineage_record l;
	int rc = RC_OK;

	if (name) {
		if ((rc = store_lineage_get(ctx->st, name, &l)) == RC_OK) {
			renew_lineage(run, &l);
			lineage_record_clear(&l);
		} else {
			if (rc == STORE_NOT_FOUND)
				pinca_warnx("no lineage '%s' (see 'pinca db list')", name);
			run->failed++;
			run->first_error = RC_FAIL;
			pinca_report_error(run->report);
		}
	} else if (pick.names == NULL || store_lineage_each_renewable(ctx->st, pick.now,
	    pick.now + (int64_t)due * 86400, all, renew_pick_one, &pick) != RC_OK) {
		run->failed++;
		run->first_error = RC_FAIL;
		pinca_report_error(run->report);
	} else {
		renew_picked(run, pick.names);
	}
	json_decref(pick.names);
	if (run->failed)
		rc = run->first_error ? run->first_error : RC_FAIL;
	/* The hook runs when any lineage is owed one, even if another failed. */
	if (exec_cmd && renew_run_hook(run, exec_cmd) != RC_OK && rc == RC_OK)
		rc = RC_FAIL;
	/* Each failure was its own line as it happened (the run went on). */
	pinca_report_error(run->report);
	return rc;
}

int
cmd_renew(int argc, char **argv)
{
	const char *flag_dir = NULL, *exec_cmd = NULL, *arg, *name;
	struct pass_source src = { 0 };
	struct ca_context ctx = { 0 };
	struct issuer is;
	struct renew_run run;
	long due = -1;
	char **rest;
	int id, rc, nrest, all = 0, dry_run = 0, lock = -1;
	struct opts o;

	memset(&run, 0, sizeof(run));
	memset(&is, 0, sizeof(is));
	opts_init(&o, argc, argv, &renew_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_JSON: run.json = 1; break;
		case OPT_FORCE: run.force = 1; break;
		case OPT_NEW_KEY: run.new_key = 1; break;
		case OPT_CSR: run.csr_path = arg; break;
		case OPT_EXEC: exec_cmd = arg; break;
		case OPT_ALL: all = 1; break;
		case OPT_DRY_RUN: dry_run = 1; break;
		case OPT_DUE:
			if (opts_parse_long(&renew_help, "due", arg, 0, 100000, &due) != RC_OK)
				return PINCA_EXIT_USAGE;
			break;
		case OPT_DAYS:
			if (opts_parse_long(&renew_help, "days", arg, 1, 100000, &run.days) != RC_OK)
				return PINCA_EXIT_USAGE;
			break;
		}
	}
	nrest = opts_rest(&o, &rest);
	if ((due >= 0) + all + (nrest == 1) != 1 || nrest > 1)
		return rc_exit(opts_usage_error(&renew_help, "name one lineage, or give --due DAYS or --all"));
	if (run.new_key && run.csr_path)
		return rc_exit(opts_usage_error(&renew_help, "--new-key and --csr exclude each other"));
	if (nrest == 0 && run.csr_path)
		return rc_exit(opts_usage_error(&renew_help, "--csr renews one lineage, not --due or --all"));
	name = nrest == 1 ? rest[0] : NULL;
	run.due_mode = name == NULL;
	run.hook = exec_cmd != NULL;
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if (dry_run) {
		rc = renew_dry_run(&ctx, name, due, all, exec_cmd);
		goto out;
	}
	ctx.report = &pinca_report_stdio;	/* the pin guard's --force warning */
	run.report = &pinca_report_stdio;
	if ((lock = renew_lock(ctx.dir, run.report)) == -1) {
		rc = RC_FAIL;
		goto out;
	}
	if ((rc = issuer_open(&ctx, &src, &is)) != RC_OK)
		goto out;
	run.is = &is;
	run.results = json_array();
	rc = renew_locked(&ctx, &run, name, due, all, exec_cmd);
	if (run.json)
		json_print(json_incref(run.results));
	else if (name == NULL && run.renewed == 0 && run.failed == 0 && isatty(STDOUT_FILENO))
		printf("nothing due\n");	/* cron mails any output: stay quiet */
out:
	json_decref(run.results);
	issuer_close(&is);
	renew_unlock(lock);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
