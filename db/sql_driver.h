/* sql_driver: what a database driver provides behind db/sql.h. Each driver
 * (db/sql_sqlite.c, db/sql_pg.c) fills one constant struct sql_driver and
 * embeds struct sql_conn and struct sql_stmt as the FIRST member of its own
 * connection and statement structs, so the functions of sql.h (db/sql.c)
 * dispatch through c->drv or s->conn->drv and the driver casts back to its
 * own type. sql_open (db/sql_open.c) picks the driver by the target. Only
 * db/sql*.c include this header. */
#ifndef PINCA_SQL_DRIVER_H
#define PINCA_SQL_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "db/sql.h"

/* The operations of one engine; every pointer is set (no NULLs). The
 * semantics are those of the sql.h function of the same name. */
struct sql_driver {
	enum sql_dialect dialect;
	const char *name;	/* "sqlite" or "postgresql", for messages */

	void (*close)(struct sql_conn *c);	/* frees c; c is not NULL */
	const char *(*errmsg)(const struct sql_conn *c);
	enum sql_errclass (*errclass)(const struct sql_conn *c);
	void *(*native)(struct sql_conn *c);
	int (*exec)(struct sql_conn *c, const char *sql);
	int64_t (*changes)(const struct sql_conn *c);

	int (*prepare)(struct sql_conn *c, const char *sql, int persistent, struct sql_stmt **out);
	int (*bind_int64)(struct sql_stmt *s, int i, int64_t v);
	int (*bind_text)(struct sql_stmt *s, int i, const char *v);	/* v is not NULL */
	int (*bind_blob)(struct sql_stmt *s, int i, const void *v, size_t len); /* v is not NULL */
	int (*bind_null)(struct sql_stmt *s, int i);
	int (*step)(struct sql_stmt *s);
	int (*col_is_null)(struct sql_stmt *s, int i);
	int64_t (*col_int64)(struct sql_stmt *s, int i);
	const char *(*col_text)(struct sql_stmt *s, int i);
	const void *(*col_blob)(struct sql_stmt *s, int i, size_t *len);
	int (*col_count)(struct sql_stmt *s);
	const char *(*col_name)(struct sql_stmt *s, int i);
	enum sql_type (*col_type)(struct sql_stmt *s, int i);
	void (*reset)(struct sql_stmt *s);
	void (*finalize)(struct sql_stmt *s);	/* frees s; s is not NULL */
};

/* The head of every driver's connection struct. */
struct sql_conn {
	const struct sql_driver *drv;
};

/* The head of every driver's statement struct. */
struct sql_stmt {
	struct sql_conn *conn;
};

/* The drivers' constructors, called by sql_open (db/sql_open.c) with its
 * arguments: on success *out is the new connection and SQL_OK is returned;
 * on failure *out is NULL, SQL_ERR is returned and msg (if not NULL, msglen
 * bytes) holds one line saying why. sqlite_driver_open is db/sql_sqlite.c;
 * pg_driver_open is db/sql_pg.c when built with PINCA_HAVE_PG, else a
 * fallback in db/sql_open.c that refuses. */
int sqlite_driver_open(const char *target, int create, struct sql_conn **out, char *msg, size_t msglen);
int pg_driver_open(const char *target, int create, struct sql_conn **out, char *msg, size_t msglen);

#endif
