/* account: newAccount with external account binding (RFC 8555 §7.3,
 * §7.3.4), account update and deactivation (§7.3.2, §7.3.6), key change
 * (§7.3.5), and what a binding permits an account to order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <jose/b64.h>
#include <jose/jws.h>

#include "acme/acme.h"
#include "common/err.h"

/* The account object of §7.1.2. */
static json_t *
account_json(struct acme_request *rq, const struct acme_account *a)
{
	json_t *contact = json_loads(a->contact_json, 0, NULL);

	return json_pack("{s:s,s:o,s:o,s:b}", "status", a->status, "contact",
	    contact ? contact : json_array(), "orders",
	    acme_url(rq, "/acme/acct/%lld/orders", (long long)a->id), "termsOfServiceAgreed", 1);
}

/* Sets the response to the account, with its Location. */
static int
account_respond(struct acme_request *rq, struct acme_response *rs, int status,
    const struct acme_account *a)
{
	snprintf(rs->location, sizeof(rs->location), "%s/acme/acct/%lld", rq->base, (long long)a->id);
	rq->log_account = a->id;
	return acme_json_response(rs, status, account_json(rq, a));
}

/* Checks a contact list: an array of mailto: URLs (§7.3). */
static int
account_contact(struct acme_response *rs, const json_t *contact, char **out)
{
	size_t i;
	json_t *v;

	*out = NULL;
	if (contact == NULL)
		return 0;
	if (!json_is_array(contact) || json_array_size(contact) > 10)
		return acme_problem(rs, 400, "malformed", "contact must be an array of mailto: URLs");
	json_array_foreach(contact, i, v) {
		const char *s = json_string_value(v);
		if (s == NULL || strncmp(s, "mailto:", 7) != 0 || strlen(s) > 254 ||
		    strpbrk(s, ",\r\n<>") != NULL)
			return acme_problem(rs, 400, "unsupportedContact",
			    "contact must be an array of mailto: URLs");
	}
	*out = json_dumps(contact, JSON_COMPACT);
	return 0;
}

/* Verifies the externalAccountBinding of a newAccount (§7.3.4): an HS256
 * JWS over the account's jwk, with the binding's kid and this URL. */
static int
account_eab(struct acme_request *rq, struct acme_response *rs, const json_t *eab,
    int64_t *eab_id)
{
	json_t *hdr = NULL, *inner = NULL, *oct = NULL;
	const char *alg = NULL, *kid = NULL, *url = NULL;
	struct acme_eab b;
	char thp[64];
	int rc = -1, got;

	memset(&b, 0, sizeof(b));
	if (!json_is_object(eab) || (hdr = acme_b64_json(json_object_get(eab, "protected"))) == NULL ||
	    json_unpack(hdr, "{s:s,s:s,s:s}", "alg", &alg, "kid", &kid, "url", &url) != 0 ||
	    !json_is_string(json_object_get(eab, "signature"))) {
		acme_problem(rs, 400, "malformed", "externalAccountBinding is not a JWS with alg, kid, url");
		goto out;
	}
	if (strcmp(alg, "HS256") != 0) {
		acme_problem(rs, 400, "badSignatureAlgorithm", "externalAccountBinding must use HS256");
		goto out;
	}
	if (strcmp(url, rq->url) != 0) {
		acme_problem(rs, 401, "unauthorized", "externalAccountBinding url does not match");
		goto out;
	}
	if ((got = store_acme_eab_get(rq->t->ctx.st, kid, 0, &b)) != RC_OK) {
		acme_problem(rs, got == STORE_NOT_FOUND ? 401 : 500, got == STORE_NOT_FOUND ?
		    "unauthorized" : "serverInternal", "no external account binding with this kid");
		goto out;
	}
	oct = json_pack("{s:s,s:o}", "kty", "oct", "k", jose_b64_enc(b.hmac, sizeof(b.hmac)));
	if (oct == NULL || !jose_jws_ver(NULL, eab, NULL, oct, false)) {
		acme_problem(rs, 401, "unauthorized", "externalAccountBinding: the HMAC does not verify");
		goto out;
	}
	if ((inner = acme_b64_json(json_object_get(eab, "payload"))) == NULL ||
	    acme_jwk_thumbprint(inner, thp) != 0 || strcmp(thp, rq->thumbprint) != 0) {
		acme_problem(rs, 400, "malformed", "externalAccountBinding does not bind the account key");
		goto out;
	}
	*eab_id = b.id;
	rc = 0;
out:
	if (oct) {
		json_t *k = json_object_get(oct, "k");
		if (json_is_string(k))
			OPENSSL_cleanse((void *)json_string_value(k), json_string_length(k));
	}
	json_decref(oct);
	json_decref(hdr);
	json_decref(inner);
	acme_eab_clear(&b);
	return rc;
}

/* A group commit's part that inserts a new account. */
static int
account_insert_part(struct store *st, void *arg)
{
	return store_acme_account_insert(st, arg);
}

int
acme_new_account(struct acme_request *rq, struct acme_response *rs)
{
	struct acme_account a;
	json_t *p;
	int only = 0, got, rc = -1;

	memset(&a, 0, sizeof(a));
	if (acme_jws_verify(rq, rs, JWS_JWK) != 0)
		return -1;
	p = rq->payload ? rq->payload : json_object();
	if (!rq->payload)
		rq->payload = p;
	only = json_is_true(json_object_get(p, "onlyReturnExisting"));
	got = store_acme_account_get(rq->t->ctx.st, 0, rq->thumbprint, &a);
	if (got == RC_OK) {
		if (strcmp(a.status, "valid") != 0)
			rc = acme_problem(rs, 401, "unauthorized", "the account is %s", a.status);
		else
			rc = account_respond(rq, rs, 200, &a);
		goto out;
	}
	if (got != STORE_NOT_FOUND) {
		rc = acme_problem(rs, 500, "serverInternal", "cannot read the accounts");
		goto out;
	}
	if (only) {
		rc = acme_problem(rs, 400, "accountDoesNotExist", "no account has this key");
		goto out;
	}
	if (json_object_get(p, "externalAccountBinding")) {
		if (account_eab(rq, rs, json_object_get(p, "externalAccountBinding"), &a.eab_id) != 0)
			goto out;
	} else if (rq->srv->cfg.eab_required) {
		rc = acme_problem(rs, 400, "externalAccountRequired",
		    "this server requires an external account binding (pinca acme eab add)");
		goto out;
	}
	if (account_contact(rs, json_object_get(p, "contact"), &a.contact_json) != 0)
		goto out;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", rq->thumbprint);
	snprintf(a.status, sizeof(a.status), "valid");
	a.jwk_json = json_dumps(rq->jwk, JSON_COMPACT | JSON_SORT_KEYS);
	a.created_at = (int64_t)time(NULL);
	if (a.jwk_json == NULL) {
		rc = acme_problem(rs, 500, "serverInternal", "cannot record the account");
		goto out;
	}
	if ((got = commit_group_run(&rq->srv->group, &rq->t->ctx, account_insert_part, &a, NULL)) !=
	    RC_OK) {
		rc = acme_problem(rs, got == STORE_CONSTRAINT ? 409 : 500, got == STORE_CONSTRAINT ?
		    "malformed" : "serverInternal", "cannot record the account");
		goto out;
	}
	rc = account_respond(rq, rs, 201, &a);
out:
	acme_account_clear(&a);
	return rc;
}

/* A group commit's part that writes an account's changed columns. */
static int
account_update_part(struct store *st, void *arg)
{
	return store_acme_account_update(st, arg);
}

/* Writes an account's changed columns (in a group commit). */
static int
account_save(struct acme_request *rq, struct acme_response *rs, const struct acme_account *a)
{
	int got = commit_group_run(&rq->srv->group, &rq->t->ctx, account_update_part, (void *)a,
	    NULL);

	if (got != RC_OK)
		return acme_problem(rs, got == STORE_CONSTRAINT ? 409 : 500,
		    got == STORE_CONSTRAINT ? "conflict" : "serverInternal",
		    got == STORE_CONSTRAINT ? "another account has this key" : "cannot update the account");
	return 0;
}

int
acme_account_post(struct acme_request *rq, struct acme_response *rs, int64_t id)
{
	struct acme_account *a = &rq->account;
	const char *status = NULL;
	char *contact = NULL;

	if (acme_jws_verify(rq, rs, JWS_KID) != 0)
		return -1;
	if (a->id != id)
		return acme_problem(rs, 403, "unauthorized", "the kid is not this account");
	if (rq->payload) {
		if (json_unpack(rq->payload, "{s?s}", "status", &status) != 0 ||
		    (status && strcmp(status, "deactivated") != 0))
			return acme_problem(rs, 400, "malformed", "status may only become 'deactivated'");
		if (account_contact(rs, json_object_get(rq->payload, "contact"), &contact) != 0)
			return -1;
		if (contact) {
			free(a->contact_json);
			a->contact_json = contact;
		}
		if (status)
			snprintf(a->status, sizeof(a->status), "deactivated");
		if ((status || contact) && account_save(rq, rs, a) != 0)
			return -1;
	}
	return account_respond(rq, rs, 200, a);
}

int
acme_key_change(struct acme_request *rq, struct acme_response *rs)
{
	json_t *inner_hdr = NULL, *inner_payload = NULL, *new_jwk, *old_jwk;
	const char *alg = NULL, *url = NULL, *account = NULL;
	char new_thp[64], old_thp[64], acct_url[400];
	int rc = -1;

	if (acme_jws_verify(rq, rs, JWS_KID) != 0)
		return -1;
	if (rq->payload == NULL || !json_is_object(rq->payload) ||
	    (inner_hdr = acme_b64_json(json_object_get(rq->payload, "protected"))) == NULL ||
	    json_unpack(inner_hdr, "{s:s,s:s,s:o}", "alg", &alg, "url", &url, "jwk", &new_jwk) != 0) {
		rc = acme_problem(rs, 400, "malformed", "the payload is not a JWS with alg, url and jwk");
		goto out;
	}
	if (json_object_get(inner_hdr, "nonce") || strcmp(url, rq->url) != 0 ||
	    !acme_jwk_fits_alg(new_jwk, alg) || !acme_jws_check_sig(rq->payload, new_jwk)) {
		rc = acme_problem(rs, 400, "malformed",
		    "the inner JWS must be signed by the new key (ES256/RS256), for this URL, without nonce");
		goto out;
	}
	snprintf(acct_url, sizeof(acct_url), "%s/acme/acct/%lld", rq->base, (long long)rq->account.id);
	if ((inner_payload = acme_b64_json(json_object_get(rq->payload, "payload"))) == NULL ||
	    json_unpack(inner_payload, "{s:s,s:o}", "account", &account, "oldKey", &old_jwk) != 0 ||
	    strcmp(account, acct_url) != 0 || acme_jwk_thumbprint(old_jwk, old_thp) != 0 ||
	    strcmp(old_thp, rq->account.thumbprint) != 0 || acme_jwk_thumbprint(new_jwk, new_thp) != 0) {
		rc = acme_problem(rs, 400, "malformed", "the inner payload must name this account and its key");
		goto out;
	}
	free(rq->account.jwk_json);
	rq->account.jwk_json = json_dumps(new_jwk, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(rq->account.thumbprint, sizeof(rq->account.thumbprint), "%s", new_thp);
	if (rq->account.jwk_json == NULL || account_save(rq, rs, &rq->account) != 0)
		goto out;
	rc = account_respond(rq, rs, 200, &rq->account);
out:
	json_decref(inner_hdr);
	json_decref(inner_payload);
	return rc;
}

/* Whether name is domain or under it. */
static int
name_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (strncmp(name, "*.", 2) == 0)
		name += 2, n -= 2;
	return strcmp(name, domain) == 0 || (n > d && name[n - d - 1] == '.' &&
	    strcmp(name + n - d, domain) == 0);
}

int
acme_account_permits(struct acme_request *rq, struct acme_response *rs, const char *value)
{
	struct acme_eab b;
	json_t *permit, *v;
	size_t i;
	int got, ok = 0;

	if (rq->account.eab_id == 0) {
		if (rq->srv->cfg.eab_required)
			return acme_problem(rs, 403, "unauthorized",
			    "the account has no external account binding, which this server requires");
		return 0;
	}
	if ((got = store_acme_eab_get(rq->t->ctx.st, NULL, rq->account.eab_id, &b)) != RC_OK)
		return acme_problem(rs, 403, "unauthorized",
		    "the account's external account binding was removed");
	permit = json_loads(b.permit_json, 0, NULL);
	ok = json_array_size(permit) == 0;
	json_array_foreach(permit, i, v)
		if (json_is_string(v) && name_under(value, json_string_value(v)))
			ok = 1;
	json_decref(permit);
	if (!ok)
		acme_problem(rs, 403, "rejectedIdentifier",
		    "%s is outside the domains binding '%s' permits", value, b.name);
	acme_eab_clear(&b);
	return ok ? 0 : -1;
}
