/* cmd_db_migrate: `pinca db migrate --to URL`: moves a CA directory's
 * SQLite store into an empty PostgreSQL database (db/store_migrate.c copies),
 * checks the copy as `db check` and `db audit` would, and then records the
 * database in the CA directory, so every later command uses it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ca/context.h"
#include "ca/dbcheck.h"
#include "common/cadir.h"
#include "common/cadir_db.h"
#include "common/cmdline.h"
#include "common/dburl.h"
#include "common/err.h"
#include "common/opts.h"
#include "db/cmd.h"

enum { OPT_TO = 20 };
static const struct opt_spec migrate_opts[] = {
	OPT_SPEC_DIR,
	{ "to", 1, OPT_TO, "URL", "the PostgreSQL database to copy into (it must hold no CA yet)" },
	OPT_END_SPEC,
};
static const struct cmd_help migrate_help = {
	"db migrate", "--to URL",
	"Copies the CA directory's SQLite store (DIR/pinca.db) into the empty\n"
	"PostgreSQL database URL: every table, ids kept, in one transaction, while\n"
	"the SQLite store is locked against writers (stop 'pinca serve' first).\n"
	"Prints the rows copied per table, then runs the checks of 'db check' and\n"
	"'db audit' on the copy. When they pass, DIR/database records URL, so\n"
	"every later command uses PostgreSQL, and DIR/pinca.db is renamed\n"
	"DIR/pinca.db.migrated (kept, no longer used). A database that already\n"
	"has rows is refused and nothing is written. The password comes from\n"
	"~/.pgpass or $PGPASSFILE, not from the URL.",
	migrate_opts,
};

/* Prints one table's count. */
static void
migrate_count(const char *table, int64_t rows, void *arg)
{
	int64_t *total = arg;

	*total += rows;
	printf("copied %8lld rows of %s\n", (long long)rows, table);
}

/* Prints a problem the check of the copy found. */
static int
migrate_problem(const char *line, void *arg)
{
	(void)arg;
	printf("problem: %s\n", line);
	return 0;
}

/* Counts the audit records of the copy and the links that do not verify. */
static int
migrate_audit_one(const struct audit_record *r, int ok, void *arg)
{
	long *counts = arg;

	(void)r;
	counts[0]++;
	if (!ok)
		counts[1]++;
	return 0;
}

/* Runs db check's and db audit's checks on the copy; RC_OK when both pass. */
static int
migrate_verify(struct store *dst, const char *dir, const char *shown)
{
	struct db_check c;
	long audit[2] = { 0, 0 };

	memset(&c, 0, sizeof(c));
	c.st = dst;
	c.dir = dir;
	c.report = migrate_problem;
	if (db_check_run(&c) != RC_OK || store_audit_each(dst, migrate_audit_one, audit) != RC_OK)
		return RC_FAIL;
	printf("db check on %s: %ld CAs, %ld certificates, %ld revocations, %ld audit records: "
	    "%ld problem%s\n", shown, c.cas, c.certificates, c.revocations, c.audit_records,
	    c.problems, c.problems == 1 ? "" : "s");
	printf("db audit on %s: %ld records; hash chain %s\n", shown, audit[0],
	    audit[1] ? "BROKEN" : "intact");
	if (c.problems || audit[1]) {
		pinca_warnx("the copy in %s failed its checks (listed above); %s still uses its "
		    "SQLite store", shown, dir);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Records the new database in dir and puts the old file aside. */
static int
migrate_switch(const char *dir, const char *url, const char *shown)
{
	char db[4096], aside[4200];

	if (cadir_db_record(dir, url) != RC_OK || cadir_path(db, sizeof(db), dir, CADIR_DB) != RC_OK)
		return RC_FAIL;
	snprintf(aside, sizeof(aside), "%s.migrated", db);
	/* A removed DIR/database must not bring the old file back into use
	 * silently, with revocations it never saw. */
	if (rename(db, aside) == -1) {
		pinca_warn("%s now uses %s, but %s could not be renamed %s", dir, shown, db, aside);
		return RC_FAIL;
	}
	printf("%s now uses %s; its SQLite store is kept as %s\n", dir, shown, aside);
	return RC_OK;
}

int
cmd_db_migrate(int argc, char **argv)
{
	const char *flag_dir = NULL, *url = NULL, *arg;
	char shown[CADIR_TARGET_MAX];
	struct ca_context ctx;
	struct store *dst = NULL;
	struct opts o;
	int64_t total = 0;
	char **rest;
	int id, rc;

	opts_init(&o, argc, argv, &migrate_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_TO)
			url = arg;
	}
	if (opts_rest(&o, &rest) != 0)
		return rc_exit(opts_usage_error(&migrate_help, "db migrate takes no arguments"));
	if (url == NULL)
		return rc_exit(opts_usage_error(&migrate_help, "name the target with --to URL"));
	if (cadir_db_check_wanted(url, "--to") != RC_OK)
		return PINCA_EXIT_USAGE;
	dburl_redact(url, shown, sizeof(shown));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if (store_is_postgres(ctx.st)) {
		pinca_warnx("%s already keeps its store in PostgreSQL (%s); db migrate copies a SQLite "
		    "store", ctx.dir, store_path(ctx.st));
		rc = RC_FAIL;
		goto out;
	}
	/* Opening makes the schema, at this pinca's version, as the source's. */
	rc = RC_FAIL;
	if (store_open(url, 0, &dst) != RC_OK || store_set_audit_command(dst, cmdline_audit()) != RC_OK ||
	    store_copy_all(ctx.st, dst, migrate_count, &total) != RC_OK)
		goto out;
	printf("copied %lld rows from %s to %s\n", (long long)total, store_path(ctx.st), shown);
	if (migrate_verify(dst, ctx.dir, shown) != RC_OK)
		goto out;
	ca_context_close(&ctx);
	rc = migrate_switch(ctx.dir, url, shown);
out:
	store_close(dst);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
