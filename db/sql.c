/* sql: the engine-neutral functions of db/sql.h. Each forwards to the
 * connection's driver (db/sql_driver.h); only sql_bind_text and
 * sql_bind_blob add the NULL-binds-NULL rule here, once for both drivers. */
#include "db/sql.h"
#include "db/sql_driver.h"

/* Frees c through its driver (NULL is allowed). */
void
sql_close(struct sql_conn *c)
{
	if (c != NULL)
		c->drv->close(c);
}

/* The dialect of c's driver. */
enum sql_dialect
sql_dialect(const struct sql_conn *c)
{
	return c->drv->dialect;
}

/* The driver's message for c's last failure. */
const char *
sql_errmsg(const struct sql_conn *c)
{
	return c->drv->errmsg(c);
}

/* The class of c's last failure. */
enum sql_errclass
sql_errclass(const struct sql_conn *c)
{
	return c->drv->errclass(c);
}

/* The engine's own handle. */
void *
sql_native(struct sql_conn *c)
{
	return c->drv->native(c);
}

/* Runs parameterless statements; SQL_OK or SQL_ERR. */
int
sql_exec(struct sql_conn *c, const char *sql)
{
	return c->drv->exec(c, sql);
}

/* Rows changed by the last write statement. */
int64_t
sql_changes(const struct sql_conn *c)
{
	return c->drv->changes(c);
}

/* Prepares one statement into *out (NULL on failure). */
int
sql_prepare(struct sql_conn *c, const char *sql, int persistent, struct sql_stmt **out)
{
	*out = NULL;
	return c->drv->prepare(c, sql, persistent, out);
}

/* Binds an integer. */
int
sql_bind_int64(struct sql_stmt *s, int i, int64_t v)
{
	return s->conn->drv->bind_int64(s, i, v);
}

/* Binds a copy of text v, or SQL NULL when v is NULL. */
int
sql_bind_text(struct sql_stmt *s, int i, const char *v)
{
	return v ? s->conn->drv->bind_text(s, i, v) : s->conn->drv->bind_null(s, i);
}

/* Binds a copy of blob v, or SQL NULL when v is NULL. */
int
sql_bind_blob(struct sql_stmt *s, int i, const void *v, size_t len)
{
	return v ? s->conn->drv->bind_blob(s, i, v, len) : s->conn->drv->bind_null(s, i);
}

/* Binds SQL NULL. */
int
sql_bind_null(struct sql_stmt *s, int i)
{
	return s->conn->drv->bind_null(s, i);
}

/* Runs or advances the statement: SQL_ROW, SQL_DONE or SQL_ERR. */
int
sql_step(struct sql_stmt *s)
{
	return s->conn->drv->step(s);
}

/* 1 when column i of the current row is NULL. */
int
sql_col_is_null(struct sql_stmt *s, int i)
{
	return s->conn->drv->col_is_null(s, i);
}

/* Column i as an integer. */
int64_t
sql_col_int64(struct sql_stmt *s, int i)
{
	return s->conn->drv->col_int64(s, i);
}

/* Column i as text (NULL for SQL NULL). */
const char *
sql_col_text(struct sql_stmt *s, int i)
{
	return s->conn->drv->col_text(s, i);
}

/* Column i as a blob and its length (NULL and 0 for SQL NULL). */
const void *
sql_col_blob(struct sql_stmt *s, int i, size_t *len)
{
	return s->conn->drv->col_blob(s, i, len);
}

/* The number of columns of the statement's result. */
int
sql_col_count(struct sql_stmt *s)
{
	return s->conn->drv->col_count(s);
}

/* Column i's name. */
const char *
sql_col_name(struct sql_stmt *s, int i)
{
	return s->conn->drv->col_name(s, i);
}

/* Column i's type in the current row. */
enum sql_type
sql_col_type(struct sql_stmt *s, int i)
{
	return s->conn->drv->col_type(s, i);
}

/* Ends the current run and clears the bindings. */
void
sql_reset(struct sql_stmt *s)
{
	s->conn->drv->reset(s);
}

/* Frees s (NULL is allowed). */
void
sql_finalize(struct sql_stmt *s)
{
	if (s != NULL)
		s->conn->drv->finalize(s);
}
