/* retire: retiring a root whose key is lost or compromised (`ca retire`):
 * which app releases lose their pins, the guard that refuses a lost root's
 * retirement while they are supported, and the retirement with its audit
 * record. The command (ca/cmd_ca_retire.c) prints the move that follows. */
#ifndef PINCA_RETIRE_H
#define PINCA_RETIRE_H

#include <jansson.h>

#include "ca/cert.h"
#include "ca/context.h"

struct ca_retire_req {
	const char *role;	/* "root" or "standby" */
	const char *reason;	/* "lost" or "compromised" */
	int force;		/* retire a lost root although releases lose their pins */
};
struct ca_retire_result {
	struct ca_record root;		/* the root retired */
	struct ca_record other;		/* the other active root, if have_other */
	int have_other;
	char primary_pin[PIN_LEN];	/* the primary root's pin (for ca import) */
	json_t *losers;			/* names of the releases that lose their pins */
	int intermediate_here;		/* an intermediate's key is held here */
};
/* Retires the active root req->role: refuses (RC_POLICY) a lost root while
 * supported releases would be left with no pin pinca serves, unless
 * forced; warns for a compromised one; records the retirement and its
 * audit record. RC_OK with res filled, else RC_FAIL/RC_POLICY with one
 * line. The caller clears res. */
int ca_retire_root(struct ca_context *ctx, const struct ca_retire_req *req,
    struct ca_retire_result *res);
void ca_retire_result_clear(struct ca_retire_result *res);

#endif
