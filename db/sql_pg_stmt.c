/* sql_pg_stmt: statements of the PostgreSQL driver, up to sending them.
 * SQLite's '?' becomes $n; integers and text go to the server as text,
 * blobs as binary bytea. A persistent statement is a named prepared
 * statement, prepared once per session and per set of parameter types.
 * Reading the rows is db/sql_pg_rows.c. */
#ifdef PINCA_HAVE_PG
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/output.h"
#include "db/sql_pg.h"


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
void
pg_deallocate(struct pg_stmt *ps)
{
	struct pg_conn *pc = PG_CONN(ps);
	char sql[64];

	if (ps->name[0] == '\0' || ps->generation != pc->generation)
		return;
	pg_conn_idle(pc);
	if (PQstatus(pc->pg) != CONNECTION_OK || PQtransactionStatus(pc->pg) == PQTRANS_INERROR)
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
	pg_conn_idle(pc);
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

/* 1 when res says the named statement does not exist (SQLSTATE 26000). */
int
pg_prepared_gone(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state != NULL && strcmp(state, "26000") == 0;
}

/* Sends the statement with its parameters, in single-row mode: its rows
 * are read one at a time as the caller steps (db/sql_pg_rows.c), so a
 * million-row scan needs the memory of one row. SQL_OK or SQL_ERR. */
int
pg_send(struct pg_stmt *ps)
{
	struct pg_conn *pc = PG_CONN(ps);
	int n = ps->nparams, rc = SQL_ERR, sent;
	const char **values = calloc((size_t)n + 1, sizeof(*values));
	int *lengths = calloc((size_t)n + 1, sizeof(*lengths));
	int *formats = calloc((size_t)n + 1, sizeof(*formats));
	Oid *types = calloc((size_t)n + 1, sizeof(*types));

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
	pg_conn_idle(pc);
	if (ps->persistent) {
		if (pg_needs_prepare(ps, types) && pg_prepare_named(ps, types) != SQL_OK)
			goto out;
		sent = PQsendQueryPrepared(pc->pg, ps->name, n, values, lengths, formats, 0);
	} else {
		sent = PQsendQueryParams(pc->pg, ps->sql, n, types, values, lengths, formats, 0);
	}
	if (!sent) {
		pg_fail(pc, NULL);
		goto out;
	}
	/* Refused only when called out of turn; then the rows come whole. */
	(void)PQsetSingleRowMode(pc->pg);
	pc->streaming = ps;
	ps->started = 1;
	rc = SQL_OK;
out:
	free(values);
	free(lengths);
	free(formats);
	free(types);
	return rc;
}

/* sql_reset: ends the run (the rows still to come are dropped) and clears
 * the bindings; a named statement stays on the server. */
void
pg_reset(struct sql_stmt *s)
{
	struct pg_stmt *ps = (struct pg_stmt *)s;

	pg_rows_end(ps);
	ps->started = ps->done = ps->got_rows = ps->retried = ps->lost = 0;
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
	free(ps->queue);
	free(ps->params);
	free(ps->prepared_types);
	free(ps->sql);
	free(ps);
}
#endif
