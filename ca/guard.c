/* guard: the pin guard. An app release in users' hands trusts only the pins
 * it shipped with; any change that would make the served chain miss all of
 * them bricks that release. Such changes are refused (RC_POLICY, naming the
 * release) until the release is retired, or forced: --force prints a loud
 * warning and the caller records "forced" in the audit log.
 *
 * Every check has the same shape: describe the keys the server would serve
 * after the change (leaf, intermediate, root), then ask whether some
 * supported release pins none of them. */
#include <stdio.h>
#include <string.h>

#include "ca/cmd.h"
#include "common/err.h"

void
served_keys_add(struct served_keys *sk, const char *pin)
{
	if (pin == NULL || sk->n == GUARD_MAX_KEYS)
		return;
	for (size_t i = 0; i < sk->n; i++)
		if (strcmp(sk->pins[i], pin) == 0)
			return;
	snprintf(sk->pins[sk->n++], PIN_LEN, "%s", pin);
}

int
release_pins_any(const struct app_release *r, const char *const *pins, size_t n)
{
	for (size_t i = 0; i < r->npins; i++)
		for (size_t j = 0; j < n; j++)
			if (strcmp(r->pins[i], pins[j]) == 0)
				return 1;
	return 0;
}

/* store_app_each callback: stops at the first release that pins none of the keys. */
static int
release_survives(const struct app_release *r, void *arg)
{
	struct served_keys *sk = arg;
	const char *pins[GUARD_MAX_KEYS];

	for (size_t i = 0; i < sk->n; i++)
		pins[i] = sk->pins[i];
	if (sk->require && !release_pins_any(r, &sk->require, 1))
		return 0;
	if (release_pins_any(r, pins, sk->n))
		return 0;
	snprintf(sk->refused, sizeof(sk->refused), "%s", r->name);
	return 1;
}

/* Runs the check; change describes the operation for the message. */
static int
guard_run(struct ca_context *ctx, struct served_keys *sk, const char *change, int force)
{
	int rc = store_app_each(ctx->st, 1, release_survives, sk);

	if (rc < 0)
		return RC_FAIL;
	if (sk->refused[0] == '\0')
		return RC_OK;
	if (force) {
		fprintf(stderr, "pinca: warning: --force: %s leaves app release '%s' without any of its "
		    "pins; its users will fail to connect (recorded in the audit log)\n", change,
		    sk->refused);
		return RC_OK;
	}
	pinca_warnx("refused by the pin guard: %s would break app release '%s' (it pins none of the "
	    "keys that would be served); retire the release with 'pinca app retire %s' or pass --force",
	    change, sk->refused, sk->refused);
	return RC_POLICY;
}

int
guard_current_keys(struct ca_context *ctx, struct served_keys *sk)
{
	struct ca_record inter = { 0 }, root = { 0 };
	int rc;

	if ((rc = store_ca_find_held(ctx->st, "intermediate", &inter)) == RC_FAIL)
		return RC_FAIL;
	if (rc == RC_OK) {
		served_keys_add(sk, inter.pin);
		rc = store_ca_get(ctx->st, inter.issuer_id, &root);
	} else {
		rc = store_ca_find_held(ctx->st, "root", &root);
	}
	if (rc == RC_FAIL) {
		ca_record_clear(&inter);
		return RC_FAIL;
	}
	if (rc == RC_OK)
		served_keys_add(sk, root.pin);
	ca_record_clear(&inter);
	ca_record_clear(&root);
	return RC_OK;
}

int
guard_check_root(struct ca_context *ctx, const struct ca_record *root, int force)
{
	struct served_keys sk = { .n = 0 };
	char change[512];

	/* After the switch the chain is leaf + a new intermediate + root: only
	 * the root's key is known ahead, so it is the one a release must pin. */
	served_keys_add(&sk, root->pin);
	snprintf(change, sizeof(change), "issuing under root '%s'", root->cn);
	return guard_run(ctx, &sk, change, force);
}

int
guard_check_intermediate(struct ca_context *ctx, const struct ca_record *inter,
    const struct ca_record *root, int force)
{
	struct served_keys sk = { .n = 0 };
	char change[512];

	served_keys_add(&sk, inter->pin);
	served_keys_add(&sk, root->pin);
	snprintf(change, sizeof(change), "issuing from intermediate '%s' under root '%s'", inter->cn,
	    root->cn);
	return guard_run(ctx, &sk, change, force);
}

int
guard_check_leaf_rotation(struct ca_context *ctx, const char *lineage_name, const char *old_pin,
    int force)
{
	struct served_keys sk = { .n = 0 };
	char change[512];

	/* After the rotation the server presents a new leaf key (pinned by no
	 * one yet), the current intermediate and its root. Releases that never
	 * pinned the old leaf key talk to other hosts and are not affected. */
	if (guard_current_keys(ctx, &sk) != RC_OK)
		return RC_FAIL;
	sk.require = old_pin;
	snprintf(change, sizeof(change), "a new key for '%s'", lineage_name);
	return guard_run(ctx, &sk, change, force);
}

/* Does release r pin any key in set? */
static int
release_pins_any(const struct app_release *r, const char *const *set, int n)
{
	for (size_t i = 0; i < r->npins; i++)
		for (int j = 0; j < n; j++)
			if (set[j] && strcmp(r->pins[i], set[j]) == 0)
				return 1;
	return 0;
}

struct transition_guard {
	const char *const *before, *const *after;
	int nbefore, nafter;
	char refused[256];
};

static int
release_survives(const struct app_release *r, void *arg)
{
	struct transition_guard *g = arg;

	/* Only a release that connects today can be broken by the change. */
	if (release_pins_any(r, g->before, g->nbefore) && !release_pins_any(r, g->after, g->nafter)) {
		snprintf(g->refused, sizeof(g->refused), "%s", r->name);
		return 1;
	}
	return 0;
}

int
guard_check_transition(struct ca_context *ctx, const char *const *before, int nbefore,
    const char *const *after, int nafter, int force, const char *what)
{
	struct transition_guard g = { before, after, nbefore, nafter, "" };
	int rc = store_app_each(ctx->st, 1, release_survives, &g);

	if (rc < 0)
		return RC_FAIL;
	if (g.refused[0] == '\0')
		return RC_OK;
	if (force) {
		fprintf(stderr, "pinca: warning: --force: %s breaks the pins of app release '%s'\n",
		    what, g.refused);
		return RC_OK;
	}
	pinca_warnx("refused by the pin guard: %s would break app release '%s' (the served chain "
	    "would match none of its pins); retire the release or pass --force", what, g.refused);
	return RC_POLICY;
}
