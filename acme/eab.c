/* eab: an external account binding made and recorded (acme/eab.h). */
#include <stdint.h>
#include <stdio.h>

#include <jose/b64.h>
#include <openssl/rand.h>

#include "acme/eab.h"
#include "common/err.h"

/* A base64url string of n random bytes into out. */
static int
random_b64(unsigned char *raw, size_t n, char *out, size_t size)
{
	size_t len;

	if (RAND_bytes(raw, (int)n) != 1 || (len = jose_b64_enc_buf(raw, n, out, size - 1)) == SIZE_MAX)
		return RC_FAIL;
	out[len] = '\0';
	return RC_OK;
}

/* Records a new binding with its audit record (which holds no key). */
static int
eab_record(struct ca_context *ctx, struct acme_eab *b)
{
	json_t *objs;
	int rc;

	if (store_begin(ctx->st) != RC_OK)
		return RC_FAIL;
	objs = json_pack("[{s:s,s:s,s:s}]", "name", b->name, "kid", b->kid, "permit_dns",
	    b->permit_json);
	if ((rc = store_acme_eab_insert(ctx->st, b)) == RC_OK)
		rc = store_audit(ctx->st, "acme-eab-add", objs);
	json_decref(objs);
	if (rc != RC_OK || store_commit(ctx->st) != RC_OK) {
		store_rollback(ctx->st);
		if (rc == STORE_CONSTRAINT)
			pinca_warnx("a binding named '%s' exists already", b->name);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Makes and records a binding (eab.h). */
int
acme_eab_create(struct ca_context *ctx, struct acme_eab *b, char *hmac_b64, size_t hmac_size)
{
	unsigned char kid_raw[12];

	if (random_b64(kid_raw, sizeof(kid_raw), b->kid, sizeof(b->kid)) != RC_OK ||
	    random_b64(b->hmac, sizeof(b->hmac), hmac_b64, hmac_size) != RC_OK) {
		pinca_warnx("the random number generator failed");
		return RC_FAIL;
	}
	if (b->permit_json == NULL || eab_record(ctx, b) != RC_OK)
		return RC_FAIL;
	return RC_OK;
}

/* Removes a binding (eab.h). */
int
acme_eab_remove(struct ca_context *ctx, const char *name)
{
	json_t *objs;
	int rc;

	if ((rc = store_begin(ctx->st)) != RC_OK)
		return RC_FAIL;
	objs = json_pack("[{s:s}]", "name", name);
	if ((rc = store_acme_eab_remove(ctx->st, name)) == RC_OK)
		rc = store_audit(ctx->st, "acme-eab-remove", objs);
	json_decref(objs);
	if (rc == RC_OK)
		rc = store_commit(ctx->st);
	else
		store_rollback(ctx->st);
	if (rc == STORE_NOT_FOUND)
		pinca_warnx("no binding named '%s' (see 'pinca acme eab list')", name);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}
