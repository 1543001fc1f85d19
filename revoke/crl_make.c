/* crl_make: one CRL made and recorded (revoke/crl_make.h). */
#include <string.h>

#include "common/err.h"
#include "revoke/crl_make.h"

/* Builds, signs and records the CRL inside one transaction. */
static int
crl_make(struct ca_context *ctx, struct signer *sg, struct crl_request *req, struct crl *c)
{
	json_t *objects;
	int64_t ca_id = signer_ca_id(sg);

	if (store_begin(ctx->st) != RC_OK)
		return RC_FAIL;
	if (crl_number_next(ctx->st, ca_id, &req->number) != RC_OK ||
	    crl_build_streaming(ctx->st, sg, req, c) != RC_OK ||
	    store_crl_record(ctx->st, ca_id, req->number, req->this_update, req->next_update,
	    c->entries, c->sha256) != RC_OK)
		goto fail;
	objects = json_pack("[{s:I,s:I,s:I,s:I,s:I,s:s}]", "issuer_id", (json_int_t)ca_id,
	    "number", (json_int_t)req->number, "this_update", (json_int_t)req->this_update,
	    "next_update", (json_int_t)req->next_update, "entries", (json_int_t)c->entries,
	    "sha256", c->sha256);
	if (objects == NULL || store_audit(ctx->st, "crl", objects) != RC_OK) {
		json_decref(objects);
		goto fail;
	}
	json_decref(objects);
	return store_commit(ctx->st);
fail:
	store_rollback(ctx->st);
	crl_clear(c);
	return RC_FAIL;
}

/* The CRL's dates and scope (crl_make.h). */
void
crl_request_for(struct crl_request *req, const struct ca_record *ca, long days, int64_t now)
{
	req->this_update = now;
	if (days == 0)
		days = strcmp(ca->role, "intermediate") == 0 ? CRL_DAYS_INTERMEDIATE : CRL_DAYS_ROOT;
	req->next_update = req->this_update + (int64_t)days * 86400;
	req->only_ca_certs = strcmp(ca->role, "intermediate") != 0;
	/* No promise past the issuer's own notAfter: after it, nothing the CA
	 * signed is valid to revoke, and a CRL's issuer should be valid for as
	 * long as the CRL says it is current. */
	if (ca->not_after > req->this_update && req->next_update > ca->not_after)
		req->next_update = ca->not_after;
}

/* Opens the signer and makes the CRL (crl_make.h). */
int
crl_make_signed(struct ca_context *ctx, const struct ca_record *ca,
    const struct pass_source *src, struct crl_request *req, struct crl *c)
{
	struct signer *sg;
	int rc = RC_FAIL;

	if ((sg = signer_open(ctx->dir, ca, src, NULL, &rc)) == NULL)
		return rc;
	rc = crl_make(ctx, sg, req, c);
	signer_free(sg);
	return rc;
}
