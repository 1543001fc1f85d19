/* renew: renewing lineages and deploying them. One run (a `pinca renew`)
 * holds the CA directory's renewal lock, renews the lineages it is given,
 * writes their files, and runs the deploy hook once for every lineage that
 * is owed one (this run's and those whose hook failed before). */
#ifndef PINCA_RENEW_H
#define PINCA_RENEW_H

#include <jansson.h>

#include "issue/leaf.h"
#include "issue/outputs.h"

struct renew_run {
	struct issuer *is;
	int new_key, force, json, hook;	/* hook: --exec was given */
	int due_mode;			/* --due/--all: per-lineage problems are failures */
	long days;
	const char *csr_path;
	int renewed, failed;
	int first_error;		/* the RC_* of the first failure */
	json_t *results;
	/* The run's lines: "NAME<TAB>SERIAL<TAB>HOW" per renewed lineage
	 * (REPORT_OUT, without --json) and the error line of each lineage
	 * that failed (REPORT_NOTE): the run goes on after one. */
	const struct pinca_report *report;
	int ran;			/* renew_selected renewed (or tried to) */
};

/* What one `pinca renew` renews: the lineage name, or those ending within
 * due days (--due, -1 when not given) or all of them (--all); exec_cmd is
 * the deploy hook (--exec) or NULL. */
struct renew_selection {
	const char *name;
	long due;
	int all;
	const char *exec_cmd;
};

/* One renew run (issue/renew_select.c): takes the renewal lock, opens the
 * issuer, renews what sel names (each lineage's result counted in run and
 * appended to run->results), runs the hook, and releases the lock. Sets
 * run->ran once the renewals started. The RC_* of the first failure (a
 * failed hook: RC_FAIL). */
int renew_selected(struct ca_context *ctx, const struct pass_source *src, struct renew_run *run,
    const struct renew_selection *sel);

/* Takes the CA directory's renewal lock (flock on the directory): when
 * another renew holds it, says so in one line (a REPORT_NOTE to report) and
 * waits. Returns the lock's descriptor (closed by renew_unlock) or -1 with
 * an error line. */
int renew_lock(const char *dir, const struct pinca_report *report);
void renew_unlock(int fd);
/* Renews lineage l: signs (same key, --new-key or --csr), records, then
 * writes the files. When l's last deploy did not finish and the run is
 * --due/--all, writes the recorded certificate's files instead of signing
 * again. Counts the result in run, and hands a failure's error line to
 * run->report; RC_* of the lineage. */
int renew_lineage(struct renew_run *run, const struct lineage_record *l);
/* Runs cmd with /bin/sh -c for every lineage owed a deploy hook whose files
 * are in place; on success they are no longer owed one. RC_OK also when
 * none is owed (cmd does not run). */
int renew_run_hook(struct renew_run *run, const char *cmd);
/* For --dry-run: the line that names the lineages owed a deploy hook
 * (REPORT_OUT to report), if any is. */
void renew_print_hook_pending(struct store *st, const char *cmd, const struct pinca_report *report);

#endif
