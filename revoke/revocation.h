/* revocation: revoking one certificate (a serial or a lineage's newest)
 * or every leaf of a key, as `pinca revoke` does (revoke/revocation.c). It
 * touches only the database: the next CRL publishes it. */
#ifndef PINCA_REVOCATION_H
#define PINCA_REVOCATION_H

#include "ca/cert.h"
#include "ca/context.h"
#include "revoke/keyblock.h"

/* The others sharing a revoked leaf's key, when the reason says the key is
 * compromised: those still valid stay trusted until revoked too. */
struct revocation_key_note {
	int wanted;
	char pin[PIN_LEN];
	size_t total, unrevoked;
};
/* What revocation_revoke_one revoked. */
struct revocation_result {
	struct revocation_target target;
	struct revocation_record rec;
	struct revocation_key_note note;
};
/* Revokes the certificate with canonical serial, or (serial NULL) the
 * newest of lineage, with an RFC 5280 reason code: look-up, checks (not a
 * root, an intermediate only where its root's key is, not revoked already)
 * and the record with its audit record in one transaction, so two
 * concurrent revokes of one serial cannot both pass. RC_OK with res
 * filled, else RC_FAIL with one line (every refusal is RC_FAIL). The
 * caller clears res. */
int revocation_revoke_one(struct ca_context *ctx, const char *serial, const char *lineage,
    int reason, struct revocation_result *res);
void revocation_result_clear(struct revocation_result *res);
/* Revokes every leaf of the key pin and blocks the key, in one transaction
 * (keyblock_revoke_key). RC_OK with res filled (the caller decrefs
 * res->serials), else RC_FAIL with one line. */
int revocation_revoke_key(struct ca_context *ctx, const char *pin, int reason,
    struct keyblock_result *res);

#endif
