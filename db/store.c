/* store: transactions (by dialect), settings, the failure line and the
 * small statement helpers every db/ file uses. Opening is store_open.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

#define BEGIN_ATTEMPTS 200
/* The advisory lock every writer on PostgreSQL takes in its transaction:
 * "pinca-wr" read as a big-endian 64-bit integer. */
#define STORE_PG_WRITER_LOCK "8100126777913735026"

int
store_fail(struct store *st, const char *what)
{
	enum sql_errclass cls = sql_errclass(st->conn);

	/* The SQLite driver also classes a bare "disk I/O error" as full when
	 * the WAL index (-shm) could not grow for lack of space. */
	if (cls == SQL_E_FULL)
		pinca_warnx("%s: %s: no space left on the device (%s); nothing was recorded",
		    store_path(st), what, sql_errmsg(st->conn));
	else if (cls == SQL_E_IO)
		pinca_warnx("%s: %s: %s (disk full or write error; nothing was recorded)",
		    store_path(st), what, sql_errmsg(st->conn));
	else
		pinca_warnx("%s: %s: %s", store_path(st), what, sql_errmsg(st->conn));
	return RC_FAIL;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_prepare(struct store *st, struct sql_stmt **stmt, const char *sql)
{
	if (sql_prepare(st->conn, sql, 0, stmt) != SQL_OK) {
		*stmt = NULL;
		return store_fail(st, "cannot prepare a statement");
	}
	return RC_OK;
}

int
store_prepare_cached(struct store *st, struct sql_stmt **stmt, const char *sql)
{
	int i;

	for (i = 0; i < STORE_STMT_CACHE && st->cache[i].sql; i++) {
		if (st->cache[i].sql == sql || strcmp(st->cache[i].sql, sql) == 0) {
			*stmt = st->cache[i].s;
			store_release(*stmt);
			return RC_OK;
		}
	}
	if (i == STORE_STMT_CACHE) {
		*stmt = NULL;
		pinca_warnx("%s: statement cache full (raise STORE_STMT_CACHE)", st->path);
		return RC_FAIL;
	}
	if (sql_prepare(st->conn, sql, 1, stmt) != SQL_OK) {
		*stmt = NULL;
		return store_fail(st, "cannot prepare a statement");
	}
	st->cache[i].sql = sql;
	st->cache[i].s = *stmt;
	return RC_OK;
}

void
store_release(struct sql_stmt *s)
{
	sql_reset(s);
}

int
store_exec(struct store *st, const char *sql)
{
	if (sql_exec(st->conn, sql) != SQL_OK) {
		pinca_warnx("%s: %s", st->path, sql_errmsg(st->conn));
		return RC_FAIL;
	}
	return RC_OK;
}

char *
store_col_text(struct sql_stmt *s, int i)
{
	const char *t = sql_col_text(s, i);

	return t ? strdup(t) : NULL;
}

int
store_col_blob(struct sql_stmt *s, int i, unsigned char **out, size_t *len)
{
	size_t n;
	const void *b = sql_col_blob(s, i, &n);

	*out = NULL;
	*len = 0;
	if (b == NULL)
		return RC_OK;
	if ((*out = malloc(n + 1)) == NULL)
		return RC_FAIL;
	memcpy(*out, b, n);
	*len = n;
	return RC_OK;
}

int
store_bind_text(struct sql_stmt *s, int i, const char *v)
{
	return sql_bind_text(s, i, v);
}

int
store_bind_blob(struct sql_stmt *s, int i, const unsigned char *v, size_t len)
{
	return sql_bind_blob(s, i, v, len);
}

int
store_step_write(struct store *st, struct sql_stmt *s, const char *what)
{
	int rc = sql_step(s);

	if (rc == SQL_DONE)
		return RC_OK;
	if (rc == SQL_ERR && sql_errclass(st->conn) == SQL_E_CONSTRAINT)
		return STORE_CONSTRAINT;
	return store_fail(st, what);
}

int
store_step_one(struct store *st, struct sql_stmt *s, const char *what)
{
	int rc = sql_step(s);

	if (rc == SQL_ROW)
		return RC_OK;
	if (rc == SQL_DONE)
		return STORE_NOT_FOUND;
	return store_fail(st, what);
}

int
store_write_done(struct store *st, struct sql_stmt *s, const char *what)
{
	int rc = store_step_write(st, s, what);

	sql_finalize(s);
	return rc;
}

int
store_step_insert_id(struct store *st, struct sql_stmt *s, const char *what, int64_t *id)
{
	int rc = sql_step(s);

	if (rc == SQL_ROW) {
		*id = sql_col_int64(s, 0);
		/* The row is written at the first step: this only ends the run. */
		if (sql_step(s) == SQL_ERR)
			return store_fail(st, what);
		return RC_OK;
	}
	if (rc == SQL_ERR && sql_errclass(st->conn) == SQL_E_CONSTRAINT)
		return STORE_CONSTRAINT;
	return store_fail(st, what);
}

/* Releases the process's writer lock if this handle holds it. */
static void
store_writer_release(struct store *st)
{
	if (st->writer_held && st->writer != NULL) {
		st->writer_held = 0;
		pthread_mutex_unlock(st->writer);
	}
}

void
store_set_writer_lock(struct store *st, pthread_mutex_t *mu)
{
	st->writer = mu;
}

int
store_set_cache_kib(struct store *st, int kib)
{
	char sql[64];

	if (sql_dialect(st->conn) != SQL_SQLITE)
		return RC_OK;	/* the server sizes its own buffers */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib > 0 ? kib : 1);
	return store_exec(st, sql);
}

/* Sleeps 1 to 20 ms at random, so writers that retry do not do it in step. */
static void
store_backoff(void)
{
	unsigned char r;
	struct timespec ts = { 0, 0 };

	if (RAND_bytes(&r, 1) != 1)
		r = 7;
	ts.tv_nsec = (long)(1 + r % 20) * 1000000L;
	nanosleep(&ts, NULL);
}

/* One attempt at opening the write transaction: SQLite's BEGIN IMMEDIATE
 * takes its one writer lock; on PostgreSQL a transaction-scoped advisory
 * lock on one fixed key serializes the writers of every host the same way.
 * On failure the connection is left outside any transaction and *cls says
 * what kind of failure it was. RC_OK or RC_FAIL (nothing printed). */
static int
store_begin_once(struct store *st, enum sql_errclass *cls)
{
	if (sql_dialect(st->conn) == SQL_SQLITE) {
		if (sql_exec(st->conn, "BEGIN IMMEDIATE") == SQL_OK)
			return RC_OK;
		*cls = sql_errclass(st->conn);
		return RC_FAIL;
	}
	if (sql_exec(st->conn, "BEGIN; SELECT pg_advisory_xact_lock(" STORE_PG_WRITER_LOCK ")") == SQL_OK)
		return RC_OK;
	*cls = sql_errclass(st->conn);
	return RC_FAIL;
}

int
store_begin(struct store *st)
{
	enum sql_errclass cls = SQL_E_OTHER;

	/* Writers of this process wait their turn on the mutex, without
	 * polling; another process still meets the engine's lock (SQLite's busy
	 * handler waits inside each attempt; PostgreSQL's advisory lock waits
	 * in the server), while a short random sleep between attempts breaks
	 * up writers that would retry in step. A lost connection or a
	 * serialization failure is retried the same bounded way. */
	if (st->writer && !st->writer_held) {
		pthread_mutex_lock(st->writer);
		st->writer_held = 1;
	}
	for (int attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
		if (store_begin_once(st, &cls) == RC_OK) {
			st->in_tx = 1;
			st->audit_tail = 0;
			return RC_OK;
		}
		if (cls != SQL_E_BUSY && cls != SQL_E_SERIALIZE && cls != SQL_E_CONN) {
			store_fail(st, "cannot start a transaction");
			break;
		}
		if (sql_dialect(st->conn) != SQL_SQLITE)
			sql_exec(st->conn, "ROLLBACK");
		store_backoff();
	}
	if (sql_dialect(st->conn) != SQL_SQLITE)
		sql_exec(st->conn, "ROLLBACK");
	store_writer_release(st);
	if (cls == SQL_E_BUSY || cls == SQL_E_SERIALIZE || cls == SQL_E_CONN)
		return store_fail(st, "the database stayed locked by another writer");
	return RC_FAIL;
}

int
store_commit(struct store *st)
{
	for (int attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
		if (sql_exec(st->conn, "COMMIT") == SQL_OK) {
			st->in_tx = 0;
			st->audit_tail = 0;
			store_writer_release(st);
			return RC_OK;
		}
		if (sql_errclass(st->conn) != SQL_E_BUSY)
			break;
	}
	store_fail(st, "cannot commit");
	store_rollback(st);
	return RC_FAIL;
}

int
store_read_begin(struct store *st)
{
	/* PostgreSQL: one snapshot for the whole read, as SQLite's WAL gives. */
	if (sql_exec(st->conn, sql_dialect(st->conn) == SQL_SQLITE ? "BEGIN DEFERRED" :
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != SQL_OK)
		return store_fail(st, "cannot start a read transaction");
	st->in_read = 1;
	return RC_OK;
}

void
store_read_end(struct store *st)
{
	/* Nothing was written: ending it only releases the snapshot. */
	if (st->in_read)
		sql_exec(st->conn, "COMMIT");
	st->in_read = 0;
}

void
store_rollback(struct store *st)
{
	if (st->in_tx || st->in_read)
		sql_exec(st->conn, "ROLLBACK");
	st->in_tx = 0;
	st->in_read = 0;
	st->audit_tail = 0;
	store_writer_release(st);
}

int
store_setting_get(struct store *st, const char *key, char **value)
{
	struct sql_stmt *s;
	int rc;

	*value = NULL;
	if (store_prepare(st, &s, "SELECT value FROM settings WHERE key = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, key);
	rc = sql_step(s);
	if (rc == SQL_ROW) {
		*value = store_col_text(s, 0);
		rc = RC_OK;
	} else if (rc == SQL_DONE) {
		rc = RC_OK;
	} else {
		rc = store_fail(st, "cannot read a setting");
	}
	sql_finalize(s);
	return rc;
}

int
store_setting_set(struct store *st, const char *key, const char *value)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "INSERT INTO settings(key, value) VALUES (?, ?) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, key);
	sql_bind_text(s, 2, value);
	return store_write_done(st, s, "cannot save a setting") == RC_OK ? RC_OK : RC_FAIL;
}

/* Runs one of the fixed savepoint statements, prepared once per connection
 * on SQLite (a batch runs three per request); PostgreSQL runs them as they
 * come (a savepoint is not a statement it prepares). */
static int
store_exec_cached(struct store *st, const char *sql)
{
	struct sql_stmt *s;
	int rc;

	if (sql_dialect(st->conn) != SQL_SQLITE)
		return sql_exec(st->conn, sql) == SQL_OK ? RC_OK : store_fail(st, "cannot run a savepoint");
	if (store_prepare_cached(st, &s, sql) != RC_OK)
		return RC_FAIL;
	rc = sql_step(s) == SQL_DONE ? RC_OK : store_fail(st, "cannot run a savepoint");
	store_release(s);
	return rc;
}

int
store_savepoint(struct store *st)
{
	return store_exec_cached(st, "SAVEPOINT item");
}

int
store_savepoint_release(struct store *st)
{
	return store_exec_cached(st, "RELEASE item");
}

void
store_savepoint_rollback(struct store *st)
{
	sql_exec(st->conn, "ROLLBACK TO item; RELEASE item");
	st->audit_tail = 0;	/* the rolled-back part may have appended to the chain */
}
