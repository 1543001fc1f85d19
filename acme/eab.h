/* eab: making an external account binding (`pinca acme eab add`,
 * acme/eab.c): its kid and HMAC key drawn at random, the binding recorded
 * with an audit record that holds no key; and removing one. */
#ifndef PINCA_EAB_H
#define PINCA_EAB_H

#include <stddef.h>

#include "ca/context.h"

/* Draws b's kid and HMAC key, and records b (its name, permit_json and
 * created_at set by the caller) with its audit record in one transaction.
 * The key, base64url for the operator, goes to hmac_b64 (hmac_size bytes;
 * the caller wipes it). RC_OK, or RC_FAIL with one line (a name taken). */
int acme_eab_create(struct ca_context *ctx, struct acme_eab *b, char *hmac_b64,
    size_t hmac_size);
/* Removes the binding name with its audit record: no new account binds
 * with it, and the accounts it bound may no longer order. RC_OK, or
 * RC_FAIL (an unknown name: one line). */
int acme_eab_remove(struct ca_context *ctx, const char *name);

#endif
