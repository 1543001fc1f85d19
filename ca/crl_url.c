/* crl_url: each CA's CRL URL and the default for the CA made next. */
#include <stdlib.h>
#include <string.h>

#include "ca/crl_url.h"
#include "common/err.h"

int
crl_url_valid(const char *url, const char **why)
{
	size_t len = strlen(url);

	*why = "must be an http:// URL";
	if (strncmp(url, "http://", 7) != 0 || len == 7)
		return 0;
	*why = "is longer than 1024 characters";
	if (len > 1024)
		return 0;
	*why = "may not hold spaces, commas or control or non-ASCII characters";
	for (const char *p = url; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ',')
			return 0;
	return 1;
}

int
ca_crl_url_get(struct ca_context *ctx, int64_t ca_id, char **url)
{
	return store_ca_crl_url_get(ctx->st, ca_id, url);
}

int
ca_crl_url_adopt(struct ca_context *ctx, int64_t ca_id, const char *url, char **taken)
{
	char *pending = NULL, *got = NULL;
	int rc = RC_FAIL;

	if (taken)
		*taken = NULL;
	if (store_setting_get(ctx->st, CRL_URL_NEXT_SETTING, &pending) != RC_OK)
		return RC_FAIL;
	if (url == NULL)
		url = pending;
	if (url && (got = strdup(url)) == NULL) {
		pinca_warnx("out of memory");
		goto out;
	}
	if ((url && store_ca_crl_url_set(ctx->st, ca_id, url) != RC_OK) ||
	    (pending && store_setting_delete(ctx->st, CRL_URL_NEXT_SETTING) != RC_OK))
		goto out;
	rc = RC_OK;
	if (taken) {
		*taken = got;
		got = NULL;
	}
out:
	free(got);
	free(pending);
	return rc;
}

/* Records the change in the audit log and commits it. */
static int
commit_change(struct ca_context *ctx, const char *which, const struct ca_record *ca,
    const char *url, const char *previous)
{
	json_t *objs = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?}", "ca", which, "serial",
	    ca ? ca->serial : NULL, "cn", ca ? ca->cn : NULL, "url", url, "previous", previous);

	if (objs == NULL || store_audit(ctx->st, "ca.crl_url", objs) != RC_OK ||
	    store_commit(ctx->st) != RC_OK) {
		json_decref(objs);
		store_rollback(ctx->st);
		return RC_FAIL;
	}
	json_decref(objs);
	return RC_OK;
}

/* Sets the URL of one CA whose key is here, or the default for the next
 * (crl_url.h). */
int
ca_crl_url_set(struct ca_context *ctx, const char *which, const char *url, struct ca_record *ca)
{
	char *previous = NULL;
	int rc = RC_FAIL, next = strcmp(which, "next") == 0;

	if (!next) {
		if ((rc = ca_find_named(ctx, which, ca)) != RC_OK)
			return rc == STORE_NOT_FOUND ? RC_FAIL : rc;
		rc = RC_FAIL;
		if (ca->key_path == NULL) {
			pinca_warnx("the key of %s '%s' is not in %s: set its CRL URL in the CA directory "
			    "where it signs", ca->role, ca->cn, ctx->dir);
			goto out;
		}
	}
	if (store_begin(ctx->st) != RC_OK)
		goto out;
	if ((next ? store_setting_get(ctx->st, CRL_URL_NEXT_SETTING, &previous) :
	    ca_crl_url_get(ctx, ca->id, &previous)) != RC_OK)
		goto rollback;
	if (next ? (url ? store_setting_set(ctx->st, CRL_URL_NEXT_SETTING, url) :
	    store_setting_delete(ctx->st, CRL_URL_NEXT_SETTING)) :
	    store_ca_crl_url_set(ctx->st, ca->id, url))
		goto rollback;
	rc = commit_change(ctx, which, next ? NULL : ca, url, previous);
	goto out;
rollback:
	store_rollback(ctx->st);
out:
	free(previous);
	return rc;
}

