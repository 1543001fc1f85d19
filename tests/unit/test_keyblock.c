/* test_keyblock: blocked keys (revoke/keyblock.c over db/store_keyblock.c):
 * a free key passes keyblock_check, a blocked one is refused by policy with
 * one "pinca: " line that names it; blocking twice is a constraint;
 * revoking a key with no certificate still blocks it and writes one audit
 * record (the refusal of a CA key is in tests/e2e/revoke_key_blocks_key.sh);
 * keyblock_count_others on no rows. */
#include "tests/unit/unit.h"

#include "common/err.h"
#include "db/store.h"
#include "revoke/keyblock.h"

#define PIN_A "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PIN_B "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="

/* Counts audit records with this action. */
static int
audit_count_cb(const struct audit_record *r, int ok, void *arg)
{
	int *n = arg;

	if (ok && strcmp(r->action, "revoke-key") == 0)
		(*n)++;
	return 0;
}

int
main(void)
{
	struct store *st = NULL;
	struct keyblock_result res = { 0 };
	struct key_block b = { PIN_B, 1700000000, 1 };
	size_t total = 9, unrevoked = 9;
	int lines, rc, audits = 0;

	unit_tmpdir();
	if (store_open(unit_path(0, "pinca.db"), 1, &st) != RC_OK) {
		CHECK(0, "create a database");
		return unit_finish();
	}
	CHECK(keyblock_check(st, PIN_A) == RC_OK, "a key never blocked passes");

	CHECK(store_begin(st) == RC_OK && store_key_block(st, &b) == RC_OK && store_commit(st) == RC_OK,
	    "block a key in a transaction");
	unit_stderr_begin();
	rc = keyblock_check(st, PIN_B);
	lines = unit_stderr_end();
	CHECK(rc == RC_POLICY && unit_one_error(lines, "key " PIN_B " is blocked (revoked keyCompromise on 2023-11-14"),
	    "a blocked key is refused by policy, one line naming it, the reason and the date");
	CHECK(store_begin(st) == RC_OK && store_key_block(st, &b) == STORE_CONSTRAINT, "blocking it twice is a constraint");
	store_rollback(st);

	CHECK(store_begin(st) == RC_OK && keyblock_revoke_key(st, PIN_A, 1, &res) == RC_OK &&
	    store_commit(st) == RC_OK, "revoke --key of a key no certificate has");
	CHECK(res.revoked == 0 && res.already == 0 && json_array_size(res.serials) == 0,
	    "  ... revokes nothing");
	json_decref(res.serials);
	unit_stderr_begin();
	rc = keyblock_check(st, PIN_A);
	unit_stderr_end();
	CHECK(rc == RC_POLICY, "  ... and blocks it");
	store_audit_each(st, audit_count_cb, &audits);
	CHECK(audits == 1, "  ... with one revoke-key audit record");

	unit_stderr_begin();
	rc = store_begin(st) == RC_OK ? keyblock_revoke_key(st, PIN_A, 1, &res) : -1;
	lines = unit_stderr_end();
	store_rollback(st);
	CHECK(rc == RC_FAIL && unit_one_error(lines, "already blocked"), "revoking a blocked key again fails");

	CHECK(keyblock_count_others(st, PIN_A, "01", &total, &unrevoked) == RC_OK && total == 0 &&
	    unrevoked == 0, "keyblock_count_others with no certificates counts none");
	store_close(st);
	return unit_finish();
}
