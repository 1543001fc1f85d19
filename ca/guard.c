/* guard: the pin guard. An app release in users' hands trusts only the pins
 * it shipped with; any change that would make the served chain miss all of
 * them bricks that release. Such changes are refused (RC_POLICY, one line
 * naming the release) until the release is retired, or forced: --force
 * prints a loud warning and the caller records "forced" in its audit record.
 *
 * Every check has one shape (guard_check_transition): the keys the server
 * presents go from before[] (leaf, intermediate, root) to after[]; a
 * supported release that finds one of its pins in before[] and none in
 * after[] would break. When nothing is served yet (before[] is empty) every
 * supported release must find a pin in after[]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cmd.h"
#include "common/err.h"

int
served_keys_add(struct served_keys *sk, const char *pin)
{
	char **grown;

	if (pin == NULL)
		return RC_OK;
	/* No fixed bound and no de-duplication: a repeated pin costs a compare,
	 * while a dropped one made a release that pins a leaf look broken. */
	if (sk->n == sk->cap) {
		size_t cap = sk->cap ? sk->cap * 2 : 8;
		if ((grown = realloc(sk->pins, cap * sizeof(*grown))) == NULL) {
			pinca_warnx("out of memory");
			return RC_FAIL;
		}
		sk->pins = grown;
		sk->cap = cap;
	}
	if ((sk->pins[sk->n] = strdup(pin)) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	sk->n++;
	return RC_OK;
}

void
served_keys_clear(struct served_keys *sk)
{
	for (size_t i = 0; i < sk->n; i++)
		free(sk->pins[i]);
	free(sk->pins);
	memset(sk, 0, sizeof(*sk));
}

int
release_pins_any(const struct app_release *r, const char *const *pins, size_t n)
{
	for (size_t i = 0; i < r->npins; i++)
		for (size_t j = 0; j < n; j++)
			if (pins[j] && strcmp(r->pins[i], pins[j]) == 0)
				return 1;
	return 0;
}

int
guard_current_keys(struct ca_context *ctx, struct served_keys *sk)
{
	struct ca_record inter = { 0 }, root = { 0 };
	int rc;

	if ((rc = store_ca_find_held(ctx->st, "intermediate", &inter)) == RC_FAIL)
		return RC_FAIL;
	if (rc == RC_OK) {
		rc = served_keys_add(sk, inter.pin) == RC_OK ?
		    store_ca_get(ctx->st, inter.issuer_id, &root) : RC_FAIL;
	} else {
		rc = store_ca_find_held(ctx->st, "root", &root);
	}
	if (rc == RC_FAIL) {
		ca_record_clear(&inter);
		return RC_FAIL;
	}
	if (rc == RC_OK)
		rc = served_keys_add(sk, root.pin);
	ca_record_clear(&inter);
	ca_record_clear(&root);
	return rc == RC_FAIL ? RC_FAIL : RC_OK;
}

struct transition_guard {
	const char *const *before, *const *after;
	size_t nbefore, nafter;
	char refused[256];
};

/* store_app_each callback: stops at the first release the change breaks. */
static int
release_survives(const struct app_release *r, void *arg)
{
	struct transition_guard *g = arg;
	int before = g->nbefore == 0 || release_pins_any(r, g->before, g->nbefore);

	/* Only a release that connects today can be broken by the change. */
	if (before && !release_pins_any(r, g->after, g->nafter)) {
		snprintf(g->refused, sizeof(g->refused), "%s", r->name);
		return 1;
	}
	return 0;
}

int
guard_check_transition(struct ca_context *ctx, const char *const *before, int nbefore,
    const char *const *after, int nafter, int force, const char *what)
{
	struct transition_guard g = { before, after, (size_t)(nbefore > 0 ? nbefore : 0),
	    (size_t)(nafter > 0 ? nafter : 0), "" };
	int rc = store_app_each(ctx->st, 1, release_survives, &g);

	if (rc < 0)
		return RC_FAIL;
	if (g.refused[0] == '\0')
		return RC_OK;
	if (force) {
		fprintf(stderr, "pinca: warning: --force: %s breaks app release '%s': the served chain "
		    "matches none of its pins and its users will fail to connect (recorded in the "
		    "audit log)\n", what, g.refused);
		return RC_OK;
	}
	pinca_warnx("refused by the pin guard: %s would break app release '%s' (the served chain "
	    "would match none of its pins); retire it with 'pinca app retire %s' or pass --force",
	    what, g.refused, g.refused);
	return RC_POLICY;
}

/* Runs the transition from the keys served today to after (which it
 * clears). */
static int
guard_from_current(struct ca_context *ctx, struct served_keys *after, int force,
    const char *what)
{
	struct served_keys now = { 0 };
	int rc = RC_FAIL;

	if (after->n > 0 && guard_current_keys(ctx, &now) == RC_OK)
		rc = guard_check_transition(ctx, (const char *const *)now.pins, (int)now.n,
		    (const char *const *)after->pins, (int)after->n, force, what);
	served_keys_clear(&now);
	served_keys_clear(after);
	return rc;
}

int
guard_check_root(struct ca_context *ctx, const struct ca_record *root, int force)
{
	struct served_keys after = { 0 };
	char what[512];

	/* After the switch the chain is leaf + a new intermediate + root: only
	 * the root's key is known ahead, so it is the one a release must pin.
	 * (Leaf keys survive a renewal, but a release that pins only leaves
	 * never depended on the root and is not affected either way.) */
	served_keys_add(&after, root->pin);
	snprintf(what, sizeof(what), "issuing under root '%s'", root->cn);
	return guard_from_current(ctx, &after, force, what);
}

int
guard_check_intermediate(struct ca_context *ctx, const struct ca_record *inter,
    const struct ca_record *root, int force)
{
	struct served_keys after = { 0 };
	char what[512];

	if (served_keys_add(&after, inter->pin) == RC_OK)
		served_keys_add(&after, root->pin);
	snprintf(what, sizeof(what), "issuing from intermediate '%s' under root '%s'", inter->cn,
	    root->cn);
	return guard_from_current(ctx, &after, force, what);
}
