/* store_acme: the ACME server's rows: external account bindings, accounts,
 * orders and authorizations (their challenges live in the authorization's
 * row). Like every store file, plain reads and writes; the server decides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

/* Copies column i into a fixed buffer (empty for NULL). */
static void
col_copy(struct sql_stmt *s, int i, char *buf, size_t size)
{
	const char *t = sql_col_text(s, i);

	snprintf(buf, size, "%s", t ? t : "");
}

/* Runs a prepared INSERT ... RETURNING id, sets *id and finalizes it. */
static int
insert_done(struct store *st, struct sql_stmt *s, const char *what, int64_t *id)
{
	int rc = store_step_insert_id(st, s, what, id);

	sql_finalize(s);
	return rc;
}

void
acme_eab_clear(struct acme_eab *r)
{
	if (r == NULL)
		return;
	free(r->permit_json);
	OPENSSL_cleanse(r->hmac, sizeof(r->hmac));
	memset(r, 0, sizeof(*r));
}

int
store_acme_eab_insert(struct store *st, struct acme_eab *r)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO acme_eab(name, kid, hmac, permit, created_at) "
	    "VALUES (?, ?, ?, ?, ?) RETURNING id") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->name);
	sql_bind_text(s, 2, r->kid);
	sql_bind_blob(s, 3, r->hmac, sizeof(r->hmac));
	sql_bind_text(s, 4, r->permit_json ? r->permit_json : "[]");
	sql_bind_int64(s, 5, r->created_at);
	rc = insert_done(st, s, "cannot record the binding", &r->id);
	return rc;
}

#define EAB_COLUMNS "id, name, kid, hmac, permit, created_at, " \
	"(SELECT count(*) FROM acme_accounts a WHERE a.eab_id = acme_eab.id)"

/* Fills r from a row of EAB_COLUMNS. */
static int
eab_from_row(struct sql_stmt *s, struct acme_eab *r)
{
	const void *hmac;
	size_t hmac_len;

	memset(r, 0, sizeof(*r));
	r->id = sql_col_int64(s, 0);
	col_copy(s, 1, r->name, sizeof(r->name));
	col_copy(s, 2, r->kid, sizeof(r->kid));
	hmac = sql_col_blob(s, 3, &hmac_len);
	if (hmac_len == sizeof(r->hmac))
		memcpy(r->hmac, hmac, sizeof(r->hmac));
	r->created_at = sql_col_int64(s, 5);
	r->accounts = sql_col_int64(s, 6);
	if ((r->permit_json = store_col_text(s, 4)) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_acme_eab_get(struct store *st, const char *kid, int64_t id, struct acme_eab *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, kid ? "SELECT " EAB_COLUMNS " FROM acme_eab WHERE kid = ?" :
	    "SELECT " EAB_COLUMNS " FROM acme_eab WHERE id = ?") != RC_OK)
		return RC_FAIL;
	if (kid)
		sql_bind_text(s, 1, kid);
	else
		sql_bind_int64(s, 1, id);
	if ((rc = store_step_one(st, s, "cannot read the binding")) == RC_OK)
		rc = eab_from_row(s, out);
	sql_finalize(s);
	return rc;
}

int
store_acme_eab_remove(struct store *st, const char *name)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "DELETE FROM acme_eab WHERE name = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, name);
	rc = store_step_write(st, s, "cannot remove the binding");
	sql_finalize(s);
	if (rc == RC_OK && sql_changes(st->conn) == 0)
		rc = STORE_NOT_FOUND;
	return rc;
}

int
store_acme_eab_each(struct store *st, int (*fn)(const struct acme_eab *, void *), void *arg)
{
	struct acme_eab r;
	struct sql_stmt *s;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT " EAB_COLUMNS " FROM acme_eab ORDER BY name") != RC_OK)
		return RC_FAIL;
	while ((step = sql_step(s)) == SQL_ROW) {
		if ((rc = eab_from_row(s, &r)) == RC_OK)
			rc = fn(&r, arg);
		acme_eab_clear(&r);
		if (rc != RC_OK)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot list the bindings");
	sql_finalize(s);
	return rc;
}

void
acme_account_clear(struct acme_account *r)
{
	if (r == NULL)
		return;
	free(r->jwk_json);
	free(r->contact_json);
	memset(r, 0, sizeof(*r));
}

int
store_acme_account_insert(struct store *st, struct acme_account *r)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO acme_accounts(thumbprint, jwk, status, contact, "
	    "eab_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->thumbprint);
	sql_bind_text(s, 2, r->jwk_json);
	sql_bind_text(s, 3, r->status);
	sql_bind_text(s, 4, r->contact_json ? r->contact_json : "[]");
	if (r->eab_id)
		sql_bind_int64(s, 5, r->eab_id);
	else
		sql_bind_null(s, 5);
	sql_bind_int64(s, 6, r->created_at);
	rc = insert_done(st, s, "cannot record the account", &r->id);
	return rc;
}

#define ACCOUNT_COLUMNS "id, thumbprint, jwk, status, contact, eab_id, created_at"

/* Fills r from a row of ACCOUNT_COLUMNS. */
static int
account_from_row(struct sql_stmt *s, struct acme_account *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sql_col_int64(s, 0);
	col_copy(s, 1, r->thumbprint, sizeof(r->thumbprint));
	col_copy(s, 3, r->status, sizeof(r->status));
	r->eab_id = sql_col_int64(s, 5);
	r->created_at = sql_col_int64(s, 6);
	if ((r->jwk_json = store_col_text(s, 2)) == NULL ||
	    (r->contact_json = store_col_text(s, 4)) == NULL) {
		acme_account_clear(r);
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_acme_account_get(struct store *st, int64_t id, const char *thumbprint,
    struct acme_account *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, thumbprint ?
	    "SELECT " ACCOUNT_COLUMNS " FROM acme_accounts WHERE thumbprint = ?" :
	    "SELECT " ACCOUNT_COLUMNS " FROM acme_accounts WHERE id = ?") != RC_OK)
		return RC_FAIL;
	if (thumbprint)
		sql_bind_text(s, 1, thumbprint);
	else
		sql_bind_int64(s, 1, id);
	if ((rc = store_step_one(st, s, "cannot read the account")) == RC_OK)
		rc = account_from_row(s, out);
	sql_finalize(s);
	return rc;
}

int
store_acme_account_update(struct store *st, const struct acme_account *r)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE acme_accounts SET status = ?, contact = ?, jwk = ?, "
	    "thumbprint = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->status);
	sql_bind_text(s, 2, r->contact_json ? r->contact_json : "[]");
	sql_bind_text(s, 3, r->jwk_json);
	sql_bind_text(s, 4, r->thumbprint);
	sql_bind_int64(s, 5, r->id);
	return store_write_done(st, s, "cannot update the account");
}

int
store_acme_account_each(struct store *st,
    int (*fn)(const struct acme_account *, int64_t orders, void *), void *arg)
{
	struct acme_account r;
	struct sql_stmt *s;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT " ACCOUNT_COLUMNS ", (SELECT count(*) FROM acme_orders o "
	    "WHERE o.account_id = acme_accounts.id) FROM acme_accounts ORDER BY id") != RC_OK)
		return RC_FAIL;
	while ((step = sql_step(s)) == SQL_ROW) {
		if ((rc = account_from_row(s, &r)) == RC_OK)
			rc = fn(&r, sql_col_int64(s, 7), arg);
		acme_account_clear(&r);
		if (rc != RC_OK)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot list the accounts");
	sql_finalize(s);
	return rc;
}

void
acme_order_clear(struct acme_order *r)
{
	if (r == NULL)
		return;
	free(r->identifiers_json);
	free(r->replaces);
	free(r->lineage);
	free(r->serial);
	free(r->error_json);
	memset(r, 0, sizeof(*r));
}

int
store_acme_order_insert(struct store *st, struct acme_order *r)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO acme_orders(account_id, status, identifiers, profile, "
	    "replaces, expires, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, r->account_id);
	sql_bind_text(s, 2, r->status);
	sql_bind_text(s, 3, r->identifiers_json);
	sql_bind_text(s, 4, r->profile);
	store_bind_text(s, 5, r->replaces);
	sql_bind_int64(s, 6, r->expires);
	sql_bind_int64(s, 7, r->created_at);
	rc = insert_done(st, s, "cannot record the order", &r->id);
	return rc;
}

int
store_acme_order_get(struct store *st, int64_t id, struct acme_order *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, "SELECT id, account_id, status, identifiers, profile, replaces, "
	    "lineage, serial, error, expires, created_at FROM acme_orders WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, id);
	if ((rc = store_step_one(st, s, "cannot read the order")) == RC_OK) {
		out->id = sql_col_int64(s, 0);
		out->account_id = sql_col_int64(s, 1);
		col_copy(s, 2, out->status, sizeof(out->status));
		col_copy(s, 4, out->profile, sizeof(out->profile));
		out->identifiers_json = store_col_text(s, 3);
		out->replaces = store_col_text(s, 5);
		out->lineage = store_col_text(s, 6);
		out->serial = store_col_text(s, 7);
		out->error_json = store_col_text(s, 8);
		out->expires = sql_col_int64(s, 9);
		out->created_at = sql_col_int64(s, 10);
		if (out->identifiers_json == NULL) {
			acme_order_clear(out);
			rc = store_fail(st, "cannot read the order");
		}
	}
	sql_finalize(s);
	return rc;
}

int
store_acme_order_update(struct store *st, const struct acme_order *r)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE acme_orders SET status = ?, lineage = ?, serial = ?, "
	    "error = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->status);
	store_bind_text(s, 2, r->lineage);
	store_bind_text(s, 3, r->serial);
	store_bind_text(s, 4, r->error_json);
	sql_bind_int64(s, 5, r->id);
	return store_write_done(st, s, "cannot update the order");
}

int
store_acme_order_count_pending(struct store *st, int64_t account_id, int64_t now, int *n)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT count(*) FROM acme_orders WHERE account_id = ? AND "
	    "status IN ('pending','ready','processing') AND expires > ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, account_id);
	sql_bind_int64(s, 2, now);
	if ((rc = store_step_one(st, s, "cannot count the orders")) == RC_OK)
		*n = (int)sql_col_int64(s, 0);
	sql_finalize(s);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

void
acme_authz_clear(struct acme_authz *r)
{
	if (r == NULL)
		return;
	free(r->error_json);
	memset(r, 0, sizeof(*r));
}

int
store_acme_authz_insert(struct store *st, struct acme_authz *r)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO acme_authz(order_id, account_id, type, value, "
	    "wildcard, status, token, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, r->order_id);
	sql_bind_int64(s, 2, r->account_id);
	sql_bind_text(s, 3, r->type);
	sql_bind_text(s, 4, r->value);
	sql_bind_int64(s, 5, r->wildcard);
	sql_bind_text(s, 6, r->status);
	sql_bind_text(s, 7, r->token);
	sql_bind_int64(s, 8, r->expires);
	rc = insert_done(st, s, "cannot record the authorization", &r->id);
	return rc;
}

#define AUTHZ_COLUMNS "id, order_id, account_id, type, value, wildcard, status, token, " \
	"challenge, validated_at, error, expires"

/* Fills r from a row of AUTHZ_COLUMNS. */
static void
authz_from_row(struct sql_stmt *s, struct acme_authz *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sql_col_int64(s, 0);
	r->order_id = sql_col_int64(s, 1);
	r->account_id = sql_col_int64(s, 2);
	col_copy(s, 3, r->type, sizeof(r->type));
	col_copy(s, 4, r->value, sizeof(r->value));
	r->wildcard = (int)sql_col_int64(s, 5);
	col_copy(s, 6, r->status, sizeof(r->status));
	col_copy(s, 7, r->token, sizeof(r->token));
	col_copy(s, 8, r->challenge, sizeof(r->challenge));
	r->validated_at = sql_col_int64(s, 9);
	r->error_json = store_col_text(s, 10);
	r->expires = sql_col_int64(s, 11);
}

int
store_acme_authz_get(struct store *st, int64_t id, struct acme_authz *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, "SELECT " AUTHZ_COLUMNS " FROM acme_authz WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, id);
	if ((rc = store_step_one(st, s, "cannot read the authorization")) == RC_OK)
		authz_from_row(s, out);
	sql_finalize(s);
	return rc;
}

int
store_acme_authz_update(struct store *st, const struct acme_authz *r)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE acme_authz SET status = ?, challenge = ?, validated_at = ?, "
	    "error = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->status);
	store_bind_text(s, 2, r->challenge[0] ? r->challenge : NULL);
	sql_bind_int64(s, 3, r->validated_at);
	store_bind_text(s, 4, r->error_json);
	sql_bind_int64(s, 5, r->id);
	return store_write_done(st, s, "cannot update the authorization");
}

int
store_acme_authz_each_order(struct store *st, int64_t order_id,
    int (*fn)(const struct acme_authz *, void *), void *arg)
{
	struct acme_authz r;
	struct sql_stmt *s;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT " AUTHZ_COLUMNS " FROM acme_authz WHERE order_id = ? "
	    "ORDER BY id") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, order_id);
	while ((step = sql_step(s)) == SQL_ROW) {
		authz_from_row(s, &r);
		rc = fn(&r, arg);
		acme_authz_clear(&r);
		if (rc != RC_OK)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot list the authorizations");
	sql_finalize(s);
	return rc;
}

int
store_acme_serial_account(struct store *st, const char *serial, int64_t account_id, int *owns)
{
	struct sql_stmt *s;
	int rc;

	*owns = 0;
	if (store_prepare(st, &s, "SELECT 1 FROM acme_orders WHERE serial = ? AND account_id = ?") !=
	    RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, serial);
	sql_bind_int64(s, 2, account_id);
	rc = store_step_one(st, s, "cannot read the orders");
	*owns = rc == RC_OK;
	sql_finalize(s);
	return rc == RC_FAIL ? RC_FAIL : RC_OK;
}

int
store_acme_order_each_account(struct store *st, int64_t account_id, int64_t now,
    int (*fn)(int64_t id, void *), void *arg)
{
	struct sql_stmt *s;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT id FROM acme_orders WHERE account_id = ? AND "
	    "status IN ('pending','ready','processing') AND expires > ? ORDER BY id LIMIT 1000") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, account_id);
	sql_bind_int64(s, 2, now);
	while ((step = sql_step(s)) == SQL_ROW)
		if ((rc = fn(sql_col_int64(s, 0), arg)) != RC_OK)
			break;
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot list the orders");
	sql_finalize(s);
	return rc;
}

int
store_acme_order_claim(struct store *st, int64_t id, const char *from, const char *to)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "UPDATE acme_orders SET status = ? WHERE id = ? AND status = ?") !=
	    RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, to);
	sql_bind_int64(s, 2, id);
	sql_bind_text(s, 3, from);
	rc = store_step_write(st, s, "cannot update the order");
	sql_finalize(s);
	if (rc == RC_OK && sql_changes(st->conn) == 0)
		rc = STORE_NOT_FOUND;
	return rc;
}
