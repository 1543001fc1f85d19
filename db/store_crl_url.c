/* store_crl_url: where each CA's CRL is published (table ca_crl_urls), and
 * removing a setting (the one-shot default `init --crl-url` leaves). */
#include <stdlib.h>
#include <time.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

int
store_ca_crl_url_get(struct store *st, int64_t ca_id, char **url)
{
	struct sql_stmt *s;
	int rc;

	*url = NULL;
	if (store_prepare(st, &s, "SELECT url FROM ca_crl_urls WHERE ca_id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, ca_id);
	rc = sql_step(s);
	if (rc == SQL_ROW) {
		*url = store_col_text(s, 0);
		rc = *url ? RC_OK : store_fail(st, "cannot read a CRL URL");
	} else if (rc == SQL_DONE) {
		rc = RC_OK;
	} else {
		rc = store_fail(st, "cannot read a CRL URL");
	}
	sql_finalize(s);
	return rc;
}

int
store_ca_crl_url_set(struct store *st, int64_t ca_id, const char *url)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, url ? "INSERT INTO ca_crl_urls(ca_id, url, set_at) "
	    "VALUES (?, ?, ?) ON CONFLICT(ca_id) DO UPDATE SET url = excluded.url, "
	    "set_at = excluded.set_at" : "DELETE FROM ca_crl_urls WHERE ca_id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, ca_id);
	if (url) {
		sql_bind_text(s, 2, url);
		sql_bind_int64(s, 3, (int64_t)time(NULL));
	}
	return store_write_done(st, s, "cannot save the CRL URL") == RC_OK ? RC_OK : RC_FAIL;
}

int
store_setting_delete(struct store *st, const char *key)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "DELETE FROM settings WHERE key = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, key);
	return store_write_done(st, s, "cannot remove a setting") == RC_OK ? RC_OK : RC_FAIL;
}
