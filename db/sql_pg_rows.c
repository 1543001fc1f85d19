/* sql_pg_rows: the rows of a PostgreSQL statement. A statement is sent in
 * single-row mode (db/sql_pg_stmt.c) and its rows are read from the server
 * one at a time as the caller steps, so a scan of a million certificates
 * holds one row in memory, not all of them. A connection carries one
 * command at a time: when the store runs another statement while it is
 * still reading one (as it may on SQLite), the rows still to come are first
 * read ahead into the reading statement's queue, which its next steps then
 * serve. Values come back as text; bytea's hex form is decoded per row. */
#ifdef PINCA_HAVE_PG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/output.h"
#include "db/sql_pg.h"

/* Reads every result still coming for ps into its queue; the connection is
 * free afterwards. A result that does not fit (out of memory) is dropped
 * and the run ends in an error instead of short. */
static void
pg_read_ahead(struct pg_stmt *ps)
{
	struct pg_conn *pc = PG_CONN(ps);
	PGresult *r;

	while ((r = PQgetResult(pc->pg)) != NULL) {
		if (ps->count == ps->cap) {
			size_t cap = ps->cap ? ps->cap * 2 : 64;
			PGresult **q = realloc(ps->queue, cap * sizeof(PGresult *));
			if (q == NULL) {
				PQclear(r);
				ps->lost = 1;
				continue;
			}
			ps->queue = q;
			ps->cap = cap;
		}
		ps->queue[ps->count++] = r;
	}
	pc->streaming = NULL;
}

void
pg_conn_idle(struct pg_conn *pc)
{
	if (pc->streaming != NULL)
		pg_read_ahead(pc->streaming);
}

/* The next result of ps's run: one read ahead, else the server's; NULL at
 * the end. */
static PGresult *
pg_next_result(struct pg_stmt *ps)
{
	struct pg_conn *pc = PG_CONN(ps);
	PGresult *r;

	if (ps->head < ps->count)
		return ps->queue[ps->head++];
	if (pc->streaming != ps)
		return NULL;
	if ((r = PQgetResult(pc->pg)) == NULL)
		pc->streaming = NULL;
	return r;
}

/* Frees the decoded blobs of the current row. */
static void
pg_row_clear(struct pg_stmt *ps)
{
	for (int i = 0; ps->blobs != NULL && i < ps->nblobs; i++) {
		free(ps->blobs[i]);
		ps->blobs[i] = NULL;
	}
}

/* Makes the per-column blob buffers for the current result's columns. */
static int
pg_blobs_alloc(struct pg_stmt *ps)
{
	int n = PQnfields(ps->res);

	if ((ps->blobs = calloc((size_t)n + 1, sizeof(*ps->blobs))) == NULL ||
	    (ps->blob_lens = calloc((size_t)n + 1, sizeof(*ps->blob_lens))) == NULL) {
		free(ps->blobs);
		ps->blobs = NULL;
		pg_fail_text(PG_CONN(ps), SQL_E_OTHER, "out of memory");
		return SQL_ERR;
	}
	ps->nblobs = n;
	return SQL_OK;
}

void
pg_rows_end(struct pg_stmt *ps)
{
	PGresult *r;

	pg_row_clear(ps);
	free(ps->blobs);
	free(ps->blob_lens);
	ps->blobs = NULL;
	ps->blob_lens = NULL;
	ps->nblobs = 0;
	PQclear(ps->res);
	PQclear(ps->desc);
	ps->res = ps->desc = NULL;
	ps->row = -1;
	if (PG_CONN(ps)->streaming == ps) {
		while ((r = PQgetResult(PG_CONN(ps)->pg)) != NULL)
			PQclear(r);
		PG_CONN(ps)->streaming = NULL;
	}
	for (size_t i = ps->head; i < ps->count; i++)
		PQclear(ps->queue[i]);
	ps->head = ps->count = 0;
}

/* A failed run: records res's failure, drops the rest. SQL_ERR. */
static int
pg_step_fail(struct pg_stmt *ps, PGresult *res)
{
	pg_fail(PG_CONN(ps), res);
	PQclear(res);
	pg_rows_end(ps);
	ps->done = 1;
	return SQL_ERR;
}

/* One more try of a named statement the session no longer has (DEALLOCATE
 * ALL, a pooler's other backend), before any row came. SQL_OK: sent again. */
static int
pg_step_reprepare(struct pg_stmt *ps, PGresult *res)
{
	PQclear(res);
	pg_rows_end(ps);
	ps->retried = 1;
	ps->name[0] = '\0';
	return pg_send(ps);
}

/* sql_step: the first call sends the statement; each call moves to the
 * next row. */
int
pg_step(struct sql_stmt *s)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;
	PGresult *r;

	PG_CONN(ps)->errclass = SQL_E_NONE;
	if (ps->done)
		return SQL_DONE;
	if (!ps->started && pg_send(ps) != SQL_OK)
		return SQL_ERR;
	pg_row_clear(ps);
	/* A whole result (single-row mode refused) is walked row by row. */
	if (ps->res != NULL && ps->row + 1 < PQntuples(ps->res)) {
		ps->row++;
		return SQL_ROW;
	}
	PQclear(ps->res);
	ps->res = NULL;
	for (;;) {
		if ((r = pg_next_result(ps)) == NULL) {
			ps->done = 1;
			if (ps->lost)
				return pg_fail_text(PG_CONN(ps), SQL_E_OTHER, "out of memory");
			return SQL_DONE;
		}
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			pg_note_changes(PG_CONN(ps), r);
			if (PQntuples(r) > 0) {
				ps->res = r;
				ps->row = 0;
				ps->got_rows = 1;
				return SQL_ROW;
			}
			/* The end of the rows: kept for the column names. */
			PQclear(ps->desc);
			ps->desc = r;
			break;
		default:
			if (ps->persistent && !ps->got_rows && !ps->retried && pg_prepared_gone(r)) {
				if (pg_step_reprepare(ps, r) != SQL_OK) {
					ps->done = 1;
					return SQL_ERR;
				}
				break;
			}
			return pg_step_fail(ps, r);
		}
	}
}

/* 1 when column i of the current row exists (an out-of-range read gives
 * what SQLite gives for one: NULL). */
static int
pg_has_value(const struct pg_stmt *ps, int i)
{
	return ps->res != NULL && ps->row >= 0 && ps->row < PQntuples(ps->res) &&
	    i >= 0 && i < PQnfields(ps->res);
}

int
pg_col_is_null(struct sql_stmt *s, int i)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	return !pg_has_value(ps, i) || PQgetisnull(ps->res, ps->row, i);
}

int64_t
pg_col_int64(struct sql_stmt *s, int i)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;
	const char *v;

	if (pg_col_is_null(s, i))
		return 0;
	v = PQgetvalue(ps->res, ps->row, i);
	if (PQftype(ps->res, i) == PG_OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

const char *
pg_col_text(struct sql_stmt *s, int i)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	if (pg_col_is_null(s, i))
		return NULL;
	if (PQftype(ps->res, i) == PG_OID_BOOL)
		return PQgetvalue(ps->res, ps->row, i)[0] == 't' ? "1" : "0";
	return PQgetvalue(ps->res, ps->row, i);
}

/* Decodes bytea's hex output ("\x0a1b...") into a new buffer (NULL: not
 * that form, or out of memory). */
unsigned char *
pg_bytea_decode(const char *v, size_t *len)
{
	size_t n = strlen(v);
	unsigned char *out;

	if (n < 2 || v[0] != '\\' || v[1] != 'x' || n % 2 != 0)
		return NULL;
	n = (n - 2) / 2;
	if ((out = malloc(n ? n : 1)) == NULL)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		int hi = hex_digit_value(v[2 + 2 * k]), lo = hex_digit_value(v[3 + 2 * k]);
		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[k] = (unsigned char)(hi << 4 | lo);
	}
	*len = n;
	return out;
}

const void *
pg_col_blob(struct sql_stmt *s, int i, size_t *len)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;
	const char *v;

	*len = 0;
	if (pg_col_is_null(s, i))
		return NULL;
	v = PQgetvalue(ps->res, ps->row, i);
	if (PQftype(ps->res, i) != PG_OID_BYTEA) {
		*len = (size_t)PQgetlength(ps->res, ps->row, i);
		return v;
	}
	if (ps->blobs == NULL && (pg_blobs_alloc(ps) != SQL_OK || ps->blobs == NULL))
		return NULL;
	if (ps->blobs[i] == NULL &&
	    (ps->blobs[i] = pg_bytea_decode(v, &ps->blob_lens[i])) == NULL) {
		pg_fail_text(PG_CONN(ps), SQL_E_OTHER, "cannot decode a bytea value");
		return NULL;
	}
	*len = ps->blob_lens[i];
	return ps->blobs[i];
}

int
pg_col_count(struct sql_stmt *s)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	if (ps->res != NULL)
		return PQnfields(ps->res);
	return ps->desc ? PQnfields(ps->desc) : 0;
}

const char *
pg_col_name(struct sql_stmt *s, int i)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	const PGresult *r = ps->res ? ps->res : ps->desc;

	return r && i >= 0 && i < PQnfields(r) ? PQfname(r, i) : NULL;
}

enum sql_type
pg_col_type(struct sql_stmt *s, int i)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	if (pg_col_is_null(s, i))
		return SQL_T_NULL;
	switch (PQftype(ps->res, i)) {
	case PG_OID_INT2:
	case PG_OID_INT4:
	case PG_OID_INT8:
	case PG_OID_BOOL:
		return SQL_T_INT;
	case PG_OID_BYTEA:
		return SQL_T_BLOB;
	default:
		return SQL_T_TEXT;
	}
}

#endif
