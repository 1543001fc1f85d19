/* sql_pg_stmt: statements of the PostgreSQL driver. SQLite's '?' becomes
 * $n; integers and text go to the server as text, blobs as binary bytea;
 * results come back as text (a whole result at a time, so statements may
 * nest as they do on SQLite) and bytea's hex form is decoded per row. A
 * persistent statement is a named prepared statement, prepared once per
 * session and per set of parameter types. */
#ifdef PINCA_HAVE_PG
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/output.h"
#include "db/sql_pg.h"

/* Type OIDs of pg_type.dat (stable across releases). */
#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_MAX_PARAMS 65535

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
	PGresult *res;
	int row;		/* the current row, -1 before the first */
	int done;
	unsigned char **blobs;	/* per column: the current row's decoded bytea */
	size_t *blob_lens;
};

#define PG_CONN(s) ((struct pg_conn *)(s)->base.conn)

/* The length of the quoted or commented run that starts at p (a quote, a
 * comment opener or a dollar tag), or 0 when p starts none. */
static size_t
pg_skip_run(const char *p)
{
	const char *q;

	if (*p == '\'' || *p == '"') {
		/* '' and "" inside are the quote itself, so a scan to the next
		 * quote then on, pair by pair, is enough. */
		q = strchr(p + 1, *p);
		return q ? (size_t)(q + 1 - p) : strlen(p);
	}
	if (p[0] == '-' && p[1] == '-')
		return strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		q = strstr(p + 2, "*/");
		return q ? (size_t)(q + 2 - p) : strlen(p);
	}
	if (p[0] == '$') {
		/* $tag$ ... $tag$ (a tag of letters, digits, '_'; not $1). */
		size_t n = 1;
		char tag[64];
		if (p[1] >= '0' && p[1] <= '9')
			return 0;
		while (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
		    (p[n] >= '0' && p[n] <= '9'))
			n++;
		if (p[n] != '$' || n + 1 >= sizeof(tag))
			return 0;
		memcpy(tag, p, n + 1);
		tag[n + 1] = '\0';
		q = strstr(p + n + 1, tag);
		return q ? (size_t)(q + n + 1 - p) : strlen(p);
	}
	return 0;
}

char *
pg_placeholders(const char *sql, int *nparams)
{
	/* "$32767" is at most 6 bytes for a "?" of 1: 6 x the size bounds it. */
	size_t cap = strlen(sql) * 6 + 1, o = 0;
	char *out = malloc(cap);
	int next = 0, max = 0;

	if (out == NULL)
		return NULL;
	for (const char *p = sql; *p != '\0';) {
		size_t run = pg_skip_run(p);
		if (run > 0) {
			memcpy(out + o, p, run);
			o += run;
			p += run;
		} else if (*p == '?') {
			long n;
			p++;
			if (*p >= '0' && *p <= '9') {
				char *end;
				n = strtol(p, &end, 10);
				p = end;
			} else {
				n = ++next;
			}
			/* PostgreSQL numbers at most 65535 parameters, from 1. */
			if (n < 1 || n > PG_MAX_PARAMS) {
				free(out);
				*nparams = -1;
				return NULL;
			}
			if (n > next)
				next = (int)n;
			if (n > max)
				max = (int)n;
			o += (size_t)snprintf(out + o, cap - o, "$%ld", n);
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	*nparams = max;
	return out;
}

/* sql_prepare: rewrites the placeholders; nothing reaches the server before
 * the first step, when the parameters' types are known. */
int
pg_prepare(struct sql_conn *c, const char *sql, int persistent, struct sql_stmt **out)
{
	struct pg_conn *pc = (struct pg_conn *)c;
	struct pg_stmt *ps = calloc(1, sizeof(*ps));

	if (ps == NULL || (ps->sql = pg_placeholders(sql, &ps->nparams)) == NULL ||
	    (ps->nparams > 0 && (ps->params = calloc((size_t)ps->nparams, sizeof(*ps->params))) == NULL)) {
		int numbering = ps != NULL && ps->nparams < 0;
		if (ps != NULL)
			free(ps->sql);
		free(ps);
		return pg_fail_text(pc, SQL_E_OTHER, numbering ? "a parameter number out of range "
		    "(1 to 65535)" : "out of memory");
	}
	ps->base.conn = c;
	ps->persistent = persistent;
	ps->row = -1;
	*out = &ps->base;
	return SQL_OK;
}

/* Frees parameter i's value. */
static void
pg_param_clear(struct pg_param *p)
{
	if (p->value != NULL && p->value != p->num)
		free(p->value);
	memset(p, 0, sizeof(*p));
}

/* Parameter i (from 1) of s, cleared for a new value; NULL when out of range. */
static struct pg_param *
pg_param(struct pg_stmt *ps, int i)
{
	if (i < 1 || i > ps->nparams) {
		pg_fail_text(PG_CONN(ps), SQL_E_OTHER, "bind index out of range");
		return NULL;
	}
	pg_param_clear(&ps->params[i - 1]);
	return &ps->params[i - 1];
}

int
pg_bind_int64(struct sql_stmt *s, int i, int64_t v)
{
	struct pg_param *p = pg_param((struct pg_stmt *)s, i);

	if (p == NULL)
		return SQL_ERR;
	snprintf(p->num, sizeof(p->num), "%" PRId64, v);
	p->value = p->num;
	p->type = PG_OID_INT8;
	return SQL_OK;
}

int
pg_bind_text(struct sql_stmt *s, int i, const char *v)
{
	struct pg_param *p = pg_param((struct pg_stmt *)s, i);

	if (p == NULL)
		return SQL_ERR;
	if ((p->value = strdup(v)) == NULL)
		return pg_fail_text(PG_CONN((struct pg_stmt *)s), SQL_E_OTHER, "out of memory");
	return SQL_OK;
}

int
pg_bind_blob(struct sql_stmt *s, int i, const void *v, size_t len)
{
	struct pg_param *p = pg_param((struct pg_stmt *)s, i);

	if (p == NULL)
		return SQL_ERR;
	if (len > INT32_MAX || (p->value = malloc(len ? len : 1)) == NULL)
		return pg_fail_text(PG_CONN((struct pg_stmt *)s), SQL_E_OTHER, "out of memory");
	memcpy(p->value, v, len);
	p->length = (int)len;
	p->format = 1;
	p->type = PG_OID_BYTEA;
	return SQL_OK;
}

int
pg_bind_null(struct sql_stmt *s, int i)
{
	return pg_param((struct pg_stmt *)s, i) ? SQL_OK : SQL_ERR;
}

/* Frees the decoded blobs of the current row. */
static void
pg_row_clear(struct pg_stmt *ps)
{
	int n = ps->res ? PQnfields(ps->res) : 0;

	for (int i = 0; ps->blobs != NULL && i < n; i++) {
		free(ps->blobs[i]);
		ps->blobs[i] = NULL;
	}
}

/* 1 when the named statement must be prepared (again): never prepared, its
 * session was lost, or a parameter now has another type than it had. */
static int
pg_needs_prepare(const struct pg_stmt *ps, const Oid *types)
{
	if (ps->name[0] == '\0' || ps->generation != PG_CONN(ps)->generation)
		return 1;
	/* A type the server inferred (0 then) takes a value in text form as
	 * well as the type bound now does. */
	for (int i = 0; i < ps->nparams; i++)
		if (types[i] != 0 && ps->prepared_types[i] != 0 && types[i] != ps->prepared_types[i])
			return 1;
	return 0;
}

/* Drops the statement's server-side copy, if its session still has one and
 * can run a command (best effort: a leftover dies with the session). */
static void
pg_deallocate(struct pg_stmt *ps)
{
	struct pg_conn *pc = PG_CONN(ps);
	char sql[64];

	if (ps->name[0] == '\0' || ps->generation != pc->generation ||
	    PQstatus(pc->pg) != CONNECTION_OK || PQtransactionStatus(pc->pg) == PQTRANS_INERROR)
		return;
	snprintf(sql, sizeof(sql), "DEALLOCATE %s", ps->name);
	PQclear(PQexec(pc->pg, sql));
	ps->name[0] = '\0';
}

/* Prepares the named statement with these parameter types. */
static int
pg_prepare_named(struct pg_stmt *ps, const Oid *types)
{
	struct pg_conn *pc = PG_CONN(ps);
	PGresult *res;
	int rc = SQL_OK;

	if (ps->prepared_types == NULL && ps->nparams > 0 &&
	    (ps->prepared_types = calloc((size_t)ps->nparams, sizeof(Oid))) == NULL)
		return pg_fail_text(pc, SQL_E_OTHER, "out of memory");
	pg_deallocate(ps);
	snprintf(ps->name, sizeof(ps->name), "pinca_%u", pc->next_name++);
	res = PQprepare(pc->pg, ps->name, ps->sql, ps->nparams, types);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(pc, res);
		ps->name[0] = '\0';
	} else {
		if (ps->nparams > 0)
			memcpy(ps->prepared_types, types, (size_t)ps->nparams * sizeof(Oid));
		ps->generation = pc->generation;
	}
	PQclear(res);
	return rc;
}

/* Sends the statement with its parameters and keeps the whole result. */
static int
pg_run(struct pg_stmt *ps)
{
	struct pg_conn *pc = PG_CONN(ps);
	int n = ps->nparams, rc = SQL_ERR;
	const char **values = calloc((size_t)n + 1, sizeof(*values));
	int *lengths = calloc((size_t)n + 1, sizeof(*lengths));
	int *formats = calloc((size_t)n + 1, sizeof(*formats));
	Oid *types = calloc((size_t)n + 1, sizeof(*types));
	ExecStatusType st;

	if (values == NULL || lengths == NULL || formats == NULL || types == NULL) {
		pg_fail_text(pc, SQL_E_OTHER, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		values[i] = ps->params[i].value;
		lengths[i] = ps->params[i].length;
		formats[i] = ps->params[i].format;
		types[i] = ps->params[i].type;
	}
	if (ps->persistent) {
		if (pg_needs_prepare(ps, types) && pg_prepare_named(ps, types) != SQL_OK)
			goto out;
		ps->res = PQexecPrepared(pc->pg, ps->name, n, values, lengths, formats, 0);
	} else {
		ps->res = PQexecParams(pc->pg, ps->sql, n, types, values, lengths, formats, 0);
	}
	st = ps->res ? PQresultStatus(ps->res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_fail(pc, ps->res);
		PQclear(ps->res);
		ps->res = NULL;
		goto out;
	}
	pg_note_changes(pc, ps->res);
	if ((ps->blobs = calloc((size_t)PQnfields(ps->res) + 1, sizeof(*ps->blobs))) == NULL ||
	    (ps->blob_lens = calloc((size_t)PQnfields(ps->res) + 1, sizeof(*ps->blob_lens))) == NULL) {
		pg_fail_text(pc, SQL_E_OTHER, "out of memory");
		goto out;
	}
	rc = SQL_OK;
out:
	free(values);
	free(lengths);
	free(formats);
	free(types);
	return rc;
}

/* sql_step: the first call runs the statement; each call moves to the next
 * row of its result. */
int
pg_step(struct sql_stmt *s)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	PG_CONN(ps)->errclass = SQL_E_NONE;
	if (ps->done)
		return SQL_DONE;
	if (ps->res == NULL && pg_run(ps) != SQL_OK)
		return SQL_ERR;
	pg_row_clear(ps);
	if (++ps->row < PQntuples(ps->res))
		return SQL_ROW;
	ps->done = 1;
	return SQL_DONE;
}

/* 1 when column i of the current row exists (an out-of-range read gives
 * what SQLite gives for one: NULL). */
static int
pg_has_value(const struct pg_stmt *ps, int i)
{
	return ps->res != NULL && !ps->done && ps->row >= 0 && ps->row < PQntuples(ps->res) &&
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

	return ps->res ? PQnfields(ps->res) : 0;
}

const char *
pg_col_name(struct sql_stmt *s, int i)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	return ps->res && i >= 0 && i < PQnfields(ps->res) ? PQfname(ps->res, i) : NULL;
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

/* sql_reset: drops the result and the bindings; the prepared statement (if
 * any) stays on the server. */
void
pg_reset(struct sql_stmt *s)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	pg_row_clear(ps);
	free(ps->blobs);
	free(ps->blob_lens);
	ps->blobs = NULL;
	ps->blob_lens = NULL;
	PQclear(ps->res);
	ps->res = NULL;
	ps->row = -1;
	ps->done = 0;
	for (int i = 0; i < ps->nparams; i++)
		pg_param_clear(&ps->params[i]);
}

/* sql_finalize: frees s, and the named statement on the server. */
void
pg_finalize(struct sql_stmt *s)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	pg_reset(s);
	pg_deallocate(ps);
	free(ps->params);
	free(ps->prepared_types);
	free(ps->sql);
	free(ps);
}
#endif
