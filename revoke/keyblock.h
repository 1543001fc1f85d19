/* keyblock: a key taken out of service. `revoke --key PIN` revokes every
 * leaf certified for the key and blocks it; every issuance path (issue,
 * renew, batch, and any later front end such as an ACME finalize) asks
 * keyblock_check through issue/leaf.c before it signs and again inside the
 * transaction that records the leaf. */
#ifndef PINCA_KEYBLOCK_H
#define PINCA_KEYBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db/store.h"

/* RC_OK when pin may be certified; RC_POLICY (one line printed: the key is
 * blocked, since when, and the way out) when it is blocked; RC_FAIL when
 * the store cannot say. */
int keyblock_check(struct store *st, const char *pin);

/* What keyblock_revoke_key did. revoked lists the serials it revoked as a
 * JSON array (new reference, caller decrefs). */
struct keyblock_result {
	size_t revoked;		/* certificates revoked now */
	size_t already;		/* certificates with the key that were revoked before */
	int64_t at;		/* revocation and block time */
	json_t *serials;
};
/* Revokes every unrevoked leaf certified for pin with reason and blocks the
 * key, with one audit record, inside the caller's transaction. RC_FAIL with
 * one line printed if the key is blocked already or is a CA's key. */
int keyblock_revoke_key(struct store *st, const char *pin, int reason,
    struct keyblock_result *res);

/* Counts the leaves other than except_serial certified for pin: all of
 * them, and those not revoked. */
int keyblock_count_others(struct store *st, const char *pin, const char *except_serial,
    size_t *total, size_t *unrevoked);

#endif
