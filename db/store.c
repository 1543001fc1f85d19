/* store: opening the database, transactions, settings and the small helpers
 * every db/ file uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

/* 'pinc': marks the file as ours, so a foreign SQLite file is refused. */
#define PINCA_APPLICATION_ID 0x70696e63
#define BUSY_TIMEOUT_MS 5000
#define BEGIN_ATTEMPTS 200

int
store_fail(struct store *st, const char *what)
{
	int code = sqlite3_extended_errcode(st->db), sys = sqlite3_system_errno(st->db);

	/* A full disk shows as SQLITE_FULL on a write, but as a bare "disk I/O
	 * error" when the WAL index (-shm) cannot grow: name it either way. */
	if (code == SQLITE_FULL || ((code & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT)))
		pinca_warnx("%s: %s: no space left on the device (%s); nothing was recorded",
		    store_path(st), what, sqlite3_errmsg(st->db));
	else if (code == SQLITE_IOERR_WRITE || code == SQLITE_IOERR_FSYNC)
		pinca_warnx("%s: %s: %s (disk full or write error; nothing was recorded)",
		    store_path(st), what, sqlite3_errmsg(st->db));
	else
		pinca_warnx("%s: %s: %s", store_path(st), what, sqlite3_errmsg(st->db));
	return RC_FAIL;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return store_fail(st, "cannot prepare a statement");
	}
	return RC_OK;
}

int
store_prepare_cached(struct store *st, sqlite3_stmt **stmt, const char *sql)
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
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return store_fail(st, "cannot prepare a statement");
	}
	st->cache[i].sql = sql;
	st->cache[i].s = *stmt;
	return RC_OK;
}

void
store_release(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int
store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pinca_warnx("%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return RC_FAIL;
	}
	return RC_OK;
}

char *
store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

int
store_col_blob(sqlite3_stmt *s, int i, unsigned char **out, size_t *len)
{
	const void *b = sqlite3_column_blob(s, i);
	int n = sqlite3_column_bytes(s, i);

	*out = NULL;
	*len = 0;
	if (b == NULL)
		return RC_OK;
	if ((*out = malloc((size_t)n + 1)) == NULL)
		return RC_FAIL;
	memcpy(*out, b, (size_t)n);
	*len = (size_t)n;
	return RC_OK;
}

int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

int
store_bind_blob(sqlite3_stmt *s, int i, const unsigned char *v, size_t len)
{
	return v ? sqlite3_bind_blob(s, i, v, (int)len, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

int
store_step_write(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE)
		return RC_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT && (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE))
		return STORE_CONSTRAINT;
	return store_fail(st, what);
}

int
store_user_version(struct store *st, int *version)
{
	sqlite3_stmt *s;
	int rc = RC_FAIL;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
		int code = sqlite3_errcode(st->db);
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
			pinca_warnx("%s is not a pinca database or is damaged: %s", st->path,
			    sqlite3_errmsg(st->db));
		else
			store_fail(st, "cannot read the schema version");
		return RC_FAIL;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		*version = sqlite3_column_int(s, 0);
		rc = RC_OK;
	} else {
		int code = sqlite3_errcode(st->db);
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
			pinca_warnx("%s is not a pinca database or is damaged: %s", st->path,
			    sqlite3_errmsg(st->db));
		else
			store_fail(st, "cannot read the schema version");
	}
	sqlite3_finalize(s);
	return rc;
}

/* Reads one integer pragma. */
static int
store_pragma_int(struct store *st, const char *sql, int *value)
{
	sqlite3_stmt *s;
	int rc = RC_FAIL;

	if (store_prepare(st, &s, sql) != RC_OK)
		return RC_FAIL;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*value = sqlite3_column_int(s, 0);
		rc = RC_OK;
	} else {
		store_fail(st, sql);
	}
	sqlite3_finalize(s);
	return rc;
}

/* Refuses a file that is SQLite but not ours. */
static int
store_check_identity(struct store *st, int create)
{
	int app_id = 0, version = 0;

	if (store_user_version(st, &version) != RC_OK ||
	    store_pragma_int(st, "PRAGMA application_id", &app_id) != RC_OK)
		return RC_FAIL;
	if (create) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", PINCA_APPLICATION_ID);
		return store_exec(st, sql);
	}
	if (app_id != PINCA_APPLICATION_ID || version == 0) {
		pinca_warnx("%s is not a pinca database", st->path);
		return RC_FAIL;
	}
	/* Before any pragma changes the file: a newer pinca's database is left
	 * exactly as it was. */
	if (version > store_schema_version()) {
		pinca_warnx("%s was written by a newer pinca (schema %d, this one knows %d); "
		    "upgrade pinca", st->path, version, store_schema_version());
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_open(const char *path, int create, struct store **out)
{
	struct store *st;
	struct stat sb;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*out = NULL;
	if (create && stat(path, &sb) == 0) {
		pinca_warnx("%s already exists", path);
		return RC_FAIL;
	}
	if (!create && stat(path, &sb) == -1) {
		if (errno == ENOENT)
			pinca_warnx("no CA here: %s does not exist (run 'pinca init' first)", path);
		else
			pinca_warn("cannot open %s", path);
		return RC_FAIL;
	}
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		pinca_warnx("cannot open %s: %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return RC_FAIL;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL lets readers run beside the one writer; synchronous=FULL makes a
	 * committed certificate survive a power cut, not only a crash. Temporary
	 * storage in memory keeps the savepoint sub-journals of a batch (one
	 * savepoint per request) out of /var/tmp files: they are only needed to
	 * roll back within this process, never for recovery, and pinca's queries
	 * make no large temporary sorts. A page cache of 16 MiB (SQLite's
	 * default is 2; memory only, and only as pages are used) keeps a list's
	 * lineage-name index from being read again and again (about 10% of `db
	 * list --expiring 30` on a million certificates) and a batch group's
	 * dirty pages from spilling into the WAL before the commit. */
	if (store_check_identity(st, create) != RC_OK ||
	    store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; "
	    "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384") != RC_OK ||
	    store_migrate(st) != RC_OK) {
		store_close(st);
		return RC_FAIL;
	}
	*out = st;
	return RC_OK;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_tx)
		store_rollback(st);
	for (int i = 0; i < STORE_STMT_CACHE; i++)
		sqlite3_finalize(st->cache[i].s);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st->command);
	free(st);
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

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib > 0 ? kib : 1);
	return store_exec(st, sql);
}

int
store_begin(struct store *st)
{
	/* Writers of this process wait their turn on the mutex, without
	 * polling; another process still meets SQLite's lock, and then the
	 * busy handler waits inside each attempt while a short random sleep
	 * between attempts breaks up writers that would retry in step. */
	if (st->writer && !st->writer_held) {
		pthread_mutex_lock(st->writer);
		st->writer_held = 1;
	}
	for (int attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
		int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			st->in_tx = 1;
			st->audit_tail = 0;
			return RC_OK;
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
			store_writer_release(st);
			return store_fail(st, "cannot start a transaction");
		}
		unsigned char r;
		struct timespec ts = { 0, 0 };
		if (RAND_bytes(&r, 1) != 1)
			r = 7;
		ts.tv_nsec = (long)(1 + r % 20) * 1000000L;
		nanosleep(&ts, NULL);
	}
	store_writer_release(st);
	return store_fail(st, "the database stayed locked by another writer");
}

int
store_commit(struct store *st)
{
	for (int attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
		int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			st->in_tx = 0;
			st->audit_tail = 0;
			store_writer_release(st);
			return RC_OK;
		}
		if ((rc & 0xff) != SQLITE_BUSY) {
			store_fail(st, "cannot commit");
			store_rollback(st);
			return RC_FAIL;
		}
	}
	store_fail(st, "cannot commit");
	store_rollback(st);
	return RC_FAIL;
}

int
store_read_begin(struct store *st)
{
	if (sqlite3_exec(st->db, "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "cannot start a read transaction");
	return RC_OK;
}

void
store_read_end(struct store *st)
{
	/* Nothing was written: ending it only releases the snapshot. */
	if (sqlite3_get_autocommit(st->db) == 0)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

void
store_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db) == 0)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
	st->audit_tail = 0;
	store_writer_release(st);
}

int
store_setting_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *s;
	int rc;

	*value = NULL;
	if (store_prepare(st, &s, "SELECT value FROM settings WHERE key = ?") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*value = store_col_text(s, 0);
		rc = RC_OK;
	} else if (rc == SQLITE_DONE) {
		rc = RC_OK;
	} else {
		rc = store_fail(st, "cannot read a setting");
	}
	sqlite3_finalize(s);
	return rc;
}

int
store_setting_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO settings(key, value) VALUES (?, ?) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	rc = store_step_write(st, s, "cannot save a setting");
	sqlite3_finalize(s);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

/* Runs one of the fixed savepoint statements, prepared once per connection
 * (a batch runs three per request). */
static int
store_exec_cached(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare_cached(st, &s, sql) != RC_OK)
		return RC_FAIL;
	rc = sqlite3_step(s) == SQLITE_DONE ? RC_OK : store_fail(st, "cannot run a savepoint");
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
	sqlite3_exec(st->db, "ROLLBACK TO item; RELEASE item", NULL, NULL, NULL);
	st->audit_tail = 0;	/* the rolled-back part may have appended to the chain */
}
