/* sql_pg: what the files of the PostgreSQL driver share (db/sql_pg.c: the
 * connection and its errors; db/sql_pg_stmt.c: statements up to sending
 * them; db/sql_pg_rows.c: their rows). Only those and their tests include
 * it. */
#ifndef PINCA_SQL_PG_H
#define PINCA_SQL_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db/sql.h"
#include "db/sql_driver.h"

/* Type OIDs of pg_type.dat (stable across releases). */
#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_MAX_PARAMS 65535

struct pg_stmt;

/* One connection: sql_conn first, so the driver casts back. */
struct pg_conn {
	struct sql_conn base;
	PGconn *pg;
	enum sql_errclass errclass;
	char errmsg[512];
	int64_t changes;
	/* Bumped by each reconnection: named statements prepared under an
	 * older generation died with their session. */
	unsigned generation;
	unsigned next_name;	/* numbers the named prepared statements */
	double reconnect_failed_at;	/* monotonic seconds; 0: none failed */
	char reconnect_msg[512];	/* why that reconnection failed */
	/* The statement whose rows are still coming from the server, or NULL:
	 * anything else sent first reads them ahead (pg_conn_idle). */
	struct pg_stmt *streaming;
};

/* One statement: sql_stmt first. Its parameters as they will be sent. */
struct pg_param {
	char *value;		/* NULL: SQL NULL */
	int length;		/* blobs */
	int format;		/* 0 text, 1 binary */
	Oid type;		/* 0: the server infers it */
	char num[24];		/* an integer's text, value points here */
};

struct pg_stmt {
	struct sql_stmt base;
	char *sql;		/* with $n placeholders */
	int nparams;
	struct pg_param *params;
	int persistent;
	char name[32];		/* the prepared statement's name, "" if none */
	unsigned generation;	/* the session it was prepared in */
	Oid *prepared_types;	/* the types it was prepared with */
	int started;		/* sent to the server in this run */
	int done;		/* its last result was read */
	int got_rows;		/* a row came back in this run */
	int retried;		/* prepared again in this run (SQLSTATE 26000) */
	int lost;		/* results read ahead were dropped (out of memory) */
	/* The current row: row of res (one row in single-row mode). */
	PGresult *res;
	int row;
	PGresult *desc;		/* the run's last result: column names after the end */
	/* Results read ahead because another statement needed the connection
	 * (db/sql_pg_rows.c): queue[head .. count). */
	PGresult **queue;
	size_t head, count, cap;
	unsigned char **blobs;	/* per column: the current row's decoded bytea */
	size_t *blob_lens;
	int nblobs;
};


#define PG_CONN(s) ((struct pg_conn *)(s)->base.conn)

extern const struct sql_driver pg_driver;

/* Records the failure of res (or of the connection, res NULL) on pc. */
int pg_fail(struct pg_conn *pc, const PGresult *res);
/* Records a failure of the driver's own (class and fixed text). */
int pg_fail_text(struct pg_conn *pc, enum sql_errclass class, const char *text);
/* Sets pc->changes from an INSERT/UPDATE/DELETE/MERGE result. */
void pg_note_changes(struct pg_conn *pc, PGresult *res);
/* PQreset, then SQL_OK when the session works again. */
int pg_reconnect(struct pg_conn *pc);

/* Rewrites SQLite's '?' and '?N' placeholders as $1, $2, ... outside
 * quoted strings, quoted identifiers, dollar-quoted strings and comments.
 * Returns a new string (*nparams: the highest number), or NULL when out of
 * memory or (*nparams -1) when a number is outside 1..65535. */
char *pg_placeholders(const char *sql, int *nparams);

/* The parsers of what comes from outside (tests/fuzz/fuzz_pg_text.c):
 * pg_one_line copies the first line of a libpq or server message into msg
 * without its "ERROR:  "/"FATAL:  " heads and with password (if not NULL)
 * replaced by "***"; pg_target_password returns a new copy of the password a
 * target carries (password=, or a URL's user:password@), or NULL;
 * pg_bytea_decode decodes bytea's hex text output into a new buffer, or
 * returns NULL for anything else. */
void pg_one_line(char *msg, size_t msglen, const char *text, const char *password);
char *pg_target_password(const char *target);
unsigned char *pg_bytea_decode(const char *v, size_t *len);

/* Makes the connection free for a new command: the rows still coming for
 * a statement being read are read ahead into its queue (db/sql_pg_rows.c). */
void pg_conn_idle(struct pg_conn *pc);
/* Sends ps with its bindings in single-row mode (db/sql_pg_stmt.c). */
int pg_send(struct pg_stmt *ps);
/* Drops ps's named statement on the server, when it can (best effort). */
void pg_deallocate(struct pg_stmt *ps);
/* 1 when res says a named statement does not exist (SQLSTATE 26000). */
int pg_prepared_gone(const PGresult *res);
/* Ends ps's run: its current row, the rows read ahead and those still to
 * come are dropped (db/sql_pg_rows.c). */
void pg_rows_end(struct pg_stmt *ps);

/* The statement operations of the driver (db/sql_pg_stmt.c, db/sql_pg_rows.c). */
int pg_prepare(struct sql_conn *c, const char *sql, int persistent, struct sql_stmt **out);
int pg_bind_int64(struct sql_stmt *s, int i, int64_t v);
int pg_bind_text(struct sql_stmt *s, int i, const char *v);
int pg_bind_blob(struct sql_stmt *s, int i, const void *v, size_t len);
int pg_bind_null(struct sql_stmt *s, int i);
int pg_step(struct sql_stmt *s);
int pg_col_is_null(struct sql_stmt *s, int i);
int64_t pg_col_int64(struct sql_stmt *s, int i);
const char *pg_col_text(struct sql_stmt *s, int i);
const void *pg_col_blob(struct sql_stmt *s, int i, size_t *len);
int pg_col_count(struct sql_stmt *s);
const char *pg_col_name(struct sql_stmt *s, int i);
enum sql_type pg_col_type(struct sql_stmt *s, int i);
void pg_reset(struct sql_stmt *s);
void pg_finalize(struct sql_stmt *s);

#endif
