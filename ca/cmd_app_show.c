/* cmd_app_show: `pinca app show NAME`: what a release pins, domain by
 * domain (platform, rule, pins, expiration, anchors), and whether the chain
 * served for each domain satisfies it today and after the next planned
 * rotation (ca/appview.c says which chains those are). With --connect, the
 * chain a live server sends is judged too, for the domains its name reaches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca/appview.h"
#include "ca/cmd.h"
#include "ca/verify.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_CONNECT = 20, OPT_SERVERNAME };
#define SHOW_CHAIN_MAX 16
#define SHOW_CONNECT_TIMEOUT 10

static const struct opt_spec show_opts[] = {
	OPT_SPEC_DIR,
	{ "connect", 1, OPT_CONNECT, "HOST:PORT", "also judge the chain this live TLS server sends" },
	{ "servername", 1, OPT_SERVERNAME, "NAME", "SNI name to send, and the name whose domains are judged (default: HOST)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help show_help = {
	"app show", "NAME [--connect HOST:PORT [--servername NAME]] [--json]",
	"Shows what a release pins per domain (platform, rule, pins, expiration,\n"
	"trust anchors) and whether each domain's served chain satisfies it today\n"
	"(the chain of the lineage that serves the domain, or the intermediate and\n"
	"root alone) and after the next planned rotation (issuance moved to the\n"
	"other active root, leaf keys kept). With --connect, also whether the chain\n"
	"the server sends (completed with the root this directory knows) satisfies\n"
	"each domain the server name reaches.",
	show_opts,
};

/* What --connect found: the chain's keys, leaf first, and the server name. */
struct show_live {
	char pins[SHOW_CHAIN_MAX + 1][PIN_LEN];
	const char *cas[SHOW_CHAIN_MAX];
	int n;
	char host[256];
	const char *hostport;
};

/* Appends the key of the active root (or standby) that issued last, when
 * the server left its root out, as servers do. */
static int
show_add_root(struct ca_context *ctx, X509 *last, struct show_live *lv)
{
	const char *roles[2] = { "root", "standby" };

	for (int i = 0; i < 2 && lv->n <= SHOW_CHAIN_MAX; i++) {
		struct ca_record r = { 0 };
		const unsigned char *p;
		X509 *root = NULL;
		int rc = store_ca_find(ctx->st, roles[i], "active", &r);
		if (rc == RC_FAIL)
			return RC_FAIL;
		if (rc == RC_OK && (p = r.der) != NULL &&
		    (root = d2i_X509(NULL, &p, (long)r.der_len)) != NULL &&
		    X509_check_issued(root, last) == X509_V_OK && strcmp(r.pin, lv->pins[lv->n - 1]) != 0)
			snprintf(lv->pins[lv->n++], PIN_LEN, "%s", r.pin);
		X509_free(root);
		ca_record_clear(&r);
	}
	return RC_OK;
}

/* Fetches the chain hostport serves into lv. */
static int
show_fetch(struct ca_context *ctx, const char *hostport, const char *servername,
    struct show_live *lv)
{
	STACK_OF(X509) *chain = verify_fetch_chain(hostport, servername, SHOW_CONNECT_TIMEOUT,
	    lv->host, sizeof(lv->host));
	int rc = RC_FAIL;

	if (chain == NULL)
		return RC_FAIL;
	lv->hostport = hostport;
	if (servername)
		snprintf(lv->host, sizeof(lv->host), "%s", servername);
	for (int i = 0; i < sk_X509_num(chain) && lv->n < SHOW_CHAIN_MAX; i++)
		if (pin_of_cert(sk_X509_value(chain, i), lv->pins[lv->n++]) != RC_OK)
			goto out;
	if (lv->n == 0 || show_add_root(ctx, sk_X509_value(chain, lv->n - 1), lv) != RC_OK)
		goto out;
	for (int i = 1; i < lv->n; i++)
		lv->cas[i - 1] = lv->pins[i];
	rc = RC_OK;
out:
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* Whether the live chain satisfies d: 1, 0, or -1 when the server's name
 * does not reach d (or there was no --connect). */
static int
show_live_verdict(const struct show_live *lv, const struct app_domain *d)
{
	struct app_chain c = { lv->pins[0], lv->cas, lv->n > 0 ? (size_t)lv->n - 1 : 0, 0 };

	if (lv->hostport == NULL || !app_domain_covers(d, lv->host))
		return -1;
	return app_domain_satisfied(d, &c);
}

static const char *const kind_labels[] = { "pin", "ca pin", "leaf pin", "anchor" };

/* One domain in text. */
static void
show_domain_text(const struct app_domain *d, const struct app_domain_status *s, int has_next,
    const struct show_live *lv)
{
	int live = show_live_verdict(lv, d);

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
	if (live >= 0)
		printf("  served by %s (%s) now: %s\n", lv->hostport, lv->host,
		    s->expired ? "not enforced (expired)" : live ? "satisfied" : "FAILS");
	if (!has_next)
		printf("  after the next rotation: none planned (no second active root)\n");
	else if (!s->expired)
		printf("  after the next rotation: %s\n", s->next ? "satisfied" : "FAILS");
}

/* The release as JSON. */
static int
show_json(const struct app_release *r, const struct app_domain_status *st, int has_next,
    const struct show_live *lv)
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
		int live = show_live_verdict(lv, &r->domains[i]);
		if (lv->hostport)
			json_object_set_new(o, "satisfied_by_connect", live < 0 ? json_null() :
			    json_boolean(live || st[i].expired));
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
	struct show_live lv;
	const char *connect = NULL, *servername = NULL;
	char **rest;
	struct opts o;
	int id, rc, json = 0, has_next = 0;

	memset(&lv, 0, sizeof(lv));
	opts_init(&o, argc, argv, &show_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_JSON: json = 1; break;
		case OPT_CONNECT: connect = arg; break;
		case OPT_SERVERNAME: servername = arg; break;
		}
	}
	if (opts_rest(&o, &rest) != 1)
		return rc_exit(opts_usage_error(&show_help, "name one release"));
	if (servername && connect == NULL)
		return rc_exit(opts_usage_error(&show_help, "--servername goes with --connect"));
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
	if (connect && show_fetch(&ctx, connect, servername, &lv) != RC_OK)
		goto out;
	if (json) {
		rc = show_json(&r, st, has_next, &lv);
		goto out;
	}
	printf("app release %s (%s)\n", r.name, r.state);
	if (r.ndomains == 0) {
		printf("pins, any of them anywhere in the chain (recorded with --pin):\n");
		for (size_t i = 0; i < r.npins; i++)
			printf("  %s\n", r.pins[i]);
	}
	for (size_t i = 0; i < r.ndomains; i++)
		show_domain_text(&r.domains[i], &st[i], has_next, &lv);
	rc = RC_OK;
out:
	free(st);
	app_release_clear(&r);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
