/* cmd_app_show: `pinca app show NAME`: what a release pins, domain by
 * domain (platform, rule, pins, expiration, anchors), and whether the chain
 * served for each domain satisfies it today and after the next planned
 * rotation (ca/appview.c says which chains those are). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/appview.h"
#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"

static const struct opt_spec show_opts[] = { OPT_SPEC_DIR, OPT_SPEC_JSON, OPT_END_SPEC };
static const struct cmd_help show_help = {
	"app show", "NAME [--json]",
	"Shows what a release pins per domain (platform, rule, pins, expiration,\n"
	"trust anchors) and whether each domain's served chain satisfies it today\n"
	"(the chain of the lineage that serves the domain, or the intermediate and\n"
	"root alone) and after the next planned rotation (issuance moved to the\n"
	"other active root, leaf keys kept).",
	show_opts,
};

static const char *const kind_labels[] = { "pin", "ca pin", "leaf pin", "anchor" };

/* One domain in text. */
static void
show_domain_text(const struct app_domain *d, const struct app_domain_status *s, int has_next)
{
	printf("domain %s\n  platform %s, rule %s, subdomains %s", d->domain, d->platform,
	    app_domain_rule(d), d->include_subdomains ? "included" : "not included");
	if (d->expiration[0])
		printf(", pins expire %s%s", d->expiration, s->expired ? " (EXPIRED)" : "");
	printf("\n");
	for (size_t i = 0; i < d->npins; i++)
		printf("  %-8s %s%s%s%s\n", kind_labels[d->pins[i].kind], d->pins[i].pin,
		    d->pins[i].name ? " (" : "", d->pins[i].name ? d->pins[i].name : "",
		    d->pins[i].name ? ")" : "");
	if (d->other_anchors[0])
		printf("  also trusts: %s\n", d->other_anchors);
	if (s->expired)
		printf("  today: not enforced (expired)\n");
	else
		printf("  today: %s%s%s\n", s->today ? "satisfied" : "FAILS",
		    s->lineage[0] ? " by the chain of lineage " : (s->covered ? "" :
		    " (no lineage serves it: judged on the intermediate and root)"), s->lineage);
	if (!has_next)
		printf("  after the next rotation: none planned (no second active root)\n");
	else if (!s->expired)
		printf("  after the next rotation: %s\n", s->next ? "satisfied" : "FAILS");
}

/* The release as JSON. */
static int
show_json(const struct app_release *r, const struct app_domain_status *st, int has_next)
{
	json_t *pins = json_array(), *doms = json_array(), *o;

	if (pins == NULL || doms == NULL)
		goto fail;
	for (size_t i = 0; i < r->npins; i++)
		json_array_append_new(pins, json_string(r->pins[i]));
	for (size_t i = 0; i < r->ndomains; i++) {
		if ((o = app_view_domain_json(&r->domains[i], &st[i])) == NULL)
			goto fail;
		json_object_set_new(o, "satisfied_after_rotation", has_next ? json_boolean(st[i].next) :
		    json_null());
		json_array_append_new(doms, o);
	}
	return json_print(json_pack("{s:s,s:s,s:o,s:o}", "name", r->name, "state", r->state, "pins",
	    pins, "domains", doms));
fail:
	json_decref(pins);
	json_decref(doms);
	return RC_FAIL;
}

int
cmd_app_show(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_context ctx = { 0 };
	struct app_release r = { 0 };
	struct app_domain_status *st = NULL;
	char **rest;
	struct opts o;
	int id, rc, json = 0, has_next = 0;

	opts_init(&o, argc, argv, &show_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			json = 1;
	}
	if (opts_rest(&o, &rest) != 1)
		return rc_exit(opts_usage_error(&show_help, "name one release"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = store_app_get(ctx.st, rest[0], &r)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("no app release '%s' (see 'pinca app list')", rest[0]);
		rc = RC_FAIL;
		goto out;
	}
	rc = RC_FAIL;
	if ((st = calloc(r.ndomains ? r.ndomains : 1, sizeof(*st))) == NULL ||
	    app_view_status(&ctx, &r, st, &has_next) != RC_OK)
		goto out;
	if (json) {
		rc = show_json(&r, st, has_next);
		goto out;
	}
	printf("app release %s (%s)\n", r.name, r.state);
	if (r.ndomains == 0) {
		printf("pins, any of them anywhere in the chain (recorded with --pin):\n");
		for (size_t i = 0; i < r.npins; i++)
			printf("  %s\n", r.pins[i]);
	}
	for (size_t i = 0; i < r.ndomains; i++)
		show_domain_text(&r.domains[i], &st[i], has_next);
	rc = RC_OK;
out:
	free(st);
	app_release_clear(&r);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
