/* store_deploy: which lineages renewal should touch, and what each has
 * deployed: the certificate whose files were last written in full, whether
 * the newest one's files are still to be written, and whether a deploy hook
 * is owed (schema_v4_renewal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

int
store_lineage_each_renewable(struct store *st, int64_t now, int64_t before, int all,
    int (*fn)(const struct lineage_record *, void *), void *arg)
{
	struct sql_stmt *s;

	/* The newest certificate (latest issued_at, as revoke --name and the
	 * deployed files see it) from the end of certificates_lineage_latest,
	 * whose entries hold not_after; its not_before (a row read) only for
	 * the lineages that end before `before`. Its lifetime is not_after -
	 * not_before; "less than a third left" is 3 * (not_after - now) <
	 * lifetime. */
	if (store_prepare(st, &s, "SELECT * FROM (SELECT " LINEAGE_COLUMNS ", "
	    "(SELECT not_after FROM certificates WHERE lineage_id = lineages.id "
	    "ORDER BY issued_at DESC, not_after DESC LIMIT 1) AS last FROM lineages) AS x "
	    "WHERE ? <> 0 OR deploy_pending <> 0 OR last IS NULL OR (last < ? AND 3 * (last - ?) < last - "
	    "(SELECT not_before FROM certificates WHERE lineage_id = x.id "
	    "ORDER BY issued_at DESC, not_after DESC LIMIT 1)) ORDER BY last NULLS FIRST, id") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, all != 0);
	sql_bind_int64(s, 2, before);
	sql_bind_int64(s, 3, now);
	return lineage_rows(st, s, 1, fn, arg);
}

int
store_lineage_each_hook_pending(struct store *st,
    int (*fn)(const struct lineage_record *, void *), void *arg)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "SELECT " LINEAGE_COLUMNS ", 0 FROM lineages "
	    "WHERE hook_pending <> 0 AND deploy_pending = 0 ORDER BY name") != RC_OK)
		return RC_FAIL;
	return lineage_rows(st, s, 1, fn, arg);
}

/* Runs one UPDATE of lineages whose parameters are an optional text (when
 * with_text; NULL binds NULL) and then the lineage's id, in its own
 * transaction unless one is open. RC_OK or RC_FAIL. */
static int
lineage_set(struct store *st, const char *sql, int64_t id, int with_text, const char *text)
{
	struct sql_stmt *s;
	int rc, own = !st->in_tx;

	if (own && store_begin(st) != RC_OK)
		return RC_FAIL;
	if (store_prepare(st, &s, sql) != RC_OK) {
		if (own)
			store_rollback(st);
		return RC_FAIL;
	}
	if (with_text)
		store_bind_text(s, 1, text);
	sql_bind_int64(s, with_text ? 2 : 1, id);
	rc = store_step_write(st, s, "cannot record the lineage's deploy state");
	sql_finalize(s);
	if (own)
		rc = rc == RC_OK ? store_commit(st) : (store_rollback(st), RC_FAIL);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

int
store_lineage_deploy_begin(struct store *st, int64_t id, int hook)
{
	return lineage_set(st, hook ? "UPDATE lineages SET deploy_pending = 1, hook_pending = 1 WHERE id = ?" :
	    "UPDATE lineages SET deploy_pending = 1 WHERE id = ?", id, 0, NULL);
}

int
store_lineage_deployed(struct store *st, int64_t id, const char *serial)
{
	return lineage_set(st, "UPDATE lineages SET deploy_pending = 0, deployed_serial = ? WHERE id = ?",
	    id, 1, serial);
}

int
store_lineage_hook_done(struct store *st, int64_t id)
{
	return lineage_set(st, "UPDATE lineages SET hook_pending = 0 WHERE id = ?", id, 0, NULL);
}

int
store_lineage_newest_serial(struct store *st, int64_t id, char *serial, size_t size)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT serial FROM certificates WHERE lineage_id = ? "
	    "ORDER BY issued_at DESC, not_after DESC LIMIT 1") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, id);
	if ((rc = store_step_one(st, s, "cannot read the lineage's certificates")) == RC_OK)
		snprintf(serial, size, "%s", sql_col_text(s, 0));
	sql_finalize(s);
	return rc;
}
