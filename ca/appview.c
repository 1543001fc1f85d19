/* appview: what the chain served here means for a release read from an app
 * build, domain by domain: the chain today is each covering lineage's leaf
 * under the intermediate and root served now (a domain no lineage covers is
 * judged on the CA keys alone), and the next planned rotation is issuance
 * moving to the other active root (a new intermediate under it, leaf keys
 * kept). Also the JSON form of a release's domains (app list, app show). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ca/appview.h"
#include "ca/cert.h"
#include "ca/guard.h"
#include "common/err.h"

struct view_walk {
	const struct app_release *r;
	struct app_domain_status *st;
	const char *const *cas;
	size_t ncas;
	const char *next_root;
};

/* store_lineage_each_due callback: judges each domain a lineage covers. */
static int
view_lineage(const struct lineage_record *l, void *arg)
{
	struct view_walk *w = arg;
	json_t *names = l->dns_json ? json_loads(l->dns_json, 0, NULL) : NULL;
	size_t k;
	json_t *v;

	if (names == NULL || !json_is_array(names)) {
		json_decref(names);
		return 0;
	}
	for (size_t i = 0; i < w->r->ndomains; i++) {
		const struct app_domain *d = &w->r->domains[i];
		struct app_domain_status *s = &w->st[i];
		json_array_foreach(names, k, v) {
			if (!json_is_string(v) || !app_domain_covers(d, json_string_value(v)))
				continue;
			struct app_chain today = { l->pin, w->cas, w->ncas, 0 };
			struct app_chain next = { l->pin, &w->next_root, 1, 0 };
			s->covered = 1;
			if (!s->today && app_domain_satisfied(d, &today)) {
				s->today = 1;
				snprintf(s->lineage, sizeof(s->lineage), "%s", l->name);
			}
			if (w->next_root && app_domain_satisfied(d, &next))
				s->next = 1;
			break;
		}
	}
	json_decref(names);
	return 0;
}

/* The pin of the active root that issuance is not under now, or "". */
static int
view_next_root(struct ca_context *ctx, const struct served_keys *now, char *out)
{
	const char *roles[2] = { "root", "standby" };

	out[0] = '\0';
	for (int i = 0; i < 2 && out[0] == '\0'; i++) {
		struct ca_record r = { 0 };
		int rc = store_ca_find(ctx->st, roles[i], "active", &r), served = 0;
		if (rc == RC_FAIL)
			return RC_FAIL;
		for (size_t j = 0; rc == RC_OK && j < now->n; j++)
			served |= strcmp(now->pins[j], r.pin) == 0;
		if (rc == RC_OK && !served)
			snprintf(out, PIN_LEN, "%s", r.pin);
		ca_record_clear(&r);
	}
	return RC_OK;
}

int
app_view_status(struct ca_context *ctx, const struct app_release *r,
    struct app_domain_status *st, int *has_next)
{
	struct served_keys now = { 0 };
	const char *const *cas;
	char next_root[PIN_LEN];
	struct view_walk w = { r, st, NULL, 0, NULL };
	time_t t = time(NULL);
	int rc = RC_FAIL;

	memset(st, 0, r->ndomains * sizeof(*st));
	if (guard_current_keys(ctx, &now) != RC_OK || view_next_root(ctx, &now, next_root) != RC_OK)
		goto out;
	cas = w.cas = (const char *const *)now.pins;
	w.ncas = now.n;
	w.next_root = next_root[0] ? next_root : NULL;
	*has_next = w.next_root != NULL;
	if (store_lineage_each_due(ctx->st, INT64_MAX, view_lineage, &w) != RC_OK)
		goto out;
	for (size_t i = 0; i < r->ndomains; i++) {
		const struct app_domain *d = &r->domains[i];
		struct app_chain today = { NULL, cas, now.n, 0 };
		struct app_chain next = { NULL, &w.next_root, 1, 0 };
		st[i].expired = !app_domain_in_force(d, t);
		if (st[i].expired) {
			st[i].today = st[i].next = 1;
			continue;
		}
		if (!st[i].covered) {
			st[i].today = app_domain_satisfied(d, &today);
			st[i].next = w.next_root && app_domain_satisfied(d, &next);
		}
	}
	rc = RC_OK;
out:
	served_keys_clear(&now);
	return rc;
}

/* The pins of d of one kind, as a JSON array. */
static json_t *
view_pins_json(const struct app_domain *d, enum app_pin_kind kind)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < d->npins; i++) {
		if (d->pins[i].kind != kind)
			continue;
		if (kind == APP_PIN_ANCHOR)
			json_array_append_new(a, json_pack("{s:s,s:s?}", "pin", d->pins[i].pin,
			    "source", d->pins[i].name));
		else
			json_array_append_new(a, json_string(d->pins[i].pin));
	}
	return a;
}

json_t *
app_view_domain_json(const struct app_domain *d, const struct app_domain_status *s)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:s?,s:o,s:o,s:o,s:o,s:s}", "domain", d->domain,
	    "platform", d->platform, "rule", app_domain_rule(d), "include_subdomains",
	    d->include_subdomains, "expiration", d->expiration[0] ? d->expiration : NULL,
	    "pins", view_pins_json(d, APP_PIN_ANY), "ca_pins", view_pins_json(d, APP_PIN_CA),
	    "leaf_pins", view_pins_json(d, APP_PIN_LEAF), "anchors",
	    view_pins_json(d, APP_PIN_ANCHOR), "other_anchors", d->other_anchors);

	if (o && s) {
		json_object_set_new(o, "satisfied_today", json_boolean(s->today));
		json_object_set_new(o, "expired", json_boolean(s->expired));
		if (s->lineage[0])
			json_object_set_new(o, "lineage", json_string(s->lineage));
	}
	return o;
}
