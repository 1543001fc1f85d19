/* context: opening a CA directory (its store, told the command line its audit
 * records carry), finding its CAs, and opening a CA's signer from its record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/context.h"
#include "ca/crl_url.h"
#include "common/cadir.h"
#include "common/cadir_db.h"
#include "common/cmdline.h"
#include "common/err.h"
#include "common/output.h"

int
ca_context_open(const char *flag_dir, struct ca_context *ctx)
{
	char target[CADIR_TARGET_MAX];
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	if ((ctx->dir = cadir_resolve(flag_dir)) == NULL)
		return RC_USAGE;
	/* DIR/pinca.db, or the PostgreSQL database DIR records (--db and
	 * $PINCA_DB must agree with it). */
	if ((rc = cadir_db_target(ctx->dir, target, sizeof(target), NULL)) != RC_OK)
		return rc;
	if (store_open(target, 0, &ctx->st) != RC_OK)
		return RC_FAIL;
	/* The audit records of this command carry its command line. */
	if (store_set_audit_command(ctx->st, cmdline_audit()) != RC_OK) {
		ca_context_close(ctx);
		return RC_FAIL;
	}
	return RC_OK;
}

void
ca_context_close(struct ca_context *ctx)
{
	store_close(ctx->st);
	ctx->st = NULL;
}

int
ca_find_signing(struct ca_context *ctx, struct ca_record *out)
{
	int rc = store_ca_find_held(ctx->st, "intermediate", out);

	if (rc == STORE_NOT_FOUND)
		rc = store_ca_find_held(ctx->st, "root", out);
	if (rc != STORE_NOT_FOUND)
		return rc;
	pinca_warnx("no CA key in %s: run 'pinca ca root' (offline host) or 'pinca ca csr' and "
	    "'pinca ca import' (issuing host) first", ctx->dir);
	return STORE_NOT_FOUND;
}

int
ca_find_named(struct ca_context *ctx, const char *which, struct ca_record *out)
{
	char serial[64];
	int rc;

	if (strcmp(which, "root") == 0 || strcmp(which, "standby") == 0) {
		rc = store_ca_find(ctx->st, which, "active", out);
		if (rc == STORE_NOT_FOUND)
			rc = store_ca_find(ctx->st, which, NULL, out);
	} else if (strcmp(which, "intermediate") == 0) {
		/* The one that issues here first; on a root's host, the newest it signed. */
		rc = store_ca_find_held(ctx->st, which, out);
		if (rc == STORE_NOT_FOUND)
			rc = store_ca_find(ctx->st, which, "active", out);
		if (rc == STORE_NOT_FOUND)
			rc = store_ca_find(ctx->st, which, NULL, out);
	} else {
		if (serial_canonical(which, serial, sizeof(serial)) != RC_OK)
			return RC_USAGE;
		rc = store_ca_find_serial(ctx->st, serial, out);
	}
	if (rc == STORE_NOT_FOUND)
		pinca_warnx("no CA '%s' in %s", which, ctx->dir);
	return rc;
}

int
ca_key_relpath(const char *role, const char *pin, char *rel, size_t size)
{
	char tag[9];
	size_t j = 0;

	/* Eight filename-safe characters of the pin tell key files apart. */
	for (const char *p = pin + 7; *p && j < 8; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
			tag[j++] = *p;
	tag[j] = '\0';
	if ((size_t)snprintf(rel, size, CADIR_KEYS "/%s-%s.key", role, tag) >= size)
		return RC_FAIL;
	return RC_OK;
}

struct signer *
signer_open(const char *cadir, const struct ca_record *ca, const struct pass_source *src,
    const struct secret *pass, int *rc)
{
	const struct signer_ca k = {
		.id = ca->id, .role = ca->role, .cn = ca->cn, .key_path = ca->key_path,
		.spki = ca->spki, .spki_len = ca->spki_len, .der = ca->der, .der_len = ca->der_len,
	};

	return signer_open_ca(cadir, &k, src, pass, rc);
}

/* Describes one CA for ca show (context.h). */
int
ca_describe(struct ca_context *ctx, const char *which, struct ca_description *d)
{
	int64_t at;
	int rc;

	if ((rc = ca_find_named(ctx, which, &d->rec)) != RC_OK)
		return rc == STORE_NOT_FOUND ? RC_FAIL : rc;
	/* A root retired by `ca retire`: why and when. */
	if (strcmp(d->rec.role, "intermediate") != 0 && strcmp(d->rec.state, "retired") == 0 &&
	    store_ca_retirement(ctx->st, d->rec.id, d->reason, sizeof(d->reason), &at) == RC_OK) {
		time_rfc3339(at, d->when, sizeof(d->when));
		d->retired = 1;
	}
	return ca_crl_url_get(ctx, d->rec.id, &d->crl_url);
}

/* Frees what ca_describe filled and zeroes d. */
void
ca_description_clear(struct ca_description *d)
{
	ca_record_clear(&d->rec);
	free(d->crl_url);
	memset(d, 0, sizeof(*d));
}
