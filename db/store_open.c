/* store_open: opening and closing a store. A file is SQLite: its identity
 * (application_id, user_version) is checked before anything changes it,
 * then its pragmas are set and its schema migrated (db/schema.c). A
 * PostgreSQL URL gets its schema from schema_pg_migrate (db/schema_pg.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

/* 'pinc': marks the file as ours, so a foreign SQLite file is refused. */
#define PINCA_APPLICATION_ID 0x70696e63

/* Prints why the schema version could not be read: a file that is not a
 * database or is damaged gets its own line. Returns RC_FAIL. */
static int
store_version_fail(struct store *st)
{
	if (sql_errclass(st->conn) == SQL_E_CORRUPT) {
		pinca_warnx("%s is not a pinca database or is damaged: %s", st->path, sql_errmsg(st->conn));
		return RC_FAIL;
	}
	return store_fail(st, "cannot read the schema version");
}

/* Reads one integer pragma (SQLite) into *value. RC_OK or RC_FAIL, through
 * fail when given (else store_fail naming the pragma). */
static int
store_pragma_int(struct store *st, const char *sql, int *value, int (*fail)(struct store *))
{
	struct sql_stmt *s = NULL;
	int rc = RC_FAIL;

	if (sql_prepare(st->conn, sql, 0, &s) == SQL_OK && sql_step(s) == SQL_ROW) {
		*value = (int)sql_col_int64(s, 0);
		rc = RC_OK;
	} else if (fail != NULL) {
		fail(st);
	} else {
		store_fail(st, sql);
	}
	sql_finalize(s);
	return rc;
}

int
store_user_version(struct store *st, int *version)
{
	return store_pragma_int(st, "PRAGMA user_version", version, store_version_fail);
}

/* Refuses a file that is SQLite but not ours. */
static int
store_check_identity(struct store *st, int create)
{
	int app_id = 0, version = 0;

	if (store_user_version(st, &version) != RC_OK ||
	    store_pragma_int(st, "PRAGMA application_id", &app_id, NULL) != RC_OK)
		return RC_FAIL;
	if (create) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", PINCA_APPLICATION_ID);
		return store_exec(st, sql);
	}
	if (app_id != PINCA_APPLICATION_ID || version == 0) {
		pinca_warnx("%s is not a pinca database", st->path);
		return RC_FAIL;
	}
	/* Before any pragma changes the file: a newer pinca's database is left
	 * exactly as it was. */
	if (version > store_schema_version()) {
		pinca_warnx("%s was written by a newer pinca (schema %d, this one knows %d); "
		    "upgrade pinca", st->path, version, store_schema_version());
		return RC_FAIL;
	}
	return RC_OK;
}

/* Makes the SQLite file ready: identity, pragmas, schema. */
static int
store_ready_sqlite(struct store *st, int create)
{
	/* WAL lets readers run beside the one writer; synchronous=FULL makes a
	 * committed certificate survive a power cut, not only a crash. Temporary
	 * storage in memory keeps the savepoint sub-journals of a batch (one
	 * savepoint per request) out of /var/tmp files: they are only needed to
	 * roll back within this process, never for recovery, and pinca's queries
	 * make no large temporary sorts. A page cache of 16 MiB (SQLite's
	 * default is 2; memory only, and only as pages are used) keeps a list's
	 * lineage-name index from being read again and again (about 10% of `db
	 * list --expiring 30` on a million certificates) and a batch group's
	 * dirty pages from spilling into the WAL before the commit. */
	if (store_check_identity(st, create) != RC_OK ||
	    store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; "
	    "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384") != RC_OK)
		return RC_FAIL;
	return store_migrate(st);
}

char *
store_target_shown(const char *target)
{
	size_t len = strlen(target), o = 0;
	const char *p = target, *auth = strstr(target, "://"), *at = NULL, *colon = NULL;
	char *out;

	if (!sql_target_is_postgres(target) || (out = malloc(2 * len + 8)) == NULL)
		return sql_target_is_postgres(target) ? NULL : strdup(target);
	if (auth != NULL) {
		auth += 3;
		at = auth + strcspn(auth, "/?#");
		while (at > auth && at[-1] != '@')
			at--;
		colon = at > auth ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	}
	while (*p) {
		if (p == colon) {
			memcpy(out + o, ":***", 4);
			o += 4;
			p = at - 1;
		} else if (strncmp(p, "password=", 9) == 0) {
			memcpy(out + o, "password=***", 12);
			o += 12;
			p += 9 + strcspn(p + 9, "& ");
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

int
store_open(const char *path, int create, struct store **out)
{
	struct store *st;
	char msg[512];

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = store_target_shown(path)) == NULL) {
		free(st);
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	if (sql_open(path, create, &st->conn, msg, sizeof(msg)) != SQL_OK) {
		pinca_warnx("%s", msg);
		store_close(st);
		return RC_FAIL;
	}
	if ((sql_dialect(st->conn) == SQL_SQLITE ? store_ready_sqlite(st, create) : schema_pg_migrate(st)) != RC_OK) {
		store_close(st);
		return RC_FAIL;
	}
	*out = st;
	return RC_OK;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_tx || st->in_read)
		store_rollback(st);
	for (int i = 0; i < STORE_STMT_CACHE; i++)
		sql_finalize(st->cache[i].s);
	sql_close(st->conn);
	free(st->path);
	free(st->command);
	free(st);
}
