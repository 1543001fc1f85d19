/* activate: issuance moved under the standby root (ca/activate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/activate.h"
#include "ca/guard.h"
#include "common/err.h"

struct standby_search {
	int64_t standby_id, now;
	struct ca_record found;
	int have;
};

/* store_ca_each callback: keeps the newest usable intermediate whose key is
 * here and whose issuer is the standby root. */
static int
find_standby_intermediate(const struct ca_record *r, void *arg)
{
	struct standby_search *s = arg;

	if (strcmp(r->role, "intermediate") != 0 || r->issuer_id != s->standby_id ||
	    r->key_path == NULL || r->der == NULL || strcmp(r->state, "pending") == 0 ||
	    r->not_after <= s->now)
		return 0;
	ca_record_clear(&s->found);
	memset(&s->found, 0, sizeof(s->found));
	/* Only the fields used below are copied. */
	s->found.id = r->id;
	snprintf(s->found.state, sizeof(s->found.state), "%s", r->state);
	s->found.cn = strdup(r->cn);
	s->found.pin = strdup(r->pin);
	s->found.serial = r->serial ? strdup(r->serial) : NULL;
	s->have = s->found.cn && s->found.pin;
	return s->have ? 0 : RC_FAIL;
}

/* Makes a stored standby intermediate the active one, retiring the
 * current one, with the audit record. */
static int
reactivate(struct ca_context *ctx, const struct ca_record *inter, const struct ca_record *standby,
    int force, char **retired_serial)
{
	struct ca_record old = { 0 };
	json_t *objs = NULL;
	int rc, have_old;

	if ((rc = guard_check_intermediate(ctx, inter, standby, force)) != RC_OK)
		return rc;
	if (store_begin(ctx->st) != RC_OK)
		return RC_FAIL;
	rc = RC_FAIL;
	have_old = store_ca_find_held(ctx->st, "intermediate", &old) == RC_OK;
	objs = json_pack("{s:s?,s:s?,s:s?,s:b}", "intermediate", inter->serial, "root", standby->serial,
	    "retired", have_old ? old.serial : NULL, "forced", force);
	if ((have_old && store_ca_set_state(ctx->st, old.id, "retired") != RC_OK) ||
	    store_ca_set_state(ctx->st, inter->id, "active") != RC_OK ||
	    store_audit(ctx->st, "ca.activate", objs) != RC_OK) {
		store_rollback(ctx->st);
		goto out;
	}
	if (store_commit(ctx->st) != RC_OK)
		goto out;
	rc = RC_OK;
	if (have_old && old.serial && (*retired_serial = strdup(old.serial)) == NULL)
		rc = RC_FAIL;
out:
	json_decref(objs);
	ca_record_clear(&old);
	return rc;
}

/* Moves issuance under the standby root (activate.h). */
int
ca_activate_standby(struct ca_context *ctx, int force, struct ca_activate_result *res)
{
	struct standby_search s = { 0 };
	int rc;

	if (store_ca_find(ctx->st, "standby", "active", &res->standby) != RC_OK) {
		pinca_warnx("no standby root known in %s", ctx->dir);
		return RC_FAIL;
	}
	if ((rc = store_ca_find_held(ctx->st, "intermediate", &res->intermediate)) == RC_FAIL)
		return RC_FAIL;
	if (rc == RC_OK && res->intermediate.issuer_id == res->standby.id) {
		res->outcome = CA_ACTIVATE_ALREADY;
		return RC_OK;
	}
	ca_record_clear(&res->intermediate);
	memset(&res->intermediate, 0, sizeof(res->intermediate));
	s.standby_id = res->standby.id;
	s.now = (int64_t)time(NULL);
	if (store_ca_each(ctx->st, find_standby_intermediate, &s) != RC_OK) {
		ca_record_clear(&s.found);
		return RC_FAIL;
	}
	if (s.have) {
		res->intermediate = s.found;
		res->outcome = CA_ACTIVATE_AGAIN;
		return reactivate(ctx, &res->intermediate, &res->standby, force, &res->retired_serial);
	}
	if (res->standby.key_path == NULL) {
		pinca_warnx("no intermediate under the standby root in %s: run 'pinca ca csr --cn NAME "
		    "--out FILE' here, 'pinca ca sign --root standby --csr FILE --out FILE' on the root's "
		    "host, then 'pinca ca import --cert FILE --root-pin PIN' here (the primary's pin, from "
		    "the ceremony log)", ctx->dir);
		return RC_FAIL;
	}
	res->outcome = CA_ACTIVATE_NEEDS_NEW;
	return RC_OK;
}

/* Frees what ca_activate_standby filled and zeroes res. */
void
ca_activate_result_clear(struct ca_activate_result *res)
{
	ca_record_clear(&res->standby);
	ca_record_clear(&res->intermediate);
	free(res->retired_serial);
	memset(res, 0, sizeof(*res));
}
