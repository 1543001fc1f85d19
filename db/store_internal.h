/* store_internal: helpers shared by the db/ files only. */
#ifndef PINCA_STORE_INTERNAL_H
#define PINCA_STORE_INTERNAL_H

#include <pthread.h>
#include "db/sql.h"
#include "db/store.h"

#define STORE_STMT_CACHE 16

struct store {
	struct sql_conn *conn;
	char *path;		/* the file or URL (its password hidden), for messages */
	int in_read;		/* a read transaction is open (store_read_begin) */
	int in_tx;
	/* A lock the process's writers share (store_set_writer_lock), or NULL;
	 * writer_held: this handle holds it, from store_begin to the end. */
	pthread_mutex_t *writer;
	int writer_held;
	/* The audit chain's last record, known while this connection holds the
	 * write transaction that appended it (audit_tail: valid). */
	int audit_tail;
	int64_t audit_seq;
	char audit_hash[65];
	char *command;		/* the audit records' command line; NULL: "pinca" */
	/* Statements of the per-row write path, prepared once per connection
	 * (a batch inserts thousands of rows; preparing is most of an insert). */
	struct { const char *sql; struct sql_stmt *s; } cache[STORE_STMT_CACHE];
};

/* Prepares sql (cached by the engine's own statement reuse is not assumed). */
int store_prepare(struct store *st, struct sql_stmt **stmt, const char *sql);
/* Like store_prepare, but keeps the statement for the life of st: the
 * caller gives it back with store_release() instead of finalizing it. */
int store_prepare_cached(struct store *st, struct sql_stmt **stmt, const char *sql);
/* Resets a cached statement and clears its bindings. */
void store_release(struct sql_stmt *s);
/* Runs one or more statements with no parameters (schema only). */
int store_exec(struct store *st, const char *sql);
/* Prints "pinca: WHAT: the engine's message" and returns RC_FAIL. */
int store_fail(struct store *st, const char *what);
int store_user_version(struct store *st, int *version);
int store_migrate(struct store *st);
int store_schema_version(void);
/* The SQLite migrations in order (db/schema.c): schema_migrations[i] takes a
 * database from version i to i+1; the PostgreSQL schema (db/schema_pg.c) is
 * their translation. */
extern const char *const schema_migrations[];
extern const int schema_migration_count;
/* Creates or migrates forward the schema of a store on PostgreSQL
 * (db/schema_pg.c): RC_OK or RC_FAIL (message printed). */
int schema_pg_migrate(struct store *st);
/* Copies column i as a new string (NULL for SQL NULL). */
char *store_col_text(struct sql_stmt *s, int i);
/* Copies column i as a new blob; returns RC_FAIL on out of memory. */
int store_col_blob(struct sql_stmt *s, int i, unsigned char **out, size_t *len);
/* Binds text or NULL. */
int store_bind_text(struct sql_stmt *s, int i, const char *v);
int store_bind_blob(struct sql_stmt *s, int i, const unsigned char *v, size_t len);
/* A copy of a store's target fit for messages: a PostgreSQL URL's or
 * connection string's password (in the URL's user part or a password=
 * parameter) is replaced by "***"; a file path is copied as it is. Caller
 * frees; NULL when out of memory. */
char *store_target_shown(const char *target);
/* Maps a step result for a write: RC_OK, STORE_CONSTRAINT, or RC_FAIL. */
int store_step_write(struct store *st, struct sql_stmt *s, const char *what);
/* Steps s once for a one-row read: RC_OK with the row ready,
 * STORE_NOT_FOUND when there is none, or RC_FAIL (message naming what). */
int store_step_one(struct store *st, struct sql_stmt *s, const char *what);
/* store_step_write, then finalizes s. */
int store_write_done(struct store *st, struct sql_stmt *s, const char *what);
/* Runs an INSERT ... RETURNING id: RC_OK with *id set, STORE_CONSTRAINT, or
 * RC_FAIL (message printed, naming what). */
int store_step_insert_id(struct store *st, struct sql_stmt *s, const char *what, int64_t *id);
/* The columns lineage_from_row reads, in its order (store_cert.c). */
#define LINEAGE_COLUMNS "id, name, profile, dns, ip, key_type, key_path, cert_path, chain_path, " \
	"fullchain_path, days, spki, pin, created_at, updated_at, deployed_serial, deploy_pending, " \
	"hook_pending"
struct lineage_record;
/* Fills out (new strings) from a row that starts with LINEAGE_COLUMNS. */
int lineage_from_row(struct sql_stmt *s, struct lineage_record *out);
/* Steps s, calling fn on each lineage row (LINEAGE_COLUMNS first; with
 * with_last, the next column is the newest certificate's not_after, read
 * into last_not_after), then finalizes s. RC_OK, fn's non-zero result, or
 * RC_FAIL. */
int lineage_rows(struct store *st, struct sql_stmt *s, int with_last,
    int (*fn)(const struct lineage_record *, void *), void *arg);

#endif
