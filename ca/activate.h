/* activate: moving issuance under the standby root (`ca activate
 * standby`), the drill for a compromised primary root (ca/activate.c). */
#ifndef PINCA_ACTIVATE_H
#define PINCA_ACTIVATE_H

#include "ca/context.h"

enum ca_activate_outcome {
	CA_ACTIVATE_ALREADY,	/* the active intermediate is under the standby already */
	CA_ACTIVATE_AGAIN,	/* a stored intermediate under the standby issues again */
	CA_ACTIVATE_NEEDS_NEW,	/* none stored; the standby's key is here to sign one */
};
struct ca_activate_result {
	enum ca_activate_outcome outcome;
	struct ca_record standby;	/* the standby root */
	struct ca_record intermediate;	/* ALREADY: the active one; AGAIN: the one reactivated */
	char *retired_serial;		/* AGAIN: the intermediate retired, or NULL */
};
/* Moves issuance under the standby root: a stored intermediate signed by
 * it (key here, not expired) becomes active again, after the pin guard
 * (force: overridden, audited), retiring the current one. When there is
 * none, NEEDS_NEW if the standby's key is here (the caller makes one, as
 * `ca intermediate --root standby`), else RC_FAIL with the steps of the
 * two-machine ceremony. RC_OK with res filled, or RC_FAIL/RC_POLICY with
 * one line; the caller clears res. */
int ca_activate_standby(struct ca_context *ctx, int force, struct ca_activate_result *res);
void ca_activate_result_clear(struct ca_activate_result *res);

#endif
