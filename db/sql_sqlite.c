/* sql_sqlite: the SQLite driver behind db/sql.h, the embedded default. It
 * opens a file (made when create is set), sets the busy timeout and
 * extended result codes, and maps SQLite's result codes onto sql_errclass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "db/sql.h"
#include "db/sql_driver.h"

#define SQLITE_BUSY_TIMEOUT_MS 5000

struct sqlite_conn {
	struct sql_conn base;	/* first: the driver's ops */
	sqlite3 *db;
};

struct sqlite_stmt {
	struct sql_stmt base;	/* first: the connection */
	sqlite3_stmt *s;	/* NULL for a statement that was only a comment */
};

static const struct sql_driver sqlite_driver;

/* The sqlite3 handle of a connection of this driver. */
static sqlite3 *
sqlite_db(const struct sql_conn *c)
{
	return ((const struct sqlite_conn *)c)->db;
}

/* The sqlite3_stmt of a statement of this driver. */
static sqlite3_stmt *
sqlite_st(struct sql_stmt *s)
{
	return ((struct sqlite_stmt *)s)->s;
}

/* Closes the handle and frees the connection. */
static void
sqlite_close(struct sql_conn *c)
{
	sqlite3_close_v2(sqlite_db(c));
	free(c);
}

/* SQLite's message for the last call. */
static const char *
sqlite_errmsg(const struct sql_conn *c)
{
	return sqlite3_errmsg(sqlite_db(c));
}

/* Classifies the last call's extended result code (and, for I/O errors,
 * the system errno behind it: a full disk shows as a bare "disk I/O error"
 * when the WAL index cannot grow). */
static enum sql_errclass
sqlite_errclass(const struct sql_conn *c)
{
	sqlite3 *db = sqlite_db(c);
	int code = sqlite3_extended_errcode(db), sys = sqlite3_system_errno(db);

	switch (code & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return SQL_E_NONE;
	case SQLITE_CONSTRAINT:
		return code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE ?
		    SQL_E_CONSTRAINT : SQL_E_OTHER;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SQL_E_BUSY;
	case SQLITE_FULL:
		return SQL_E_FULL;
	case SQLITE_IOERR:
		if (sys == ENOSPC || sys == EDQUOT)
			return SQL_E_FULL;
		return code == SQLITE_IOERR_WRITE || code == SQLITE_IOERR_FSYNC ? SQL_E_IO : SQL_E_OTHER;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return SQL_E_CORRUPT;
	default:
		return SQL_E_OTHER;
	}
}

/* The sqlite3 handle. */
static void *
sqlite_native(struct sql_conn *c)
{
	return sqlite_db(c);
}

/* Runs parameterless statements. */
static int
sqlite_exec(struct sql_conn *c, const char *sql)
{
	return sqlite3_exec(sqlite_db(c), sql, NULL, NULL, NULL) == SQLITE_OK ? SQL_OK : SQL_ERR;
}

/* Rows changed by the last write. */
static int64_t
sqlite_changes(const struct sql_conn *c)
{
	return sqlite3_changes64(sqlite_db(c));
}

/* Prepares the first statement of sql; persistent keeps it out of SQLite's
 * lookaside memory (SQLITE_PREPARE_PERSISTENT). */
static int
sqlite_prepare(struct sql_conn *c, const char *sql, int persistent, struct sql_stmt **out)
{
	struct sqlite_stmt *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return SQL_ERR;
	if (sqlite3_prepare_v3(sqlite_db(c), sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st->s,
	    NULL) != SQLITE_OK) {
		free(st);
		return SQL_ERR;
	}
	st->base.conn = c;
	*out = &st->base;
	return SQL_OK;
}

/* Maps a bind's result code. */
static int
sqlite_bind_rc(int rc)
{
	return rc == SQLITE_OK ? SQL_OK : SQL_ERR;
}

/* The binds, column readers, reset and finalize below map one to one onto
 * SQLite's own calls; text and blobs are bound as copies (TRANSIENT). */
static int
sqlite_bind_int64(struct sql_stmt *s, int i, int64_t v)
{
	return sqlite_bind_rc(sqlite3_bind_int64(sqlite_st(s), i, v));
}

static int
sqlite_bind_text(struct sql_stmt *s, int i, const char *v)
{
	return sqlite_bind_rc(sqlite3_bind_text(sqlite_st(s), i, v, -1, SQLITE_TRANSIENT));
}

static int
sqlite_bind_blob(struct sql_stmt *s, int i, const void *v, size_t len)
{
	return sqlite_bind_rc(sqlite3_bind_blob64(sqlite_st(s), i, v, len, SQLITE_TRANSIENT));
}

static int
sqlite_bind_null(struct sql_stmt *s, int i)
{
	return sqlite_bind_rc(sqlite3_bind_null(sqlite_st(s), i));
}

/* Steps: SQL_ROW, SQL_DONE or SQL_ERR. */
static int
sqlite_step(struct sql_stmt *s)
{
	int rc;

	if (sqlite_st(s) == NULL)
		return SQL_DONE;
	rc = sqlite3_step(sqlite_st(s));
	if (rc == SQLITE_ROW)
		return SQL_ROW;
	return rc == SQLITE_DONE ? SQL_DONE : SQL_ERR;
}

static int
sqlite_col_is_null(struct sql_stmt *s, int i)
{
	return sqlite3_column_type(sqlite_st(s), i) == SQLITE_NULL;
}

static int64_t
sqlite_col_int64(struct sql_stmt *s, int i)
{
	return sqlite3_column_int64(sqlite_st(s), i);
}

static const char *
sqlite_col_text(struct sql_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(sqlite_st(s), i);
}

/* The blob and its length; SQLite gives NULL for an empty blob too. */
static const void *
sqlite_col_blob(struct sql_stmt *s, int i, size_t *len)
{
	const void *b = sqlite3_column_blob(sqlite_st(s), i);

	*len = b ? (size_t)sqlite3_column_bytes(sqlite_st(s), i) : 0;
	return b;
}

static int
sqlite_col_count(struct sql_stmt *s)
{
	return sqlite_st(s) ? sqlite3_column_count(sqlite_st(s)) : 0;
}

static const char *
sqlite_col_name(struct sql_stmt *s, int i)
{
	return sqlite3_column_name(sqlite_st(s), i);
}

/* The stored value's type (a REAL reads as text, which keeps its digits). */
static enum sql_type
sqlite_col_type(struct sql_stmt *s, int i)
{
	switch (sqlite3_column_type(sqlite_st(s), i)) {
	case SQLITE_NULL:
		return SQL_T_NULL;
	case SQLITE_INTEGER:
		return SQL_T_INT;
	case SQLITE_BLOB:
		return SQL_T_BLOB;
	default:
		return SQL_T_TEXT;
	}
}

static void
sqlite_reset(struct sql_stmt *s)
{
	sqlite3_reset(sqlite_st(s));
	sqlite3_clear_bindings(sqlite_st(s));
}

static void
sqlite_finalize(struct sql_stmt *s)
{
	sqlite3_finalize(sqlite_st(s));
	free(s);
}

static const struct sql_driver sqlite_driver = {
	.dialect = SQL_SQLITE,
	.name = "sqlite",
	.close = sqlite_close,
	.errmsg = sqlite_errmsg,
	.errclass = sqlite_errclass,
	.native = sqlite_native,
	.exec = sqlite_exec,
	.changes = sqlite_changes,
	.prepare = sqlite_prepare,
	.bind_int64 = sqlite_bind_int64,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.col_is_null = sqlite_col_is_null,
	.col_int64 = sqlite_col_int64,
	.col_text = sqlite_col_text,
	.col_blob = sqlite_col_blob,
	.col_count = sqlite_col_count,
	.col_name = sqlite_col_name,
	.col_type = sqlite_col_type,
	.reset = sqlite_reset,
	.finalize = sqlite_finalize,
};

/* Checks that path exists (or, with create, that it does not), with the
 * store's messages. SQL_OK or SQL_ERR with msg set. */
static int
sqlite_check_path(const char *path, int create, char *msg, size_t msglen)
{
	struct stat sb;

	if (create && stat(path, &sb) == 0) {
		snprintf(msg, msglen, "%s already exists", path);
		return SQL_ERR;
	}
	if (!create && stat(path, &sb) == -1) {
		if (errno == ENOENT)
			snprintf(msg, msglen, "no CA here: %s does not exist (run 'pinca init' first)", path);
		else
			snprintf(msg, msglen, "cannot open %s: %s", path, strerror(errno));
		return SQL_ERR;
	}
	return SQL_OK;
}

/* Opens (or, with create, makes) the SQLite file at target. */
int
sqlite_driver_open(const char *target, int create, struct sql_conn **out, char *msg, size_t msglen)
{
	struct sqlite_conn *c;
	char dummy[8];
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

	*out = NULL;
	if (msg == NULL || msglen == 0) {
		msg = dummy;
		msglen = sizeof(dummy);
	}
	if (sqlite_check_path(target, create, msg, msglen) != SQL_OK)
		return SQL_ERR;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return SQL_ERR;
	}
	c->base.drv = &sqlite_driver;
	if (sqlite3_open_v2(target, &c->db, flags, NULL) != SQLITE_OK) {
		snprintf(msg, msglen, "cannot open %s: %s", target, c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close_v2(c->db);
		free(c);
		return SQL_ERR;
	}
	sqlite3_busy_timeout(c->db, SQLITE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c->db, 1);
	*out = &c->base;
	return SQL_OK;
}
