/* sql_pg: what the two files of the PostgreSQL driver share (db/sql_pg.c:
 * the connection and its errors; db/sql_pg_stmt.c: statements). Only those
 * two and their tests include it. */
#ifndef PINCA_SQL_PG_H
#define PINCA_SQL_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db/sql.h"
#include "db/sql_driver.h"

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
};

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

/* The statement operations of the driver (db/sql_pg_stmt.c). */
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
