/* store_backup: the rows `ca restore` and pre-signed root CRLs touch: a CA's
 * key path, the pre-signed CRLs of a CA and the count of its revocations. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

int
store_ca_set_key_path(struct store *st, int64_t id, const char *key_path)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE cas SET key_path = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	store_bind_text(s, 1, key_path);
	sql_bind_int64(s, 2, id);
	return store_write_done(st, s, "cannot record the CA's key") == RC_OK ? RC_OK : RC_FAIL;
}

int
store_presigned_insert(struct store *st, int64_t issuer_id, int64_t number, const char *path,
    int64_t made_at)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "INSERT INTO presigned_crls(issuer_id, number, path, made_at) "
	    "VALUES (?, ?, ?, ?)") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, issuer_id);
	sql_bind_int64(s, 2, number);
	store_bind_text(s, 3, path);
	sql_bind_int64(s, 4, made_at);
	return store_write_done(st, s, "cannot record the pre-signed CRL") == RC_OK ? RC_OK : RC_FAIL;
}

int
store_presigned_each(struct store *st, int64_t issuer_id,
    int (*fn)(const struct presigned_crl *, void *), void *arg)
{
	struct presigned_crl p;
	struct sql_stmt *s;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT p.number, c.this_update, c.next_update, c.entries, "
	    "p.made_at, p.path FROM presigned_crls p JOIN crls c ON c.issuer_id = p.issuer_id "
	    "AND c.number = p.number WHERE p.issuer_id = ? ORDER BY p.number") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, issuer_id);
	while ((step = sql_step(s)) == SQL_ROW) {
		p.number = sql_col_int64(s, 0);
		p.this_update = sql_col_int64(s, 1);
		p.next_update = sql_col_int64(s, 2);
		p.entries = sql_col_int64(s, 3);
		p.made_at = sql_col_int64(s, 4);
		p.path = sql_col_text(s, 5);
		if (p.path == NULL)
			p.path = "";
		if ((rc = fn(&p, arg)) != 0)
			break;
	}
	if (step != SQL_ROW && step != SQL_DONE)
		rc = store_fail(st, "cannot read the pre-signed CRLs");
	sql_finalize(s);
	return rc;
}

int
store_revocation_count(struct store *st, int64_t issuer_id, int64_t *count)
{
	struct sql_stmt *s;
	int rc = RC_FAIL;

	if (store_prepare(st, &s, "SELECT count(*) FROM revocations WHERE issuer_id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, issuer_id);
	if (sql_step(s) == SQL_ROW) {
		*count = sql_col_int64(s, 0);
		rc = RC_OK;
	} else {
		store_fail(st, "cannot count the revocations");
	}
	sql_finalize(s);
	return rc;
}
