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
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO blocked_keys(pin, blocked_at, reason) "
	    "VALUES (?, ?, ?)") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_text(s, 1, b->pin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, b->blocked_at);
	sqlite3_bind_int(s, 3, b->reason);
	rc = store_step_write(st, s, "cannot record the blocked key");
	sqlite3_finalize(s);
	return rc;
}

/* Whether a pin is blocked. Every leaf asks, so the statement is cached. */
int
store_key_blocked(struct store *st, const char *pin, struct key_block *out)
{
	static const char sql[] = "SELECT blocked_at, reason FROM blocked_keys WHERE pin = ?";
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare_cached(st, &s, sql) != RC_OK)
		return RC_FAIL;
	sqlite3_bind_text(s, 1, pin, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(out->pin, sizeof(out->pin), "%s", pin);
		out->blocked_at = sqlite3_column_int64(s, 0);
		out->reason = sqlite3_column_int(s, 1);
		rc = RC_OK;
	} else if (rc == SQLITE_DONE) {
		rc = STORE_NOT_FOUND;
	} else {
		rc = store_fail(st, "cannot read the blocked keys");
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
	sqlite3_stmt *s;
	struct revocation_target t;
	const unsigned char *txt;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT c.serial, c.issuer_id, c.not_after, l.name, "
	    "r.serial IS NOT NULL FROM certificates c LEFT JOIN lineages l ON l.id = c.lineage_id "
	    "LEFT JOIN revocations r ON r.serial = c.serial WHERE c.pin = ? "
	    "ORDER BY c.issued_at, c.serial") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_text(s, 1, pin, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&t, 0, sizeof(t));
		if ((txt = sqlite3_column_text(s, 0)) != NULL)
			snprintf(t.serial, sizeof(t.serial), "%s", (const char *)txt);
		snprintf(t.kind, sizeof(t.kind), "leaf");
		t.issuer_id = sqlite3_column_int64(s, 1);
		t.not_after = sqlite3_column_int64(s, 2);
		t.name = (char *)sqlite3_column_text(s, 3);	/* borrowed for the call */
		if ((rc = fn(&t, sqlite3_column_int(s, 4), arg)) != 0)
			break;
	}
	if (rc == RC_OK && step != SQLITE_DONE)
		rc = store_fail(st, "cannot read the certificates of a key");
	sqlite3_finalize(s);
	return rc;
}
