/* store_keyblock: the blocked_keys table (keys that `revoke --key` took out
 * of service) and the look-up of every leaf certified for one key. */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

/* Inserts the block; STORE_CONSTRAINT when the key is blocked already. */
int
store_key_block(struct store *st, const struct key_block *b)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "INSERT INTO blocked_keys(pin, blocked_at, reason) "
	    "VALUES (?, ?, ?)") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, b->pin);
	sql_bind_int64(s, 2, b->blocked_at);
	sql_bind_int64(s, 3, b->reason);
	return store_write_done(st, s, "cannot record the blocked key");
}

/* Whether a pin is blocked. Every leaf asks, so the statement is cached. */
int
store_key_blocked(struct store *st, const char *pin, struct key_block *out)
{
	static const char sql[] = "SELECT blocked_at, reason FROM blocked_keys WHERE pin = ?";
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare_cached(st, &s, sql) != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, pin);
	if ((rc = store_step_one(st, s, "cannot read the blocked keys")) == RC_OK) {
		snprintf(out->pin, sizeof(out->pin), "%s", pin);
		out->blocked_at = sql_col_int64(s, 0);
		out->reason = (int)sql_col_int64(s, 1);
	}
	store_release(s);
	return rc;
}

/* Walks the leaves with this pin. No index leads with pin (every issuance
 * would pay for one); the covering index certificates_list holds it, so
 * this reads that index once, which a rare emergency command can afford. */
int
store_key_certs_each(struct store *st, const char *pin,
    int (*fn)(const struct revocation_target *, int revoked, void *), void *arg)
{
	struct sql_stmt *s;
	struct revocation_target t;
	const char *txt;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT c.serial, c.issuer_id, c.not_after, l.name, "
	    "CASE WHEN r.serial IS NULL THEN 0 ELSE 1 END FROM certificates c LEFT JOIN lineages l ON l.id = c.lineage_id "
	    "LEFT JOIN revocations r ON r.serial = c.serial WHERE c.pin = ? "
	    "ORDER BY c.issued_at, c.serial") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, pin);
	while ((step = sql_step(s)) == SQL_ROW) {
		memset(&t, 0, sizeof(t));
		if ((txt = sql_col_text(s, 0)) != NULL)
			snprintf(t.serial, sizeof(t.serial), "%s", txt);
		snprintf(t.kind, sizeof(t.kind), "leaf");
		t.issuer_id = sql_col_int64(s, 1);
		t.not_after = sql_col_int64(s, 2);
		t.name = (char *)sql_col_text(s, 3);	/* borrowed for the call */
		if ((rc = fn(&t, (int)sql_col_int64(s, 4), arg)) != 0)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot read the certificates of a key");
	sql_finalize(s);
	return rc;
}
