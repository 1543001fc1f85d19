/* store_app: app releases and the pins each one carries, and for releases
 * read from an app build, each domain's rule and pins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

void
app_release_clear(struct app_release *r)
{
	if (r == NULL)
		return;
	free(r->name);
	for (size_t i = 0; i < r->npins; i++)
		free(r->pins[i]);
	free(r->pins);
	for (size_t i = 0; i < r->ndomains; i++)
		app_domain_clear(&r->domains[i]);
	free(r->domains);
	memset(r, 0, sizeof(*r));
}

void
app_domain_clear(struct app_domain *d)
{
	if (d == NULL)
		return;
	free(d->domain);
	for (size_t i = 0; i < d->npins; i++)
		free(d->pins[i].name);
	free(d->pins);
	memset(d, 0, sizeof(*d));
}

static const char *const app_pin_kinds[] = { "any", "ca", "leaf", "anchor" };

const char *
app_pin_kind_name(enum app_pin_kind k)
{
	return (unsigned)k < 4 ? app_pin_kinds[k] : "any";
}

const char *
app_domain_rule(const struct app_domain *d)
{
	int ca = 0, leaf = 0;

	if (strcmp(d->platform, "ios") != 0)
		return "any";
	for (size_t i = 0; i < d->npins; i++) {
		ca |= d->pins[i].kind == APP_PIN_CA;
		leaf |= d->pins[i].kind == APP_PIN_LEAF;
	}
	return ca && leaf ? "ca-and-leaf" : "any";
}

/* Inserts the domains of release r->id and their pins. */
static int
app_insert_domains(struct store *st, const struct app_release *r)
{
	struct sql_stmt *s = NULL, *p = NULL;
	int rc = RC_FAIL;

	if (store_prepare(st, &s, "INSERT INTO app_domains(release_id, domain, platform, rule, "
	    "include_subdomains, expiration, other_anchors) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id") != RC_OK ||
	    store_prepare(st, &p, "INSERT INTO app_domain_pins(domain_id, kind, pin, name) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING") != RC_OK)
		goto out;
	for (size_t i = 0; i < r->ndomains; i++) {
		const struct app_domain *d = &r->domains[i];
		sql_reset(s);
		sql_bind_int64(s, 1, r->id);
		sql_bind_text(s, 2, d->domain);
		sql_bind_text(s, 3, d->platform);
		sql_bind_text(s, 4, app_domain_rule(d));
		sql_bind_int64(s, 5, d->include_subdomains);
		if (d->expiration[0])
			sql_bind_text(s, 6, d->expiration);
		else
			sql_bind_null(s, 6);
		sql_bind_text(s, 7, d->other_anchors);
		int64_t domain_id;
		if (store_step_insert_id(st, s, "cannot record a domain of the app release", &domain_id) != RC_OK)
			goto out;
		for (size_t j = 0; j < d->npins; j++) {
			sql_reset(p);
			sql_bind_int64(p, 1, domain_id);
			sql_bind_text(p, 2, app_pin_kind_name(d->pins[j].kind));
			sql_bind_text(p, 3, d->pins[j].pin);
			sql_bind_text(p, 4, d->pins[j].name);
			if (store_step_write(st, p, "cannot record a pin of the app release") != RC_OK)
				goto out;
		}
	}
	rc = RC_OK;
out:
	sql_finalize(s);
	sql_finalize(p);
	return rc;
}

int
store_app_insert(struct store *st, struct app_release *r)
{
	struct sql_stmt *s = NULL;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO app_releases(name, state, created_at) "
	    "VALUES (?, 'supported', ?) RETURNING id") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->name);
	sql_bind_int64(s, 2, r->created_at);
	rc = store_step_insert_id(st, s, "cannot record the app release", &r->id);
	sql_finalize(s);
	if (rc != RC_OK)
		return rc;
	if (store_prepare(st, &s, "INSERT INTO app_pins(release_id, pin) VALUES (?, ?) "
	    "ON CONFLICT DO NOTHING") != RC_OK)
		return RC_FAIL;
	for (size_t i = 0; i < r->npins; i++) {
		sql_reset(s);
		sql_bind_int64(s, 1, r->id);
		sql_bind_text(s, 2, r->pins[i]);
		if ((rc = store_step_write(st, s, "cannot record a pin")) != RC_OK)
			break;
	}
	sql_finalize(s);
	if (rc != RC_OK)
		return RC_FAIL;
	return app_insert_domains(st, r);
}

int
store_app_retire(struct store *st, int64_t id, int64_t at)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE app_releases SET state = 'retired', retired_at = ? "
	    "WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, at);
	sql_bind_int64(s, 2, id);
	return store_write_done(st, s, "cannot retire the app release") == RC_OK ? RC_OK : RC_FAIL;
}

/* Reads the pins of release r->id into r. */
static int
app_load_pins(struct store *st, struct app_release *r)
{
	struct sql_stmt *s;
	int step, rc = RC_OK;

	if (store_prepare(st, &s, "SELECT pin FROM app_pins WHERE release_id = ? ORDER BY pin") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, r->id);
	while ((step = sql_step(s)) == SQL_ROW) {
		char **np = realloc(r->pins, (r->npins + 1) * sizeof(*np));
		if (np == NULL || (np[r->npins] = store_col_text(s, 0)) == NULL) {
			if (np)
				r->pins = np;
			rc = RC_FAIL;
			break;
		}
		r->pins = np;
		r->npins++;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot read the pins of an app release");
	sql_finalize(s);
	return rc;
}

/* Reads the pins of domain d (row domain_id). */
static int
app_load_domain_pins(struct store *st, int64_t domain_id, struct app_domain *d)
{
	struct sql_stmt *s;
	int step, rc = RC_OK;

	if (store_prepare(st, &s, "SELECT kind, pin, name FROM app_domain_pins WHERE domain_id = ? "
	    "ORDER BY kind, pin") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, domain_id);
	while ((step = sql_step(s)) == SQL_ROW) {
		struct app_pin *np = realloc(d->pins, (d->npins + 1) * sizeof(*np));
		const char *kind = sql_col_text(s, 0);
		const char *pin = sql_col_text(s, 1);
		if (np == NULL) {
			rc = RC_FAIL;
			break;
		}
		d->pins = np;
		memset(&np[d->npins], 0, sizeof(*np));
		for (int k = 0; kind && k < 4; k++)
			if (strcmp(kind, app_pin_kinds[k]) == 0)
				np[d->npins].kind = (enum app_pin_kind)k;
		snprintf(np[d->npins].pin, sizeof(np[d->npins].pin), "%s", pin ? pin : "");
		np[d->npins].name = store_col_text(s, 2);
		d->npins++;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot read the pins of an app release");
	sql_finalize(s);
	return rc;
}

/* Reads the per-domain rules of release r->id into r. */
static int
app_load_domains(struct store *st, struct app_release *r)
{
	struct sql_stmt *s;
	int step, rc = RC_OK;

	if (store_prepare(st, &s, "SELECT id, domain, platform, include_subdomains, expiration, "
	    "other_anchors FROM app_domains WHERE release_id = ? ORDER BY id") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, r->id);
	while ((step = sql_step(s)) == SQL_ROW) {
		struct app_domain *nd = realloc(r->domains, (r->ndomains + 1) * sizeof(*nd));
		const char *t;
		if (nd == NULL) {
			rc = RC_FAIL;
			break;
		}
		r->domains = nd;
		nd = &r->domains[r->ndomains++];
		memset(nd, 0, sizeof(*nd));
		nd->domain = store_col_text(s, 1);
		if ((t = sql_col_text(s, 2)) != NULL)
			snprintf(nd->platform, sizeof(nd->platform), "%s", t);
		nd->include_subdomains = (int)sql_col_int64(s, 3);
		if ((t = sql_col_text(s, 4)) != NULL)
			snprintf(nd->expiration, sizeof(nd->expiration), "%s", t);
		if ((t = sql_col_text(s, 5)) != NULL)
			snprintf(nd->other_anchors, sizeof(nd->other_anchors), "%s", t);
		if (nd->domain == NULL ||
		    app_load_domain_pins(st, sql_col_int64(s, 0), nd) != RC_OK) {
			rc = RC_FAIL;
			break;
		}
	}
	if (rc == RC_OK && step != SQL_DONE && step != SQL_ROW)
		rc = store_fail(st, "cannot read the domains of an app release");
	sql_finalize(s);
	return rc;
}

static int
app_from_row(struct store *st, struct sql_stmt *s, struct app_release *r)
{
	const char *t;

	memset(r, 0, sizeof(*r));
	r->id = sql_col_int64(s, 0);
	r->name = store_col_text(s, 1);
	if ((t = sql_col_text(s, 2)) != NULL)
		snprintf(r->state, sizeof(r->state), "%s", t);
	r->created_at = sql_col_int64(s, 3);
	r->retired_at = sql_col_int64(s, 4);
	if (r->name == NULL || app_load_pins(st, r) != RC_OK || app_load_domains(st, r) != RC_OK) {
		app_release_clear(r);
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_app_get(struct store *st, const char *name, struct app_release *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, "SELECT id, name, state, created_at, retired_at FROM app_releases "
	    "WHERE name = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, name);
	rc = sql_step(s);
	if (rc == SQL_ROW)
		rc = app_from_row(st, s, out);
	else if (rc == SQL_DONE)
		rc = STORE_NOT_FOUND;
	else
		rc = store_fail(st, "cannot read the app releases");
	sql_finalize(s);
	return rc;
}

int
store_app_each(struct store *st, int supported_only,
    int (*fn)(const struct app_release *, void *), void *arg)
{
	struct sql_stmt *s;
	struct app_release r;
	int step, rc = RC_OK;

	if (store_prepare(st, &s, supported_only ?
	    "SELECT id, name, state, created_at, retired_at FROM app_releases "
	    "WHERE state = 'supported' ORDER BY id" :
	    "SELECT id, name, state, created_at, retired_at FROM app_releases ORDER BY id") != RC_OK)
		return RC_FAIL;
	while ((step = sql_step(s)) == SQL_ROW) {
		if ((rc = app_from_row(st, s, &r)) != RC_OK)
			break;
		rc = fn(&r, arg);
		app_release_clear(&r);
		if (rc != 0)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE && step != SQL_ROW)
		rc = store_fail(st, "cannot list the app releases");
	sql_finalize(s);
	return rc;
}
