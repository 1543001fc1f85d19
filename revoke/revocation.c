/* revocation: one certificate or one key revoked (revoke/revocation.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/output.h"
#include "revoke/crl.h"
#include "revoke/revocation.h"

/* Checks that this directory can publish the revocation: a root cannot be
 * revoked by a CRL, and an intermediate only by the root whose key is here. */
static int
revoke_check_issuer(struct ca_context *ctx, const struct revocation_target *t)
{
	struct ca_record issuer;
	int rc;

	if (t->issuer_id == 0) {
		pinca_warnx("%s '%s' is self-signed: no CRL can revoke it (retire its pin "
		    "and remove it from trust stores instead)", t->kind, t->name ? t->name : t->serial);
		return RC_FAIL;
	}
	if (strcmp(t->kind, "leaf") == 0)
		return RC_OK;
	if ((rc = store_ca_get(ctx->st, t->issuer_id, &issuer)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("the issuer of %s '%s' is not in this directory", t->kind,
			    t->name ? t->name : t->serial);
		return RC_FAIL;
	}
	if (issuer.key_path == NULL) {
		pinca_warnx("%s '%s' is listed on the CRL of %s '%s', whose key is not in %s: "
		    "revoke it in that root's CA directory", t->kind, t->name ? t->name : t->serial,
		    issuer.role, issuer.cn, ctx->dir);
		rc = RC_FAIL;
	}
	ca_record_clear(&issuer);
	return rc;
}

/* Refuses a serial that is already revoked, saying when and why. */
static int
revoke_check_not_revoked(struct ca_context *ctx, const char *serial)
{
	struct revocation_record prior;
	char when[32];
	int rc = store_revocation_get(ctx->st, serial, &prior);

	if (rc == STORE_NOT_FOUND)
		return RC_OK;
	if (rc == RC_OK) {
		time_rfc3339(prior.revoked_at, when, sizeof(when));
		pinca_warnx("serial %s was already revoked at %s (reason %s)", serial, when,
		    crl_reason_name(prior.reason));
	}
	return RC_FAIL;
}

/* Records the revocation and its audit record in one transaction. */
static int
revoke_record(struct ca_context *ctx, const struct revocation_target *t, int reason,
    struct revocation_record *rec)
{
	json_t *objects;
	int rc;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->serial, sizeof(rec->serial), "%s", t->serial);
	rec->issuer_id = t->issuer_id;
	rec->revoked_at = (int64_t)time(NULL);
	rec->reason = reason;
	rec->not_after = t->not_after;
	if ((rc = store_revocation_insert(ctx->st, rec)) != RC_OK) {
		if (rc == STORE_CONSTRAINT)
			pinca_warnx("serial %s was already revoked", t->serial);
		return RC_FAIL;
	}
	objects = json_pack("[{s:s,s:s,s:s?,s:s,s:I,s:I}]", "serial", t->serial, "kind", t->kind,
	    "name", t->name, "reason", crl_reason_name(reason), "revoked_at",
	    (json_int_t)rec->revoked_at, "issuer_id", (json_int_t)t->issuer_id);
	rc = objects ? store_audit(ctx->st, "revoke", objects) : RC_FAIL;
	json_decref(objects);
	return rc;
}

/* Fills note for a leaf revoked with keyCompromise (in the transaction). */
static int
revoke_key_note(struct ca_context *ctx, const struct revocation_target *t, int reason,
    struct revocation_key_note *note)
{
	struct cert_record c;
	int rc;

	memset(note, 0, sizeof(*note));
	if (reason != 1 || strcmp(t->kind, "leaf") != 0)
		return RC_OK;
	if ((rc = store_cert_get(ctx->st, t->serial, &c)) != RC_OK)
		return RC_FAIL;
	snprintf(note->pin, sizeof(note->pin), "%s", c.pin);
	cert_record_clear(&c);
	note->wanted = 1;
	return keyblock_count_others(ctx->st, note->pin, t->serial, &note->total, &note->unrevoked);
}

/* Revokes one certificate (revocation.h). */
int
revocation_revoke_one(struct ca_context *ctx, const char *serial, const char *lineage,
    int reason, struct revocation_result *res)
{
	int rc;

	/* Look-up, checks and insert in one transaction: two concurrent revokes
	 * of one serial cannot both pass the already-revoked check. */
	if ((rc = store_begin(ctx->st)) != RC_OK)
		return rc;
	rc = lineage ? store_revocation_target_lineage(ctx->st, lineage, &res->target) :
	    store_revocation_target(ctx->st, serial, &res->target);
	if (rc == STORE_NOT_FOUND) {
		if (lineage)
			pinca_warnx("no certificate of lineage '%s' in %s", lineage, ctx->dir);
		else
			pinca_warnx("no certificate with serial %s in %s", serial, ctx->dir);
	}
	/* Every refusal here is exit 1, whatever the look-up returned. */
	if (rc != RC_OK || revoke_check_issuer(ctx, &res->target) != RC_OK ||
	    revoke_check_not_revoked(ctx, res->target.serial) != RC_OK ||
	    revoke_record(ctx, &res->target, reason, &res->rec) != RC_OK ||
	    revoke_key_note(ctx, &res->target, reason, &res->note) != RC_OK) {
		store_rollback(ctx->st);
		return RC_FAIL;
	}
	return store_commit(ctx->st);
}

/* Frees what revocation_revoke_one filled and zeroes res. */
void
revocation_result_clear(struct revocation_result *res)
{
	revocation_target_clear(&res->target);
	memset(res, 0, sizeof(*res));
}

/* Revokes and blocks a key (revocation.h). */
int
revocation_revoke_key(struct ca_context *ctx, const char *pin, int reason,
    struct keyblock_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = store_begin(ctx->st)) != RC_OK)
		return rc;
	if (keyblock_revoke_key(ctx->st, pin, reason, res) != RC_OK) {
		store_rollback(ctx->st);
		return RC_FAIL;
	}
	return store_commit(ctx->st);
}
