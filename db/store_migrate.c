/* store_migrate: `pinca db migrate --to URL`, the store's half: copies every
 * table of a SQLite store into an empty PostgreSQL store of the same schema
 * version, in one target transaction, through the generic statement API
 * (db/sql.h) only. The tables and their order come from the source's own
 * catalogue (sqlite_master and its foreign keys), so a table added by a
 * later migration is copied without a list to keep up to date. Ids are kept
 * (every reference and the audit chain stay valid); afterwards each table's
 * identity sequence is set past its largest id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/sql.h"
#include "db/store.h"
#include "db/store_internal.h"

#define MIGRATE_MAX_TABLES 64
#define MIGRATE_NAME_MAX 64

struct migrate_table {
	char name[MIGRATE_NAME_MAX];
	char pk[MIGRATE_NAME_MAX];	/* its one INTEGER primary key column, or "" */
	char self_ref[MIGRATE_NAME_MAX]; /* a column that references the table itself, or "" */
	char deps[MIGRATE_MAX_TABLES][MIGRATE_NAME_MAX]; /* tables it references */
	int ndeps, placed;
};

/* A self-reference set after every row is in: (row's key, value). */
struct migrate_link {
	int64_t id, value;
};

int
store_is_postgres(const struct store *st)
{
	return sql_dialect(st->conn) == SQL_POSTGRES;
}

/* Copies a catalogue name, refusing one that is not a plain identifier (so
 * quoting it in SQL below is safe). */
static int
migrate_name(char *out, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= MIGRATE_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n) {
		pinca_warnx("db migrate: the source has a table or column named '%s', which pinca "
		    "did not make", name ? name : "");
		return RC_FAIL;
	}
	memcpy(out, name, n + 1);
	return RC_OK;
}

/* Reads one table's primary key and foreign keys from the SQLite source. */
static int
migrate_table_info(struct store *src, struct migrate_table *t)
{
	struct sql_stmt *s = NULL;
	int pks = 0, rc = RC_FAIL, step;

	if (store_prepare(src, &s, "SELECT name, type, pk FROM pragma_table_info(?)") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, t->name);
	while ((step = sql_step(s)) == SQL_ROW) {
		if (sql_col_int64(s, 2) == 0)
			continue;
		pks++;
		if (strcmp(sql_col_text(s, 1), "INTEGER") == 0 && migrate_name(t->pk, sql_col_text(s, 0)) != RC_OK)
			goto out;
	}
	if (step != SQL_DONE) {
		store_fail(src, "cannot read the source's tables");
		goto out;
	}
	if (pks != 1)
		t->pk[0] = '\0';
	sql_finalize(s);
	if (store_prepare(src, &s, "SELECT \"table\", \"from\" FROM pragma_foreign_key_list(?)") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, t->name);
	while ((step = sql_step(s)) == SQL_ROW) {
		if (strcmp(sql_col_text(s, 0), t->name) == 0) {
			if (migrate_name(t->self_ref, sql_col_text(s, 1)) != RC_OK)
				goto out;
		} else if (t->ndeps < MIGRATE_MAX_TABLES) {
			if (migrate_name(t->deps[t->ndeps++], sql_col_text(s, 0)) != RC_OK)
				goto out;
		}
	}
	if (step != SQL_DONE) {
		store_fail(src, "cannot read the source's foreign keys");
		goto out;
	}
	if (t->self_ref[0] && t->pk[0] == '\0') {
		pinca_warnx("db migrate: table %s references itself but has no integer key", t->name);
		goto out;
	}
	rc = RC_OK;
out:
	sql_finalize(s);
	return rc;
}

/* Lists the source's tables into t[] (*n of them) in an order where every
 * table comes after the tables it references. */
static int
migrate_tables(struct store *src, struct migrate_table *t, int *n)
{
	struct migrate_table tmp[MIGRATE_MAX_TABLES];
	struct sql_stmt *s = NULL;
	int count = 0, step, done = 0;

	if (store_prepare(src, &s, "SELECT name FROM sqlite_master WHERE type = 'table' "
	    "AND name NOT LIKE 'sqlite%' ORDER BY name") != RC_OK)
		return RC_FAIL;
	while ((step = sql_step(s)) == SQL_ROW && count < MIGRATE_MAX_TABLES) {
		memset(&tmp[count], 0, sizeof(tmp[count]));
		if (migrate_name(tmp[count].name, sql_col_text(s, 0)) != RC_OK) {
			sql_finalize(s);
			return RC_FAIL;
		}
		count++;
	}
	sql_finalize(s);
	if (step == SQL_ERR || count == MIGRATE_MAX_TABLES)
		return step == SQL_ERR ? store_fail(src, "cannot list the source's tables") : RC_FAIL;
	for (int i = 0; i < count; i++)
		if (migrate_table_info(src, &tmp[i]) != RC_OK)
			return RC_FAIL;
	/* Kahn's order: repeatedly take a table whose references are all placed. */
	while (done < count) {
		int progress = 0;
		for (int i = 0; i < count; i++) {
			int ready = !tmp[i].placed;
			for (int d = 0; ready && d < tmp[i].ndeps; d++)
				for (int j = 0; j < count; j++)
					if (strcmp(tmp[j].name, tmp[i].deps[d]) == 0 && !tmp[j].placed)
						ready = 0;
			if (ready) {
				tmp[i].placed = 1;
				t[done++] = tmp[i];
				progress = 1;
			}
		}
		if (!progress) {
			pinca_warnx("db migrate: the source's tables reference each other in a cycle");
			return RC_FAIL;
		}
	}
	*n = count;
	return RC_OK;
}

/* RC_OK when table name has no row in dst; else one line naming it. */
static int
migrate_target_empty(struct store *dst, const char *name)
{
	char sql[160];
	struct sql_stmt *s = NULL;
	int step;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\" LIMIT 1", name);
	if (store_prepare(dst, &s, sql) != RC_OK)
		return RC_FAIL;
	step = sql_step(s);
	sql_finalize(s);
	if (step == SQL_ERR)
		return store_fail(dst, "cannot read the target");
	if (step == SQL_ROW) {
		pinca_warnx("%s is not empty (table %s has rows); db migrate copies only into a "
		    "database no CA uses yet", store_path(dst), name);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Builds "INSERT INTO t (c1, ...) VALUES (?, ...)" from the source row's
 * column names, and prepares it on dst. */
static int
migrate_prepare_insert(struct store *dst, const char *table, struct sql_stmt *src_row,
    struct sql_stmt **ins)
{
	char *sql = NULL, col[MIGRATE_NAME_MAX];
	size_t size = 0;
	int n = sql_col_count(src_row), rc = RC_FAIL;
	FILE *f = open_memstream(&sql, &size);

	if (f == NULL)
		return RC_FAIL;
	fprintf(f, "INSERT INTO \"%s\" (", table);
	for (int i = 0; i < n; i++) {
		if (migrate_name(col, sql_col_name(src_row, i)) != RC_OK) {
			fclose(f);
			goto out;
		}
		fprintf(f, "%s\"%s\"", i ? ", " : "", col);
	}
	fputs(") VALUES (", f);
	for (int i = 0; i < n; i++)
		fputs(i ? ", ?" : "?", f);
	fputs(")", f);
	if (fclose(f) != 0)
		goto out;
	rc = store_prepare(dst, ins, sql);
out:
	free(sql);
	return rc;
}

/* Binds column i of the source row as parameter i + 1 of ins, by the
 * value's own type. */
static int
migrate_bind(struct sql_stmt *ins, struct sql_stmt *row, int i)
{
	size_t len = 0;
	const void *b;

	switch (sql_col_type(row, i)) {
	case SQL_T_NULL:
		return sql_bind_null(ins, i + 1);
	case SQL_T_INT:
		return sql_bind_int64(ins, i + 1, sql_col_int64(row, i));
	case SQL_T_BLOB:
		b = sql_col_blob(row, i, &len);
		return sql_bind_blob(ins, i + 1, b ? b : "", len);
	case SQL_T_TEXT:
	default:
		return sql_bind_text(ins, i + 1, sql_col_text(row, i));
	}
}

/* Sets the self-references of t held back while its rows went in. */
static int
migrate_links(struct store *dst, const struct migrate_table *t, const struct migrate_link *l, size_t n)
{
	char sql[256];
	struct sql_stmt *s = NULL;
	int rc = RC_OK;

	if (n == 0)
		return RC_OK;
	snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ? WHERE \"%s\" = ?", t->name, t->self_ref,
	    t->pk);
	if (store_prepare(dst, &s, sql) != RC_OK)
		return RC_FAIL;
	for (size_t i = 0; i < n && rc == RC_OK; i++) {
		sql_bind_int64(s, 1, l[i].value);
		sql_bind_int64(s, 2, l[i].id);
		rc = store_step_write(dst, s, "cannot copy a row") == RC_OK ? RC_OK : RC_FAIL;
		sql_reset(s);
	}
	sql_finalize(s);
	return rc;
}

/* Copies every row of table t from src to dst; *rows counts them. A column
 * that references t itself goes in as NULL and is set once every row is
 * in (an intermediate may name an issuer recorded after it). */
static int
migrate_copy_table(struct store *src, struct store *dst, const struct migrate_table *t, int64_t *rows)
{
	char sql[160], what[160];
	struct sql_stmt *row = NULL, *ins = NULL;
	struct migrate_link *links = NULL;
	size_t nlinks = 0, cap = 0;
	int step, rc = RC_FAIL, self = -1, key = -1;

	*rows = 0;
	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", t->name);
	snprintf(what, sizeof(what), "cannot copy a row of %s", t->name);
	if (store_prepare(src, &row, sql) != RC_OK)
		return RC_FAIL;
	while ((step = sql_step(row)) == SQL_ROW) {
		if (ins == NULL) {
			if (migrate_prepare_insert(dst, t->name, row, &ins) != RC_OK)
				goto out;
			for (int i = 0; i < sql_col_count(row); i++) {
				if (t->self_ref[0] && strcmp(sql_col_name(row, i), t->self_ref) == 0)
					self = i;
				if (t->pk[0] && strcmp(sql_col_name(row, i), t->pk) == 0)
					key = i;
			}
		}
		for (int i = 0; i < sql_col_count(row); i++) {
			if (i == self && !sql_col_is_null(row, i)) {
				if (nlinks == cap) {
					struct migrate_link *m = realloc(links, (cap = cap ? 2 * cap : 16) * sizeof(*m));
					if (m == NULL)
						goto out;
					links = m;
				}
				links[nlinks].id = sql_col_int64(row, key);
				links[nlinks++].value = sql_col_int64(row, i);
				sql_bind_null(ins, i + 1);
			} else if (migrate_bind(ins, row, i) != SQL_OK) {
				store_fail(dst, what);
				goto out;
			}
		}
		if (store_step_write(dst, ins, what) != RC_OK)
			goto out;
		sql_reset(ins);
		(*rows)++;
	}
	if (step != SQL_DONE) {
		store_fail(src, "cannot read the source");
		goto out;
	}
	rc = migrate_links(dst, t, links, nlinks);
out:
	sql_finalize(ins);
	sql_finalize(row);
	free(links);
	return rc;
}

/* Sets t's identity sequence on PostgreSQL past its largest id, so the
 * next row gets a new one. */
static int
migrate_sequence(struct store *dst, const struct migrate_table *t)
{
	char sql[512];

	if (t->pk[0] == '\0' || sql_dialect(dst->conn) != SQL_POSTGRES)
		return RC_OK;
	/* pg_get_serial_sequence is NULL for a column with no sequence, and
	 * setval(NULL, ...) is NULL: nothing to do then. */
	snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'), "
	    "COALESCE((SELECT max(\"%s\") FROM \"%s\"), 0) + 1, false)", t->name, t->pk, t->pk, t->name);
	if (sql_exec(dst->conn, sql) != SQL_OK)
		return store_fail(dst, "cannot set an identity sequence");
	return RC_OK;
}

int
store_copy_all(struct store *src, struct store *dst,
    void (*fn)(const char *table, int64_t rows, void *arg), void *arg)
{
	struct migrate_table *t = calloc(MIGRATE_MAX_TABLES, sizeof(*t));
	int n = 0, rc = RC_FAIL;
	int64_t rows;

	if (t == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	if (sql_dialect(src->conn) != SQL_SQLITE) {
		pinca_warnx("%s is not a SQLite store; db migrate copies from SQLite", store_path(src));
		goto out;
	}
	/* The source's write lock: nobody issues while it is copied, and the
	 * copy is one consistent snapshot. */
	if (store_begin(src) != RC_OK)
		goto out;
	if (migrate_tables(src, t, &n) != RC_OK || store_begin(dst) != RC_OK)
		goto out;
	for (int i = 0; i < n; i++)
		if (migrate_target_empty(dst, t[i].name) != RC_OK)
			goto out;
	for (int i = 0; i < n; i++) {
		if (migrate_copy_table(src, dst, &t[i], &rows) != RC_OK || migrate_sequence(dst, &t[i]) != RC_OK)
			goto out;
		fn(t[i].name, rows, arg);
	}
	/* The copy itself is a state change of the target: the chain's newest
	 * record says it came from here. */
	if (store_audit(dst, "db migrate", NULL) != RC_OK || store_commit(dst) != RC_OK)
		goto out;
	rc = RC_OK;
out:
	if (dst->in_tx)
		store_rollback(dst);
	if (src->in_tx)
		store_rollback(src);
	free(t);
	return rc;
}
