/* store_maint: maintenance of the database file itself: SQLite's own
 * integrity checks and the online backup. The one store file besides the
 * driver that calls SQLite directly (through sql_native), because both are
 * SQLite features; on PostgreSQL the server checks its own pages and
 * pg_dump makes the backup. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/err.h"
#include "common/fileio.h"
#include "db/store.h"
#include "db/store_internal.h"

/* Pages copied per sqlite3_backup_step, and the pause between steps. */
#define BACKUP_PAGES_PER_STEP 256
#define BACKUP_PAUSE_MS 1
#define BACKUP_BUSY_ATTEMPTS 500

/* integrity_check may return several lines in one row: one problem each,
 * without SQLite's "*** in database main ***" heading. */
static int
integrity_lines(const char *text, int (*fn)(const char *problem, void *), void *arg)
{
	char line[1024];
	int rc = 0;

	if (text == NULL)
		return fn("integrity: (no text)", arg);
	while (rc == 0 && *text) {
		size_t n = strcspn(text, "\n");
		if (n > 0 && strncmp(text, "*** in database", 15) != 0) {
			snprintf(line, sizeof(line), "integrity: %.*s", (int)(n > 900 ? 900 : n), text);
			rc = fn(line, arg);
		}
		text += n;
		if (*text == '\n')
			text++;
	}
	return rc;
}

/* Runs one checking pragma and reports each row it returns but "ok". A
 * statement that fails (a page too damaged to read) is itself reported. */
static int
integrity_pragma(struct store *st, const char *sql, int foreign_keys,
    int (*fn)(const char *problem, void *), void *arg)
{
	sqlite3 *db = sql_native(st->conn);
	sqlite3_stmt *s;
	char line[1024];
	int rc = 0, step;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(line, sizeof(line), "%s: %s", sql, sqlite3_errmsg(db));
		return fn(line, arg);
	}
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 0);
		if (foreign_keys) {
			/* table, rowid (NULL for WITHOUT ROWID tables), parent, fkid */
			snprintf(line, sizeof(line), "foreign key: a row of %s (rowid %s) refers to a "
			    "missing row of %s", text ? text : "?",
			    sqlite3_column_type(s, 1) == SQLITE_NULL ? "-" :
			    (const char *)sqlite3_column_text(s, 1),
			    sqlite3_column_text(s, 2) ? (const char *)sqlite3_column_text(s, 2) : "?");
			rc = fn(line, arg);
		} else if (text == NULL || strcmp(text, "ok") != 0) {
			rc = integrity_lines(text, fn, arg);
		}
	}
	if (rc == 0 && step != SQLITE_DONE) {
		snprintf(line, sizeof(line), "%s: %s", sql, sqlite3_errmsg(db));
		rc = fn(line, arg);
	}
	sqlite3_finalize(s);
	return rc;
}

int
store_integrity(struct store *st, int (*fn)(const char *problem, void *), void *arg)
{
	int rc;

	/* PostgreSQL keeps its own pages and foreign keys: nothing to ask. */
	if (sql_dialect(st->conn) != SQL_SQLITE)
		return 0;
	rc = integrity_pragma(st, "PRAGMA integrity_check", 0, fn, arg);

	if (rc == 0)
		rc = integrity_pragma(st, "PRAGMA foreign_key_check", 1, fn, arg);
	return rc;
}

/* Creates a new empty file beside path (tmp receives its name), so a
 * backup that is interrupted never leaves a partial copy under path. */
static int
backup_create_temp(const char *path, char *tmp, size_t size)
{
	/* The copy holds every certificate: owner-only, like pinca.db. */
	int fd = file_temp_open(path, 0600, tmp, size);

	if (fd == -1) {
		pinca_warn("cannot create a file beside %s", path);
		return RC_FAIL;
	}
	close(fd);
	return RC_OK;
}

/* Copies every page of st into dst with sqlite3_backup_*. The source holds
 * one read transaction for the whole copy: in WAL mode that snapshot does not
 * block writers, and because the snapshot never moves, a commit by another
 * process between two steps does not restart the copy (which, with busy
 * issuers, could otherwise restart forever). */
static int
backup_copy(struct store *st, sqlite3 *dst, const char *path)
{
	sqlite3_backup *b;
	int rc, busy = 0;

	if (store_exec(st, "BEGIN; SELECT count(*) FROM sqlite_schema") != RC_OK)
		return RC_FAIL;
	if ((b = sqlite3_backup_init(dst, "main", sql_native(st->conn), "main")) == NULL) {
		pinca_warnx("cannot start the backup to %s: %s", path, sqlite3_errmsg(dst));
		store_rollback(st);
		return RC_FAIL;
	}
	do {
		rc = sqlite3_backup_step(b, BACKUP_PAGES_PER_STEP);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (++busy > BACKUP_BUSY_ATTEMPTS)
				break;
			sqlite3_sleep(10);
		} else if (rc == SQLITE_OK) {
			sqlite3_sleep(BACKUP_PAUSE_MS);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	store_rollback(st);
	if (rc != SQLITE_DONE) {
		pinca_warnx("cannot copy the database to %s: %s", path, sqlite3_errstr(rc));
		return RC_FAIL;
	}
	if ((rc = sqlite3_errcode(dst)) != SQLITE_OK) {
		pinca_warnx("cannot write %s: %s", path, sqlite3_errmsg(dst));
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_backup(struct store *st, const char *path)
{
	char tmp[PATH_MAX];
	sqlite3 *dst = NULL;
	int rc = RC_FAIL;

	if (sql_dialect(st->conn) != SQL_SQLITE) {
		pinca_warnx("db backup: the store is PostgreSQL; use pg_dump (docs/database.md)");
		return RC_FAIL;
	}
	if (backup_create_temp(path, tmp, sizeof(tmp)) != RC_OK)
		return RC_FAIL;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		pinca_warnx("cannot open %s: %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	/* The copy is durable before we say so. */
	if (sqlite3_exec(dst, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
		pinca_warnx("cannot prepare %s: %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	rc = backup_copy(st, dst, path);
out:
	if (dst && sqlite3_close(dst) != SQLITE_OK && rc == RC_OK) {
		pinca_warnx("cannot close %s: %s", tmp, sqlite3_errmsg(dst));
		rc = RC_FAIL;
	}
	/* link() fails if path exists: a file that appeared meanwhile is kept. */
	if (rc == RC_OK && link(tmp, path) == -1) {
		if (errno == EEXIST)
			pinca_warnx("%s already exists; refusing to overwrite it", path);
		else
			pinca_warn("cannot create %s", path);
		rc = RC_FAIL;
	}
	unlink(tmp);
	if (rc == RC_OK)
		rc = file_sync_parent(path);
	return rc;
}
