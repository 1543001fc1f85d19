/* apprule: whether a served chain satisfies what an app release pins for a
 * domain, by the platform's rule:
 *   any-of (Android pin-set, TrustKit, OkHttp, releases recorded with --pin):
 *     one pinned key anywhere in the chain;
 *   iOS NSPinnedDomains: the CA identities must match a CA certificate of
 *     the chain and the leaf identities the leaf; when both are given both
 *     must match;
 *   Android inline trust anchors: when a domain trusts only certificates
 *     shipped in the app, the chain must also reach one of their keys.
 * A pin-set past its expiration date no longer constrains anything: Android
 * and TrustKit stop enforcing it. The date is the app's local midnight, so
 * a rule is taken as in force through the whole expiration day in UTC. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ca/apprule.h"

int
app_domain_in_force(const struct app_domain *d, time_t now)
{
	char today[16];
	struct tm tm;

	if (d->expiration[0] == '\0')
		return 1;
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	/* YYYY-MM-DD strings sort as the dates do. */
	return strcmp(today, d->expiration) <= 0;
}

/* Whether pin is one of the chain's CA keys. */
static int
chain_has_ca(const struct app_chain *c, const char *pin)
{
	for (size_t i = 0; i < c->ncas; i++)
		if (c->cas[i] && strcmp(c->cas[i], pin) == 0)
			return 1;
	return 0;
}

int
app_domain_satisfied(const struct app_domain *d, const struct app_chain *c)
{
	int any = 0, any_ok = 0, ca = 0, ca_ok = 0, leaf = 0, leaf_ok = 0, anchor = 0, anchor_ok = 0;

	for (size_t i = 0; i < d->npins; i++) {
		const char *pin = d->pins[i].pin;
		int in_ca = chain_has_ca(c, pin), is_leaf = c->leaf && strcmp(c->leaf, pin) == 0;
		switch (d->pins[i].kind) {
		case APP_PIN_ANY: any = 1; any_ok |= in_ca || is_leaf; break;
		case APP_PIN_CA: ca = 1; ca_ok |= in_ca; break;
		case APP_PIN_LEAF: leaf = 1; leaf_ok |= is_leaf; break;
		case APP_PIN_ANCHOR: anchor = 1; anchor_ok |= in_ca || is_leaf; break;
		}
	}
	/* A leaf that a change leaves alone keeps matching what it matched:
	 * take the leaf part as met, so that only the CA part decides. */
	if (c->leaf == NULL && c->leaf_unchanged)
		leaf_ok = 1;
	if (any && !any_ok)
		return 0;
	if ((ca && !ca_ok) || (leaf && !leaf_ok))
		return 0;
	/* Inline anchors decide only when they are all the domain trusts. */
	if (anchor && d->other_anchors[0] == '\0' && !anchor_ok)
		return 0;
	return any || ca || leaf;
}

/* Whether a DNS name a certificate carries (maybe "*.x") and a name an app
 * pins (with or without its subdomains) can meet on one host. */
int
app_domain_covers(const struct app_domain *d, const char *cert_name)
{
	size_t dl = strlen(d->domain), cl = strlen(cert_name);

	if (strcasecmp(cert_name, d->domain) == 0)
		return 1;
	if (strncmp(cert_name, "*.", 2) == 0) {
		const char *dot = strchr(d->domain, '.');
		/* *.x covers one label under x: the pinned name, or with
		 * subdomains included, x's subdomains under the pinned name. */
		if (dot && strcasecmp(dot + 1, cert_name + 2) == 0)
			return 1;
		if (d->include_subdomains && cl - 2 >= dl &&
		    (strcmp(d->platform, "ios") != 0 || cl - 2 == dl) &&
		    strcasecmp(cert_name + 2 + (cl - 2 - dl), d->domain) == 0 &&
		    (cl - 2 == dl || cert_name[2 + (cl - 2 - dl) - 1] == '.'))
			return 1;
		return 0;
	}
	if (!d->include_subdomains || cl <= dl + 1 || cert_name[cl - dl - 1] != '.' ||
	    strcasecmp(cert_name + cl - dl, d->domain) != 0)
		return 0;
	/* iOS's NSIncludesSubdomains reaches one extra label; Android's and
	 * TrustKit's includeSubdomains every depth. */
	return strcmp(d->platform, "ios") != 0 || memchr(cert_name, '.', cl - dl - 1) == NULL;
}

const struct app_domain *
app_release_broken_domain(const struct app_release *r, const struct app_chain *before,
    const struct app_chain *after, time_t now)
{
	for (size_t i = 0; i < r->ndomains; i++) {
		const struct app_domain *d = &r->domains[i];
		if (!app_domain_in_force(d, now))
			continue;
		/* Only a domain that connects today can be broken by the change. */
		if ((before == NULL || app_domain_satisfied(d, before)) && !app_domain_satisfied(d, after))
			return d;
	}
	return NULL;
}
