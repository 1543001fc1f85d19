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
 * supported release must find a pin in after[]. before[0] and after[0] are
 * the leaf's key (NULL when the change keeps the leaf), the rest CA keys.
 * A release read from an app build is judged domain by domain, by its
 * platform's rule (ca/apprule.c), and the refusal names the domain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/apprule.h"
#include "ca/guard.h"
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
	char domain[256];	/* the domain that breaks (releases read from a build) */
};

/* The chain a transition array describes: [0] the leaf (or NULL), then CAs. */
static struct app_chain
transition_chain(const char *const *keys, size_t n, int leaf_unchanged)
{
	struct app_chain c = { n ? keys[0] : NULL, n ? keys + 1 : NULL, n ? n - 1 : 0,
	    leaf_unchanged };
	return c;
}

/* store_app_each callback: stops at the first release the change breaks. */
static int
release_survives(const struct app_release *r, void *arg)
{
	struct transition_guard *g = arg;
	int before;

	if (r->ndomains > 0) {
		int same_leaf = g->nbefore && g->nafter && g->before[0] == NULL && g->after[0] == NULL;
		struct app_chain b = transition_chain(g->before, g->nbefore, same_leaf);
		struct app_chain a = transition_chain(g->after, g->nafter, same_leaf);
		const struct app_domain *d = app_release_broken_domain(r, g->nbefore ? &b : NULL, &a,
		    time(NULL));
		if (d == NULL)
			return 0;
		snprintf(g->refused, sizeof(g->refused), "%s", r->name);
		snprintf(g->domain, sizeof(g->domain), "%s", d->domain);
		return 1;
	}
	before = g->nbefore == 0 || release_pins_any(r, g->before, g->nbefore);

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
	    (size_t)(nafter > 0 ? nafter : 0), "", "" };
	char where[300] = "";
	const char *why = "the served chain would match none of its pins";
	int rc = store_app_each(ctx->st, 1, release_survives, &g);

	if (rc < 0)
		return RC_FAIL;
	if (g.refused[0] == '\0')
		return RC_OK;
	if (g.domain[0]) {
		snprintf(where, sizeof(where), " for domain %s", g.domain);
		why = "the served chain would no longer satisfy its pins there";
	}
	if (force) {
		pinca_report(ctx->report, REPORT_NOTE, "warning: --force: %s breaks app release "
		    "'%s'%s: %s and its users will fail to connect (recorded in the audit log)", what,
		    g.refused, where, why);
		return RC_OK;
	}
	pinca_warnx("refused by the pin guard: %s would break app release '%s'%s (%s); retire it "
	    "with 'pinca app retire %s' or pass --force", what, g.refused, where, why, g.refused);
	return RC_POLICY;
}

/* Runs the transition from the keys served today to after (which it
 * clears). */
static int
guard_from_current(struct ca_context *ctx, struct served_keys *after, int force,
    const char *what)
{
	struct served_keys now = { 0 };
	const char **b = NULL, **a = NULL;
	int rc = RC_FAIL;

	/* [0]: the leaf, which a change of intermediate or root keeps. */
	if (guard_current_keys(ctx, &now) != RC_OK)
		goto out;
	if ((b = calloc(now.n + 1, sizeof(*b))) == NULL ||
	    (a = calloc(after->n + 1, sizeof(*a))) == NULL) {
		pinca_warnx("out of memory");
		goto out;
	}
	for (size_t i = 0; i < now.n; i++)
		b[i + 1] = now.pins[i];
	for (size_t i = 0; i < after->n; i++)
		a[i + 1] = after->pins[i];
	rc = guard_check_transition(ctx, b, now.n ? (int)now.n + 1 : 0, a, (int)after->n + 1,
	    force, what);
out:
	free(b);
	free(a);
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
