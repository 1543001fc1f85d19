/* sql: the statement interface the store's files are written against, and
 * the one seam between the store and a database engine. Two drivers sit
 * behind it: SQLite (db/sql_sqlite.c, the embedded default) and PostgreSQL
 * over libpq (db/sql_pg.c). Only db/ includes this header.
 *
 * The SQL the store writes is the common subset both engines run: '?'
 * placeholders (the PostgreSQL driver numbers them $1, $2, ...), INSERT ...
 * ON CONFLICT ... DO NOTHING/DO UPDATE, RETURNING, no engine functions
 * (times are bound from C). Where a statement must differ, the store asks
 * sql_dialect() and picks one of two strings.
 *
 * Conventions: functions return SQL_OK or SQL_ERR; after SQL_ERR,
 * sql_errmsg() holds the engine's one-line message and sql_errclass() what
 * kind of failure it was. Indexes of binds and columns are those of SQLite:
 * binds from 1, columns from 0. Nothing here prints. */
#ifndef PINCA_SQL_H
#define PINCA_SQL_H

#include <stddef.h>
#include <stdint.h>

struct sql_conn;
struct sql_stmt;

enum sql_dialect {
	SQL_SQLITE = 1,
	SQL_POSTGRES = 2,
};

/* Results of sql_step. */
enum sql_step_rc {
	SQL_ERR = -1,
	SQL_OK = 0,
	SQL_DONE = 0,		/* the statement ran to its end (no more rows) */
	SQL_ROW = 1,		/* a row is ready for the sql_col_* readers */
};

/* What kind of failure the last SQL_ERR was (sql_errclass). */
enum sql_errclass {
	SQL_E_NONE = 0,
	SQL_E_OTHER,		/* anything below */
	SQL_E_CONSTRAINT,	/* a UNIQUE or PRIMARY KEY refused the row */
	SQL_E_BUSY,		/* locked by another writer; the caller may retry */
	SQL_E_SERIALIZE,	/* serialization failure or deadlock: retry the transaction */
	SQL_E_FULL,		/* no space left on the device */
	SQL_E_IO,		/* a write or fsync failed */
	SQL_E_CORRUPT,		/* not a database of ours, or damaged */
	SQL_E_CONN,		/* the connection to the server is lost or refused */
};

/* Opens a connection. target is a file path (SQLite) or a postgresql:// or
 * postgres:// URL, or a libpq "key=value" string starting with "host=" or
 * "dbname=" (PostgreSQL). create: SQLite only, the file must not exist and is
 * made. On failure *out is NULL, SQL_ERR is returned and msg (if not NULL)
 * receives the reason. */
int sql_open(const char *target, int create, struct sql_conn **out, char *msg, size_t msglen);
void sql_close(struct sql_conn *c);
/* Which driver c is. */
enum sql_dialect sql_dialect(const struct sql_conn *c);
/* 1 when target names a PostgreSQL database (by the rules of sql_open). */
int sql_target_is_postgres(const char *target);
/* The engine's message and class for the connection's last failure. */
const char *sql_errmsg(const struct sql_conn *c);
enum sql_errclass sql_errclass(const struct sql_conn *c);
/* The engine's own handle (sqlite3 * or PGconn *), for the few
 * engine-specific files (SQLite's backup and integrity check). */
void *sql_native(struct sql_conn *c);

/* Runs one or more ';'-separated statements with no parameters (schema,
 * BEGIN, COMMIT, SAVEPOINT, SELECT pg_advisory_xact_lock(...)); rows a
 * statement returns are dropped. */
int sql_exec(struct sql_conn *c, const char *sql);
/* Rows changed by the last INSERT, UPDATE or DELETE that ran to its end. */
int64_t sql_changes(const struct sql_conn *c);

/* Prepares one statement. persistent: the caller keeps it for the life of
 * the connection (a hint; SQLite's SQLITE_PREPARE_PERSISTENT, a named
 * prepared statement on PostgreSQL). */
int sql_prepare(struct sql_conn *c, const char *sql, int persistent, struct sql_stmt **out);
/* Binds parameter i (from 1). Text and blob values are copied. */
int sql_bind_int64(struct sql_stmt *s, int i, int64_t v);
int sql_bind_text(struct sql_stmt *s, int i, const char *v);	/* NULL binds SQL NULL */
int sql_bind_blob(struct sql_stmt *s, int i, const void *v, size_t len); /* NULL binds SQL NULL */
int sql_bind_null(struct sql_stmt *s, int i);
/* Runs the statement (first call) and moves to the next row: SQL_ROW,
 * SQL_DONE or SQL_ERR (then see sql_errclass on the connection). */
int sql_step(struct sql_stmt *s);
/* Column readers for the current row (i from 0). Text and blob pointers
 * stay valid until the next sql_step, sql_reset or sql_finalize. A NULL
 * column reads as 0, NULL text and a NULL blob of length 0. Integer
 * columns may be read as text and the reverse, as SQLite allows. */
int sql_col_is_null(struct sql_stmt *s, int i);
int64_t sql_col_int64(struct sql_stmt *s, int i);
const char *sql_col_text(struct sql_stmt *s, int i);
const void *sql_col_blob(struct sql_stmt *s, int i, size_t *len);
int sql_col_count(struct sql_stmt *s);
/* The column's name (for a generic copy of a table, db migrate). */
const char *sql_col_name(struct sql_stmt *s, int i);
/* The value's type in the current row, for a generic copy: SQL_T_NULL,
 * SQL_T_INT, SQL_T_TEXT or SQL_T_BLOB (PostgreSQL: by the column's type,
 * int2/4/8 and bool as SQL_T_INT, bytea as SQL_T_BLOB, else SQL_T_TEXT). */
enum sql_type { SQL_T_NULL = 0, SQL_T_INT, SQL_T_TEXT, SQL_T_BLOB };
enum sql_type sql_col_type(struct sql_stmt *s, int i);
/* Ends the current run and clears the bindings, so the statement can run
 * again. */
void sql_reset(struct sql_stmt *s);
/* Frees the statement (NULL is allowed). */
void sql_finalize(struct sql_stmt *s);

#endif
