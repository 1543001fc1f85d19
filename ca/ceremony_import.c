/* ceremony_import: the issuing host's last step of the two-machine
 * ceremony: installs the intermediate the offline root signed, and learns
 * the roots only as the bundle proves them (ca/bundle.c): the primary by the
 * operator's root pin, the standby by the primary's signed ceremony
 * transcript. Nothing here prints: see ca/ceremony.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca/bundle.h"
#include "ca/ceremony.h"
#include "ca/guard.h"
#include "common/err.h"
#include "common/text.h"

/* Records a root learned from an import unless its pin is known already. */
static int
learn_root(struct ca_context *ctx, X509 *x, const char *role, int64_t *id_out)
{
	struct ca_record r = { 0 }, known = { 0 };
	enum key_type type;
	char pin[PIN_LEN];
	int rc;

	if (pin_of_cert(x, pin) != RC_OK)
		return RC_FAIL;
	if ((rc = store_ca_find_pin(ctx->st, pin, &known)) == RC_OK) {
		*id_out = known.id;
		ca_record_clear(&known);
		return RC_OK;
	}
	if (rc == RC_FAIL)
		return RC_FAIL;
	if ((rc = key_type_of(X509_get0_pubkey(x), "the root's key", &type)) != RC_OK)
		return rc;
	if (ca_record_from_cert(&r, x, role, "active", type, NULL, 0) != RC_OK)
		return RC_FAIL;
	rc = store_ca_insert(ctx->st, &r);
	*id_out = r.id;
	ca_record_clear(&r);
	return rc;
}

/* What the import learned from the bundle: the intermediate and the proved
 * roots (all borrowed from the bundle). */
struct import_plan {
	X509 *inter, *primary, *standby, *signer_root;
};

/* Checks the bundle: its first certificate is the intermediate waiting here
 * (pending), the roots are proved by root_pin and the signed transcript,
 * and one of them signed the intermediate. */
static int
import_check(struct ca_context *ctx, const struct bundle *b, const char *path,
    const char *root_pin, struct ca_record *pending, struct import_plan *plan)
{
	char pin[PIN_LEN];
	X509 *roots[2];

	plan->inter = sk_X509_value(b->certs, 0);
	if (pin_of_cert(plan->inter, pin) != RC_OK)
		return RC_FAIL;
	if (store_ca_find_pin(ctx->st, pin, pending) != RC_OK || strcmp(pending->state, "pending") != 0) {
		pinca_warnx("%s: its first certificate does not match a key waiting for import here "
		    "(run 'pinca ca csr' in this directory first)", path);
		return RC_FAIL;
	}
	if (X509_check_ca(plan->inter) <= 0 || bundle_is_root(plan->inter)) {
		pinca_warnx("%s: the first certificate is not an intermediate CA certificate", path);
		return RC_FAIL;
	}
	if (sk_X509_num(b->certs) < 2) {
		pinca_warnx("%s holds no root: import the whole file 'pinca ca sign' wrote", path);
		return RC_FAIL;
	}
	if (bundle_prove_roots(b, path, root_pin, &plan->primary, &plan->standby) != RC_OK)
		return RC_FAIL;
	roots[0] = plan->primary;
	roots[1] = plan->standby;
	for (int i = 0; i < 2; i++)
		if (roots[i] && X509_check_issued(roots[i], plan->inter) == X509_V_OK &&
		    X509_verify(plan->inter, X509_get0_pubkey(roots[i])) == 1)
			plan->signer_root = roots[i];
	if (plan->signer_root == NULL) {
		pinca_warnx("%s: no root in the file signed the intermediate", path);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Whether the root with x's pin is known here and retired as compromised. */
static int
root_compromised_here(struct ca_context *ctx, X509 *x)
{
	struct ca_record r = { 0 };
	char pin[PIN_LEN], reason[16] = "";
	int64_t at;
	int yes = 0;

	if (pin_of_cert(x, pin) == RC_OK && store_ca_find_pin(ctx->st, pin, &r) == RC_OK &&
	    store_ca_retirement(ctx->st, r.id, reason, sizeof(reason), &at) == RC_OK)
		yes = strcmp(reason, "compromised") == 0;
	ca_record_clear(&r);
	return yes;
}

/* Inside the transaction: records the proved roots (unless known) and
 * sets *issuer_id to the one that signed the intermediate. A transcript
 * signed by a primary retired here as compromised proves nothing: then
 * only roots known here already are accepted. */
static int
import_learn_roots(struct ca_context *ctx, const struct import_plan *plan, int64_t *issuer_id)
{
	struct ca_record known = { 0 };
	char pin[PIN_LEN];
	int64_t id;
	int rc;

	if (plan->standby && root_compromised_here(ctx, plan->primary) &&
	    (pin_of_cert(plan->standby, pin) != RC_OK ||
	    (rc = store_ca_find_pin(ctx->st, pin, &known)) != RC_OK)) {
		pinca_warnx("the standby root in the file is not known here, and the primary whose "
		    "transcript names it was retired here as compromised: its signature proves nothing");
		return RC_FAIL;
	}
	ca_record_clear(&known);
	if ((rc = learn_root(ctx, plan->primary, "root", &id)) != RC_OK)
		return rc;
	if (plan->signer_root == plan->primary)
		*issuer_id = id;
	if (plan->standby == NULL)
		return RC_OK;
	if ((rc = learn_root(ctx, plan->standby, "standby", &id)) != RC_OK)
		return rc;
	if (plan->signer_root == plan->standby)
		*issuer_id = id;
	return RC_OK;
}

/* Inside the transaction: records the roots, checks the issuer (not
 * retired here, the pin guard), retires the previous intermediate and
 * activates the pending one with its audit record. Fills res->root (the
 * issuer) and res->cas[0]. */
static int
import_activate(struct ca_context *ctx, const struct ceremony_import_req *req,
    const struct import_plan *plan, const struct ca_record *pending, enum key_type type,
    struct ceremony_result *res)
{
	struct ca_record *rec = &res->cas[0], *issuer = &res->root, old = { 0 };
	int64_t issuer_id = 0;
	json_t *objs = NULL;
	int rc, have_old;

	if ((rc = import_learn_roots(ctx, plan, &issuer_id)) != RC_OK)
		return rc;
	if (store_ca_get(ctx->st, issuer_id, issuer) != RC_OK)
		return RC_FAIL;
	if (strcmp(issuer->state, "retired") == 0) {
		char cn[TEXT_SAFE_NAME];
		pinca_warnx("%s: the intermediate was signed by %s root '%s', which is retired here: "
		    "have it signed with 'pinca ca sign --root %s'", req->path,
		    strcmp(issuer->role, "root") == 0 ? "primary" : "standby",
		    text_safe(issuer->cn, cn, sizeof(cn)), strcmp(issuer->role, "root") == 0 ?
		    "standby" : "primary");
		return RC_POLICY;
	}
	if ((rc = guard_check_root(ctx, issuer, req->force)) != RC_OK)
		return rc;
	rc = RC_FAIL;
	if (ca_record_from_cert(rec, plan->inter, "intermediate", "active", type, pending->key_path,
	    issuer_id) != RC_OK)
		goto out;
	rec->id = pending->id;
	have_old = store_ca_find_held(ctx->st, "intermediate", &old) == RC_OK;
	if ((have_old && store_ca_set_state(ctx->st, old.id, "retired") != RC_OK) ||
	    store_ca_activate(ctx->st, rec) != RC_OK)
		goto out;
	objs = json_pack("{s:o,s:s,s:s?,s:s,s:b}", "intermediate", ca_record_json(rec), "issuer",
	    issuer->serial, "retired", have_old ? old.serial : NULL, "root_pin", req->root_pin,
	    "forced", req->force);
	if (store_audit(ctx->st, "ca.import", objs) == RC_OK)
		rc = RC_OK;
out:
	json_decref(objs);
	ca_record_clear(&old);
	return rc;
}

/* The import (ca/ceremony.h). */
int
ceremony_import(const struct ceremony_import_req *req, struct ceremony_result *res)
{
	struct ca_context ctx = { 0 };
	struct ca_record pending = { 0 };
	struct import_plan plan = { 0 };
	struct bundle b = { 0 };
	enum key_type type;
	int rc;

	if (bundle_load_file(req->path, &b) != RC_OK)
		return RC_FAIL;
	if ((rc = ca_context_open(req->dir, &ctx)) != RC_OK)
		goto out;
	ctx.report = req->report;	/* the pin guard's --force warning */
	rc = RC_FAIL;
	if (import_check(&ctx, &b, req->path, req->root_pin, &pending, &plan) != RC_OK)
		goto out;
	if ((rc = key_type_of(X509_get0_pubkey(plan.inter), "the intermediate's key", &type)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if (store_begin(ctx.st) != RC_OK)
		goto out;
	if ((rc = import_activate(&ctx, req, &plan, &pending, type, res)) != RC_OK) {
		store_rollback(ctx.st);
		goto out;
	}
	rc = store_commit(ctx.st) == RC_OK ? RC_OK : RC_FAIL;
	if (rc == RC_OK)
		res->ncas = 1;
out:
	ca_record_clear(&pending);
	bundle_clear(&b);
	ca_context_close(&ctx);
	return rc;
}
