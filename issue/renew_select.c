/* renew_select: one `pinca renew` run, from what it selects to the hook:
 * the lineage named, or those --due/--all pick, each renewed under the CA
 * directory's renewal lock (issue/renew.c renews one), then the deploy
 * hook once. The command (issue/cmd_renew.c) prints the results. */
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "issue/renew.h"

/* store_lineage_each_renewable callback: keeps the lineage's name (the run
 * reads each lineage again when its turn comes). */
static int
renew_collect(const struct lineage_record *l, void *arg)
{
	json_t *names = arg;

	return json_array_append_new(names, json_string(l->name)) == 0 ? RC_OK : RC_FAIL;
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

/* Renews what sel names, holding the renewal lock, and runs the hook.
 * Returns the RC_* of the run. */
static int
renew_locked(struct ca_context *ctx, struct renew_run *run, const struct renew_selection *sel)
{
	int64_t now = (int64_t)time(NULL);
	json_t *names = json_array();
	struct lineage_record l;
	int rc = RC_OK;

	if (sel->name) {
		if ((rc = store_lineage_get(ctx->st, sel->name, &l)) == RC_OK) {
			renew_lineage(run, &l);
			lineage_record_clear(&l);
		} else {
			if (rc == STORE_NOT_FOUND)
				pinca_warnx("no lineage '%s' (see 'pinca db list')", sel->name);
			run->failed++;
			run->first_error = RC_FAIL;
			pinca_report_error(run->report);
		}
	} else if (names == NULL || store_lineage_each_renewable(ctx->st, now,
	    now + (int64_t)sel->due * 86400, sel->all, renew_collect, names) != RC_OK) {
		run->failed++;
		run->first_error = RC_FAIL;
		pinca_report_error(run->report);
	} else {
		renew_picked(run, names);
	}
	json_decref(names);
	if (run->failed)
		rc = run->first_error ? run->first_error : RC_FAIL;
	/* The hook runs when any lineage is owed one, even if another failed. */
	if (sel->exec_cmd && renew_run_hook(run, sel->exec_cmd) != RC_OK && rc == RC_OK)
		rc = RC_FAIL;
	/* Each failure was its own line as it happened (the run went on). */
	pinca_report_error(run->report);
	return rc;
}

/* One renew run under the lock (renew.h). */
int
renew_selected(struct ca_context *ctx, const struct pass_source *src, struct renew_run *run,
    const struct renew_selection *sel)
{
	struct issuer is;
	int lock, rc;

	memset(&is, 0, sizeof(is));
	if ((lock = renew_lock(ctx->dir, run->report)) == -1)
		return RC_FAIL;
	if ((rc = issuer_open(ctx, src, &is)) == RC_OK) {
		run->is = &is;
		run->ran = 1;
		rc = renew_locked(ctx, run, sel);
		run->is = NULL;
	}
	issuer_close(&is);
	renew_unlock(lock);
	return rc;
}
