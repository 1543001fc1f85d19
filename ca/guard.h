/* guard: the pin guard's interface (ca/guard.c), for the commands and the
 * domain modules that change what the server presents (issue, renew, ca
 * activate, app). ca/guard.c says how a change is judged. */
#ifndef PINCA_GUARD_H
#define PINCA_GUARD_H

#include <stddef.h>

#include "ca/context.h"
#include "db/store.h"

/* The pin guard (ca/guard.c). Each check describes the keys the server
 * would present after a change and refuses it (RC_POLICY, one line naming
 * the release) when a supported app release pins none of them. force
 * hands a loud warning to ctx->report (REPORT_NOTE) and allows; the caller
 * records "forced" in its audit record. */
struct served_keys {
	char **pins;		/* grows: every lineage's leaf key is one */
	size_t n, cap;
};
/* Adds a copy of pin (NULL is skipped). RC_OK or RC_FAIL (out of memory). */
int served_keys_add(struct served_keys *sk, const char *pin);
void served_keys_clear(struct served_keys *sk);
/* Whether release r carries one of pins. */
int release_pins_any(const struct app_release *r, const char *const *pins, size_t n);
/* The keys served today: the active intermediate held here and its root
 * (on a root-only host, the primary root). */
int guard_current_keys(struct ca_context *ctx, struct served_keys *sk);
/* Making root the anchor of what the server serves (a new intermediate under it). */
int guard_check_root(struct ca_context *ctx, const struct ca_record *root, int force);
/* Making inter (issued by root) the intermediate that issues here. */
int guard_check_intermediate(struct ca_context *ctx, const struct ca_record *inter,
    const struct ca_record *root, int force);

/* The general form: the served chain's pins go from before[] to after[];
 * a supported release that matches before and not after is broken, and the
 * change is refused (RC_POLICY naming the release and `what`). With an
 * empty before[] (nothing served yet) every release must match after[].
 * before[0] and after[0] are the leaf's key (NULL in both: the change keeps
 * the leaf), the others CA keys: releases read from an app build are judged
 * per domain by their platform's rule (ca/apprule.h), which tells them apart. */
int guard_check_transition(struct ca_context *ctx, const char *const *before, int nbefore,
    const char *const *after, int nafter, int force, const char *what);

#endif
