/* store_revoke: rows of the revocations and crls tables, and the look-ups
 * `pinca revoke` needs to find what a serial or a lineage names. The CRL
 * encoder reads revocations through store_revocation_each, one row at a
 * time, so a CRL of a million entries never holds them all as records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

#define REVOCATION_COLUMNS "serial, issuer_id, revoked_at, reason, not_after"

/* Copies a row selected with REVOCATION_COLUMNS into out. */
static void
revocation_from_row(struct sql_stmt *s, struct revocation_record *out)
{
	const char *t = sql_col_text(s, 0);

	snprintf(out->serial, sizeof(out->serial), "%s", t ? t : "");
	out->issuer_id = sql_col_int64(s, 1);
	out->revoked_at = sql_col_int64(s, 2);
	out->reason = (int)sql_col_int64(s, 3);
	out->not_after = sql_col_int64(s, 4);
}

/* Inserts one revocation; STORE_CONSTRAINT when the serial is already revoked. */
int
store_revocation_insert(struct store *st, const struct revocation_record *r)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "INSERT INTO revocations(" REVOCATION_COLUMNS ") "
	    "VALUES (?, ?, ?, ?, ?)") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->serial);
	sql_bind_int64(s, 2, r->issuer_id);
	sql_bind_int64(s, 3, r->revoked_at);
	sql_bind_int64(s, 4, r->reason);
	sql_bind_int64(s, 5, r->not_after);
	return store_write_done(st, s, "cannot record the revocation");
}

/* Reads the revocation of a serial: RC_OK, STORE_NOT_FOUND or RC_FAIL. */
int
store_revocation_get(struct store *st, const char *serial, struct revocation_record *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, "SELECT " REVOCATION_COLUMNS " FROM revocations "
	    "WHERE serial = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, serial);
	if ((rc = store_step_one(st, s, "cannot read the revocations")) == RC_OK)
		revocation_from_row(s, out);
	sql_finalize(s);
	return rc;
}

/* Streams the revocations of one CA to fn, in serial order. One record lives
 * on the stack and is overwritten per row: memory does not grow with the
 * number of rows. A non-zero return from fn stops the walk and is returned. */
int
store_revocation_each(struct store *st, int64_t issuer_id,
    int (*fn)(const struct revocation_record *, void *), void *arg)
{
	struct sql_stmt *s;
	struct revocation_record r;
	int rc = RC_OK, step;

	/* revocations_issuer holds (issuer_id, serial): this walks the index in
	 * serial order with no sort step. */
	if (store_prepare(st, &s, "SELECT " REVOCATION_COLUMNS " FROM revocations "
	    "WHERE issuer_id = ? ORDER BY serial") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, issuer_id);
	while ((step = sql_step(s)) == SQL_ROW) {
		revocation_from_row(s, &r);
		if ((rc = fn(&r, arg)) != 0)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot read the revocations");
	sql_finalize(s);
	return rc;
}

/* The next CRL number of a CA: one more than the highest recorded, 1 for the
 * first. Called inside the transaction that records the CRL, so two runs
 * cannot take the same number (the primary key would refuse it anyway). */
int
store_crl_next_number(struct store *st, int64_t issuer_id, int64_t *number)
{
	struct sql_stmt *s;
	int rc = RC_FAIL;

	if (store_prepare(st, &s, "SELECT coalesce(max(number), 0) + 1 FROM crls "
	    "WHERE issuer_id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, issuer_id);
	if (sql_step(s) == SQL_ROW) {
		*number = sql_col_int64(s, 0);
		rc = RC_OK;
	} else {
		store_fail(st, "cannot read the CRL numbers");
	}
	sql_finalize(s);
	return rc;
}

/* Records a CRL that was made: RC_OK or RC_FAIL (a reused number is a failure). */
int
store_crl_record(struct store *st, int64_t issuer_id, int64_t number, int64_t this_update,
    int64_t next_update, int64_t entries, const char *sha256)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO crls(issuer_id, number, this_update, next_update, "
	    "entries, sha256) VALUES (?, ?, ?, ?, ?, ?)") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, issuer_id);
	sql_bind_int64(s, 2, number);
	sql_bind_int64(s, 3, this_update);
	sql_bind_int64(s, 4, next_update);
	sql_bind_int64(s, 5, entries);
	sql_bind_text(s, 6, sha256);
	rc = store_step_write(st, s, "cannot record the CRL");
	sql_finalize(s);
	if (rc == STORE_CONSTRAINT) {
		pinca_warnx("%s: CRL number %lld of this CA is already taken", store_path(st),
		    (long long)number);
		rc = RC_FAIL;
	}
	return rc;
}

/* The latest CRL of a CA (highest number); STORE_NOT_FOUND if none was made. */
int
store_crl_latest(struct store *st, int64_t issuer_id, int64_t *number, int64_t *this_update,
    int64_t *next_update)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT number, this_update, next_update FROM crls "
	    "WHERE issuer_id = ? ORDER BY number DESC LIMIT 1") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, issuer_id);
	if ((rc = store_step_one(st, s, "cannot read the CRLs")) == RC_OK) {
		*number = sql_col_int64(s, 0);
		*this_update = sql_col_int64(s, 1);
		*next_update = sql_col_int64(s, 2);
	}
	sql_finalize(s);
	return rc;
}

void
revocation_target_clear(struct revocation_target *t)
{
	if (t == NULL)
		return;
	free(t->name);
	memset(t, 0, sizeof(*t));
}

/* Runs a query whose row is (serial, kind, issuer_id, not_after, name) with
 * one text parameter and reads the first row into out. */
static int
target_query(struct store *st, const char *sql, const char *param, struct revocation_target *out)
{
	struct sql_stmt *s;
	const char *t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, sql) != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, param);
	if ((rc = store_step_one(st, s, "cannot look up the certificate")) == RC_OK) {
		if ((t = sql_col_text(s, 0)) != NULL)
			snprintf(out->serial, sizeof(out->serial), "%s", t);
		if ((t = sql_col_text(s, 1)) != NULL)
			snprintf(out->kind, sizeof(out->kind), "%s", t);
		out->issuer_id = sql_col_int64(s, 2);
		out->not_after = sql_col_int64(s, 3);
		out->name = store_col_text(s, 4);
	}
	sql_finalize(s);
	return rc;
}

int
store_revocation_target(struct store *st, const char *serial, struct revocation_target *out)
{
	int rc = target_query(st, "SELECT c.serial, 'leaf', c.issuer_id, c.not_after, l.name "
	    "FROM certificates c LEFT JOIN lineages l ON l.id = c.lineage_id "
	    "WHERE c.serial = ?", serial, out);

	if (rc != STORE_NOT_FOUND)
		return rc;
	/* A pending intermediate has no serial, so it never matches. */
	return target_query(st, "SELECT serial, role, coalesce(issuer_id, 0), not_after, cn "
	    "FROM cas WHERE serial = ?", serial, out);
}

int
store_revocation_target_lineage(struct store *st, const char *lineage,
    struct revocation_target *out)
{
	return target_query(st, "SELECT c.serial, 'leaf', c.issuer_id, c.not_after, l.name "
	    "FROM certificates c JOIN lineages l ON l.id = c.lineage_id WHERE l.name = ? "
	    "ORDER BY CASE WHEN c.serial = l.deployed_serial THEN 1 ELSE 0 END DESC, c.issued_at DESC, c.not_after DESC LIMIT 1",
	    lineage, out);
}
