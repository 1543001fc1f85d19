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
