/* constraints_choice: the name constraints the next intermediate signed in
 * this CA directory gets, decided from the flags and the store
 * (ca/constraints_choice.c). */
#ifndef PINCA_CONSTRAINTS_CHOICE_H
#define PINCA_CONSTRAINTS_CHOICE_H

#include <jansson.h>
#include <openssl/x509v3.h>

#include "ca/constraints.h"
#include "ca/context.h"

/* Where an intermediate's constraints came from. */
enum constraints_source {
	CONSTRAINTS_NONE,	/* no flag and no earlier intermediate */
	CONSTRAINTS_FLAGS,	/* --permit-dns / --permit-ip */
	CONSTRAINTS_CARRIED,	/* the previous intermediate's */
	CONSTRAINTS_DROPPED,	/* --no-constraints */
};
struct constraints_choice {
	NAME_CONSTRAINTS *nc;		/* what the new intermediate gets, or NULL */
	enum constraints_source source;
	char previous_serial[48];	/* the previous intermediate, "" if none */
	char previous_cn[128];
	NAME_CONSTRAINTS *previous;	/* its constraints, or NULL */
};
/* Decides the constraints of the next intermediate signed in this
 * directory: the flags' when given, none with no_constraints, else those
 * of the newest intermediate recorded here (carried, so a rotation cannot
 * drop them by omission). RC_OK or RC_FAIL with a message. */
int constraints_choose(struct ca_context *ctx, const char *const *dns, int ndns,
    const struct permit_ip *ip, int nip, int no_constraints, struct constraints_choice *out);
void constraints_choice_clear(struct constraints_choice *c);
/* The choice for the transcript and the audit log: source, previous, and
 * the constraints as constraints_json gives them. */
json_t *constraints_choice_json(const struct constraints_choice *c);

#endif
