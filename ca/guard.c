/* guard: the pin guard. An app release in users' hands trusts only the pins
 * it shipped with; any change that would make the served chain miss all of
 * them bricks that release. Such changes are refused until the release is
 * retired, or forced (and the audit log says so). */
#include <stdio.h>
#include <string.h>

#include "ca/cmd.h"
#include "common/err.h"

struct root_guard {
	const char *root_pin;
	const char *root_cn;
	const char *refused;	/* name of the first release that would break */
	char refused_name[256];
};

static int
release_keeps_root(const struct app_release *r, void *arg)
{
	struct root_guard *g = arg;

	for (size_t i = 0; i < r->npins; i++)
		if (strcmp(r->pins[i], g->root_pin) == 0)
			return 0;
	snprintf(g->refused_name, sizeof(g->refused_name), "%s", r->name);
	g->refused = g->refused_name;
	return 1;
}

int
guard_check_root(struct ca_context *ctx, const struct ca_record *root, int force)
{
	struct root_guard g = { root->pin, root->cn, NULL, "" };
	int rc = store_app_each(ctx->st, 1, release_keeps_root, &g);

	if (rc < 0)
		return RC_FAIL;
	if (g.refused == NULL)
		return RC_OK;
	if (force) {
		fprintf(stderr, "pinca: warning: --force: app release '%s' does not pin root '%s'; "
		    "its users will fail to connect\n", g.refused, root->cn);
		return RC_OK;
	}
	pinca_warnx("refused by the pin guard: app release '%s' does not pin root '%s' (%s); "
	    "retire the release or pass --force", g.refused, root->cn, root->pin);
	return RC_POLICY;
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
