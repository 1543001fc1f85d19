/* test_store: opening and creating the database (db/store.c, db/schema.c):
 * schema version, refusing a foreign SQLite file, a non-database and a newer
 * schema; settings; and the hash-chained audit log (db/audit.c): append,
 * verify, roll back with its transaction, triggers, tamper detection. */
#include <sqlite3.h>

#include "tests/unit/unit.h"

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

/* Runs SQL on a database file with SQLite directly (not through the store). */
static int
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;

	sqlite3_close(db);
	return rc;
}

/* One integer from a query, read with SQLite directly. */
static long long
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* store_open(path, create) must fail with one line containing needle. */
static void
open_refused(const char *path, int create, const char *needle, const char *name)
{
	struct store *st = (struct store *)1;
	int rc, lines;

	unit_stderr_begin();
	rc = store_open(path, create, &st);
	lines = unit_stderr_end();
	CHECK(rc == RC_FAIL && st == NULL && unit_one_error(lines, needle), name);
}

/* Tells a PostgreSQL target from a file, opens none in a way that shows its
 * password, and shows targets in messages without it. */
static void
test_open_postgres(void)
{
	struct store *st = (struct store *)1;
	char *shown;
	int rc, lines;

	CHECK(sql_target_is_postgres("postgresql://h/db") && sql_target_is_postgres("POSTGRES://h/db") &&
	    sql_target_is_postgres("host=h dbname=d") && sql_target_is_postgres("dbname=d") &&
	    !sql_target_is_postgres("/var/lib/pinca/pinca.db") && !sql_target_is_postgres("postgresql.db") &&
	    !sql_target_is_postgres("host.db") && !sql_target_is_postgres("./postgresql://x"),
	    "PostgreSQL targets are told from file names");
	shown = store_target_shown("postgresql://pinca:s3cret@db.example:5432/pinca?sslmode=require");
	CHECK(shown && strcmp(shown, "postgresql://pinca:***@db.example:5432/pinca?sslmode=require") == 0,
	    "a URL's password is hidden in messages");
	free(shown);
	shown = store_target_shown("postgres://db.example/pinca?user=p&password=s3cret&sslmode=require");
	CHECK(shown && strcmp(shown, "postgres://db.example/pinca?user=p&password=***&sslmode=require") == 0,
	    "a URL's password parameter is hidden in messages");
	free(shown);
	shown = store_target_shown("host=db.example password=s3cret dbname=pinca");
	CHECK(shown && strcmp(shown, "host=db.example password=*** dbname=pinca") == 0,
	    "a connection string's password is hidden in messages");
	free(shown);
	shown = store_target_shown("postgresql://pinca@db.example/pinca");
	CHECK(shown && strcmp(shown, "postgresql://pinca@db.example/pinca") == 0,
	    "a URL without a password is shown as it is");
	free(shown);
	shown = store_target_shown("/srv/ca/pass:word@x/password=1.db");
	CHECK(shown && strcmp(shown, "/srv/ca/pass:word@x/password=1.db") == 0, "a file path is shown as it is");
	free(shown);

	/* Nothing listens on port 1: refused with one line, without the password. */
	unit_stderr_begin();
	rc = store_open("postgresql://pinca:s3cret@127.0.0.1:1/pinca?connect_timeout=2", 0, &st);
	lines = unit_stderr_end();
	CHECK(rc == RC_FAIL && st == NULL && unit_one_error(lines, NULL) && strstr(unit_err, "s3cret") == NULL,
	    "a PostgreSQL store that cannot be opened is refused in one line");
}

static void
test_open(const char *db)
{
	struct store *st = NULL;

	CHECK(store_open(db, 1, &st) == RC_OK && st != NULL, "create a new database");
	store_close(st);
	st = NULL;
	CHECK(raw_int(db, "PRAGMA user_version") == store_schema_version() && store_schema_version() >= 1,
	    "new database is at the current schema version");
	CHECK(raw_int(db, "PRAGMA application_id") == 0x70696e63, "application_id marks the file as pinca's");
	CHECK(raw_int(db, "PRAGMA journal_mode = WAL") >= -1 &&
	    raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit'") == 1, "schema has the audit table");
	CHECK(store_open(db, 0, &st) == RC_OK, "reopen an existing database");
	store_close(st);
	open_refused(db, 1, "already exists", "create refuses an existing file");
	open_refused(unit_path(1, "nope.db"), 0, "nope.db", "open refuses a missing file");

	const char *foreign = unit_path(1, "foreign.db");
	raw_sql(foreign, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
	open_refused(foreign, 0, "not a pinca database", "a foreign SQLite file is refused");
	CHECK(raw_int(foreign, "SELECT count(*) FROM t") == 1 &&
	    raw_int(foreign, "SELECT count(*) FROM sqlite_master") == 1, "the foreign file is left alone");

	const char *text = unit_path(1, "text.db");
	FILE *f = fopen(text, "w");
	if (f) {
		fputs("this is not a database, it is a text file of more than a few bytes\n", f);
		fclose(f);
	}
	open_refused(text, 0, "not a pinca database", "a non-database file is refused");

	const char *newer = unit_path(1, "newer.db");
	CHECK(store_open(newer, 1, &st) == RC_OK, "create a second database");
	store_close(st);
	raw_sql(newer, "PRAGMA user_version = 99");
	open_refused(newer, 0, "newer pinca", "a newer schema version is refused");
	CHECK(raw_int(newer, "PRAGMA user_version") == 99, "the newer database is left at its version");

	/* A database stopped at version 0 after the identity was written (a
	 * crash during init) is not taken for ours. */
	const char *half = unit_path(1, "half.db");
	raw_sql(half, "PRAGMA application_id = 1885957731");
	open_refused(half, 0, "not a pinca database", "an empty database with our id is refused");
}

static void
test_settings(struct store *st)
{
	char *v = (char *)1;

	CHECK(store_setting_get(st, "crl_url", &v) == RC_OK && v == NULL, "missing setting is NULL");
	CHECK(store_setting_set(st, "crl_url", "http://a/") == RC_OK, "set a setting");
	CHECK(store_setting_get(st, "crl_url", &v) == RC_OK && v && strcmp(v, "http://a/") == 0, "read it back");
	free(v);
	v = NULL;
	CHECK(store_setting_set(st, "crl_url", "http://b/") == RC_OK, "overwrite a setting");
	CHECK(store_setting_get(st, "crl_url", &v) == RC_OK && v && strcmp(v, "http://b/") == 0, "read the new value");
	free(v);
	v = NULL;
	CHECK(store_setting_set(st, "odd 'key'; --", "x\"y") == RC_OK &&
	    store_setting_get(st, "odd 'key'; --", &v) == RC_OK && v && strcmp(v, "x\"y") == 0,
	    "quotes in keys and values are data, not SQL");
	free(v);
	v = NULL;
}

struct audit_tally {
	int rows, bad, first_bad;
	char last_action[64];
};

static int
audit_count(const struct audit_record *r, int ok, void *arg)
{
	struct audit_tally *t = arg;

	t->rows++;
	if (!ok) {
		if (t->bad++ == 0)
			t->first_bad = (int)r->seq;
	}
	snprintf(t->last_action, sizeof(t->last_action), "%s", r->action);
	return 0;
}

static struct audit_tally
audit_walk(struct store *st)
{
	struct audit_tally t;

	memset(&t, 0, sizeof(t));
	if (store_audit_each(st, audit_count, &t) != RC_OK)
		t.rows = -1;
	return t;
}

static void
test_audit(const char *db)
{
	struct store *st = NULL;
	struct audit_tally t;

	CHECK(store_open(db, 0, &st) == RC_OK, "open for the audit tests");
	if (st == NULL)
		return;
	CHECK(store_set_audit_command(st, "pinca ca root --cn X") == RC_OK, "set the audit command line");
	t = audit_walk(st);
	CHECK(t.rows == 0, "a new database has an empty audit log");
	for (int i = 0; i < 3; i++) {
		json_t *o = json_pack("{s:i,s:s}", "n", i, "serial", "01ab");
		CHECK(store_begin(st) == RC_OK && store_audit(st, "test.append", o) == RC_OK &&
		    store_commit(st) == RC_OK, "append an audit record");
		json_decref(o);
	}
	CHECK(store_begin(st) == RC_OK && store_audit(st, "test.settings", NULL) == RC_OK &&
	    store_setting_set(st, "k", "v") == RC_OK && store_commit(st) == RC_OK, "audit with a state change");
	t = audit_walk(st);
	CHECK(t.rows == 4 && t.bad == 0, "four records, chain verifies");
	CHECK(strcmp(t.last_action, "test.settings") == 0, "records come back in order");
	CHECK(raw_int(db, "SELECT count(*) FROM audit WHERE command = 'pinca ca root --cn X'") == 4,
	    "the command line is recorded");

	CHECK(store_begin(st) == RC_OK && store_audit(st, "test.rolled_back", NULL) == RC_OK, "audit in a transaction");
	store_rollback(st);
	t = audit_walk(st);
	CHECK(t.rows == 4 && t.bad == 0, "a rolled back record leaves no trace");

	store_close(st);
	st = NULL;
	CHECK(!raw_sql(db, "UPDATE audit SET action = 'x' WHERE seq = 2"), "trigger refuses UPDATE of audit");
	CHECK(!raw_sql(db, "DELETE FROM audit WHERE seq = 4"), "trigger refuses DELETE of audit");

	/* Someone with write access drops the triggers and edits a row. */
	CHECK(raw_sql(db, "DROP TRIGGER audit_no_update; UPDATE audit SET objects = "
	    "'{\"n\":9,\"serial\":\"01ab\"}' WHERE seq = 2"), "tamper with row 2 behind the triggers");
	CHECK(store_open(db, 0, &st) == RC_OK, "reopen after tampering");
	if (st == NULL)
		return;
	t = audit_walk(st);
	CHECK(t.rows == 4 && t.bad == 1 && t.first_bad == 2, "the edited row fails verification");
	store_close(st);

	CHECK(raw_sql(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3"),
	    "delete row 3 behind the triggers");
	CHECK(store_open(db, 0, &st) == RC_OK, "reopen after deleting");
	if (st == NULL)
		return;
	t = audit_walk(st);
	CHECK(t.rows == 3 && t.bad >= 1, "a deleted row breaks the chain");
	store_close(st);
}

int
main(void)
{
	struct store *st = NULL;
	const char *db;

	unit_tmpdir();
	db = unit_path(0, "pinca.db");
	test_open(db);
	test_open_postgres();
	if (store_open(db, 0, &st) == RC_OK) {
		test_settings(st);
		store_close(st);
	}
	test_audit(db);
	return unit_finish();
}
