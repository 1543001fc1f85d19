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
