/* schema_pg: the store's schema on PostgreSQL. There is one description of
 * the tables, SQLite's migrations (db/schema.c); each is translated here
 * word by word into PostgreSQL (types, identity keys, WITHOUT ROWID, INSERT
 * OR IGNORE, strftime, the append-only triggers), with an override per
 * version only where no rule fits. The version and the mark that the
 * database is pinca's live in the table pinca_meta; each migration runs in
 * one transaction under the writers' advisory lock, so hosts that start
 * together migrate once, and a database with other tables but no mark is
 * refused, as SQLite refuses a foreign file. */
#ifdef PINCA_HAVE_PG
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "db/schema_pg.h"
#include "db/sql.h"
#include "db/store.h"

/* A growing string. */
struct pg_text {
	char *s;
	size_t len, cap;
	int failed;
};

/* Appends n bytes of p. */
static void
text_add(struct pg_text *t, const char *p, size_t n)
{
	if (t->failed)
		return;
	if (t->s == NULL || t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *s = realloc(t->s, cap);
		if (s == NULL) {
			t->failed = 1;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void
text_puts(struct pg_text *t, const char *p)
{
	text_add(t, p, strlen(p));
}

/* Appends formatted text. */
static void __attribute__((format(printf, 2, 3)))
text_printf(struct pg_text *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		t->failed = 1;
	else
		text_add(t, buf, (size_t)n);
}

/* Migrations no rule translates: version (from 1) -> PostgreSQL text. None
 * needs one yet; the unit test (tests/unit/test_sql_pg.c) compares the
 * tables of a new store on both engines, so a migration the rules get wrong
 * shows there. */
static const struct {
	int version;
	const char *sql;
} schema_pg_overrides[] = {
	{ 0, NULL },
};

/* 1 when p starts with the word w (any case), not inside a longer word. */
static int
word_at(const char *sql, const char *p, const char *w)
{
	size_t n = strlen(w);

	if (p > sql && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		return 0;
	return strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

/* Skips spaces. */
static const char *
skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Copies the next word (letters, digits, '_') of p into w; returns after it. */
static const char *
next_word(const char *p, char *w, size_t wlen)
{
	size_t n = 0;

	p = skip_space(p);
	while ((isalnum((unsigned char)*p) || *p == '_') && n + 1 < wlen)
		w[n++] = *p++;
	w[n] = '\0';
	return p;
}

/* Translates SQLite's append-only trigger,
 *   CREATE TRIGGER n BEFORE UPDATE|DELETE ON t BEGIN SELECT RAISE(ABORT, 'm'); END;
 * into a plpgsql function that raises m and a statement trigger calling it
 * (a DELETE trigger also refuses TRUNCATE, which no row trigger sees).
 * Returns the text after the trigger, or NULL for a form it does not know. */
static const char *
translate_trigger(const char *p, struct pg_text *out)
{
	char name[64], when[16], event[16], on[8], table[64], msg[256];
	const char *q, *end;
	size_t n;

	p = next_word(p + strlen("CREATE"), name, sizeof(name));	/* TRIGGER */
	p = next_word(p, name, sizeof(name));
	p = next_word(p, when, sizeof(when));
	p = next_word(p, event, sizeof(event));
	p = next_word(p, on, sizeof(on));
	p = next_word(p, table, sizeof(table));
	if (strcasecmp(when, "BEFORE") != 0 || strcasecmp(on, "ON") != 0 ||
	    (strcasecmp(event, "UPDATE") != 0 && strcasecmp(event, "DELETE") != 0))
		return NULL;
	if ((q = strstr(p, "RAISE(ABORT,")) == NULL || (q = strchr(q, '\'')) == NULL ||
	    (end = strchr(q + 1, '\'')) == NULL || (n = (size_t)(end - q - 1)) >= sizeof(msg))
		return NULL;
	memcpy(msg, q + 1, n);
	msg[n] = '\0';
	if ((q = strstr(end, "END")) == NULL)
		return NULL;
	text_printf(out, "CREATE FUNCTION %s_refuse() RETURNS trigger LANGUAGE plpgsql AS "
	    "$pinca$BEGIN RAISE EXCEPTION '%s'; END$pinca$;", name, msg);
	text_printf(out, "CREATE TRIGGER %s BEFORE %s ON %s FOR EACH STATEMENT "
	    "EXECUTE FUNCTION %s_refuse()", name, strcasecmp(event, "DELETE") == 0 ?
	    "DELETE OR TRUNCATE" : "UPDATE", table, name);
	return q + 3;
}

/* One word-level rule at p: appends its PostgreSQL form and returns the
 * text after what it replaced, or NULL when no rule starts at p.
 * *conflict is set by INSERT OR IGNORE: its statement gets ON CONFLICT DO
 * NOTHING at its end. */
static const char *
translate_word(const char *sql, const char *p, struct pg_text *out, int *conflict)
{
	const char *q;

	if (word_at(sql, p, "INTEGER")) {
		q = skip_space(p + 7);
		if (word_at(sql, q, "PRIMARY") && word_at(sql, skip_space(q + 7), "KEY")) {
			q = skip_space(q + 7) + 3;
			if (word_at(sql, skip_space(q), "AUTOINCREMENT"))
				q = skip_space(q) + 13;
			/* A key that is another table's (REFERENCES) is not generated. */
			text_puts(out, word_at(sql, skip_space(q), "REFERENCES") ? "BIGINT PRIMARY KEY" :
			    "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
			return q;
		}
		text_puts(out, "BIGINT");
		return p + 7;
	}
	if (word_at(sql, p, "BLOB")) {
		text_puts(out, "BYTEA");
		return p + 4;
	}
	if (word_at(sql, p, "WITHOUT") && word_at(sql, skip_space(p + 7), "ROWID"))
		return skip_space(p + 7) + 5;
	if (word_at(sql, p, "INSERT") && word_at(sql, skip_space(p + 6), "OR")) {
		q = skip_space(skip_space(p + 6) + 2);
		if (!word_at(sql, q, "IGNORE"))
			return NULL;
		*conflict = 1;
		text_puts(out, "INSERT");
		return q + 6;
	}
	if (strncasecmp(p, "strftime('%s','now')", 20) == 0) {
		text_puts(out, "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)");
		return p + 20;
	}
	/* A column named user: a reserved word in PostgreSQL. */
	if (word_at(sql, p, "user") && (p == sql || p[-1] != '"')) {
		text_puts(out, "\"user\"");
		return p + 4;
	}
	return NULL;
}

/* Translates one SQLite migration; returns a new string, or NULL (with a
 * message in err) for a construct no rule covers. */
char *
schema_pg_translate(const char *sql, char *err, size_t errlen)
{
	struct pg_text out = { 0 };
	int conflict = 0;

	for (const char *p = sql; *p != '\0';) {
		const char *q;
		if (*p == '\'' || *p == '"') {
			q = strchr(p + 1, *p);
			q = q ? q + 1 : p + strlen(p);
			text_add(&out, p, (size_t)(q - p));
			p = q;
		} else if (word_at(sql, p, "CREATE") && word_at(sql, skip_space(p + 6), "TRIGGER")) {
			if ((q = translate_trigger(p, &out)) == NULL) {
				snprintf(err, errlen, "a trigger PostgreSQL's translation does not know");
				goto fail;
			}
			p = q;
		} else if (*p == ';') {
			if (conflict)
				text_puts(&out, " ON CONFLICT DO NOTHING");
			conflict = 0;
			text_add(&out, p++, 1);
		} else if ((q = translate_word(sql, p, &out, &conflict)) != NULL) {
			p = q;
		} else if (word_at(sql, p, "PRAGMA") || word_at(sql, p, "AUTOINCREMENT") ||
		    word_at(sql, p, "sqlite_master") || word_at(sql, p, "sqlite_schema") ||
		    strncasecmp(p, "strftime(", 9) == 0 || word_at(sql, p, "REPLACE")) {
			snprintf(err, errlen, "SQLite-only SQL near '%.20s'", p);
			goto fail;
		} else {
			text_add(&out, p++, 1);
		}
	}
	if (conflict)
		text_puts(&out, " ON CONFLICT DO NOTHING");
	if (out.failed) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return out.s ? out.s : strdup("");
fail:
	free(out.s);
	return NULL;
}

/* The PostgreSQL text of migration v (from 1): its override, else its
 * translation. A new string, or NULL with the reason printed. */
char *
schema_pg_migration(int v)
{
	char err[128];
	char *sql;

	for (size_t i = 0; i < sizeof(schema_pg_overrides) / sizeof(schema_pg_overrides[0]); i++)
		if (schema_pg_overrides[i].version == v && schema_pg_overrides[i].sql != NULL)
			return strdup(schema_pg_overrides[i].sql);
	if ((sql = schema_pg_translate(schema_migrations[v - 1], err, sizeof(err))) == NULL)
		pinca_warnx("schema version %d has no PostgreSQL form (db/schema_pg.c): %s", v, err);
	return sql;
}
/* The mark and the version: one row, ('pinca', N). */
static const char schema_pg_meta[] =
    "CREATE TABLE pinca_meta ("
    "  application TEXT PRIMARY KEY CHECK (application = 'pinca'),"
    "  schema_version BIGINT NOT NULL);"
    "INSERT INTO pinca_meta(application, schema_version) VALUES ('pinca', 0)";

/* One integer from a query with no parameters into *v; RC_OK, or RC_FAIL
 * with the store's line printed. */
static int
schema_pg_int(struct store *st, const char *sql, int64_t *v)
{
	struct sql_stmt *s = NULL;
	int rc = RC_FAIL;

	if (sql_prepare(st->conn, sql, 0, &s) == SQL_OK && sql_step(s) == SQL_ROW) {
		*v = sql_col_int64(s, 0);
		rc = RC_OK;
	} else {
		store_fail(st, "cannot read the schema version");
	}
	sql_finalize(s);
	return rc;
}

/* Reads the database's schema version into *version: -1 for a database
 * with no table at all (a new one). Refuses (RC_FAIL, one line) a database
 * with tables but no pinca mark, and one of a newer pinca. */
static int
schema_pg_state(struct store *st, int *version)
{
	int64_t marked, tables, v = 0;

	if (schema_pg_int(st, "SELECT count(*) FROM pg_catalog.pg_tables "
	    "WHERE schemaname = current_schema() AND tablename = 'pinca_meta'", &marked) != RC_OK ||
	    schema_pg_int(st, "SELECT count(*) FROM information_schema.tables "
	    "WHERE table_schema = current_schema()", &tables) != RC_OK)
		return RC_FAIL;
	if (!marked && tables == 0) {
		*version = -1;
		return RC_OK;
	}
	if (marked && schema_pg_int(st, "SELECT COALESCE(MAX(schema_version), 0) FROM pinca_meta "
	    "WHERE application = 'pinca'", &v) != RC_OK)
		return RC_FAIL;	/* the store's line says why (a lost connection...) */
	if (!marked || v <= 0) {
		pinca_warnx("%s is not a pinca database (it holds other tables)", store_path(st));
		return RC_FAIL;
	}
	if (v > schema_migration_count) {
		pinca_warnx("%s was written by a newer pinca (schema %lld, this one knows %d); "
		    "upgrade pinca", store_path(st), (long long)v, schema_migration_count);
		return RC_FAIL;
	}
	*version = (int)v;
	return RC_OK;
}

/* Runs migrations have+1 .. the last, and records the version. */
static int
schema_pg_steps(struct store *st, int have)
{
	char sql[96];

	if (have < 0 && store_exec(st, schema_pg_meta) != RC_OK)
		return RC_FAIL;
	for (int v = have < 0 ? 1 : have + 1; v <= schema_migration_count; v++) {
		char *step = schema_pg_migration(v);
		int rc = step ? store_exec(st, step) : RC_FAIL;
		free(step);
		if (rc != RC_OK)
			return RC_FAIL;
	}
	snprintf(sql, sizeof(sql), "UPDATE pinca_meta SET schema_version = %d", schema_migration_count);
	return store_exec(st, sql);
}

int
schema_pg_migrate(struct store *st)
{
	int have;

	if (schema_pg_state(st, &have) != RC_OK)
		return RC_FAIL;
	if (have == schema_migration_count)
		return RC_OK;
	/* All steps in one transaction under the writers' advisory lock: two
	 * hosts that start together migrate once (the second finds the work
	 * done when it reads the version again under the lock), and a failed
	 * step leaves the database at its old version. */
	if (store_begin(st) != RC_OK)
		return RC_FAIL;
	if (schema_pg_state(st, &have) != RC_OK ||
	    (have != schema_migration_count && schema_pg_steps(st, have) != RC_OK)) {
		store_rollback(st);
		return RC_FAIL;
	}
	return store_commit(st);
}
#endif
