/* directory: the directory object (RFC 8555 §7.1.1, RFC 9773 §3), the
 * newNonce resource (§7.2), and an account's orders list (§7.1.2.1). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acme/acme.h"
#include "common/err.h"

int
acme_directory(struct acme_request *rq, struct acme_response *rs)
{
	json_t *d = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:{s:b,s:{s:s,s:s}}}",
	    "newNonce", acme_url(rq, "/acme/new-nonce"),
	    "newAccount", acme_url(rq, "/acme/new-account"),
	    "newOrder", acme_url(rq, "/acme/new-order"),
	    "revokeCert", acme_url(rq, "/acme/revoke-cert"),
	    "keyChange", acme_url(rq, "/acme/key-change"),
	    "renewalInfo", acme_url(rq, "/acme/renewal-info/"),
	    "meta", "externalAccountRequired", rq->srv->cfg.eab_required,
	    "profiles", "server", "TLS server certificates (serverAuth)",
	    "client", "TLS client certificates (clientAuth)");

	/* RFC 9773 names the resource without the trailing slash. */
	if (d)
		json_object_set_new(d, "renewalInfo", acme_url(rq, "/acme/renewal-info"));
	return acme_json_response(rs, 200, d);
}

int
acme_new_nonce(struct acme_request *rq, struct acme_response *rs)
{
	/* §7.2: 200 for HEAD, 204 for GET; the nonce is added to every reply. */
	rs->status = strcmp(rq->method, "HEAD") == 0 ? 200 : 204;
	rs->cache_no_store = 1;
	return 0;
}

/* Appends an order URL to the array. */
static int
orders_add(int64_t id, void *arg)
{
	struct acme_request *rq = ((void **)arg)[0];
	json_t *urls = ((void **)arg)[1];

	json_array_append_new(urls, acme_url(rq, "/acme/order/%lld", (long long)id));
	return RC_OK;
}

int
acme_account_orders(struct acme_request *rq, struct acme_response *rs, int64_t id)
{
	json_t *urls;
	void *arg[2];

	if (acme_jws_verify(rq, rs, JWS_KID) != 0)
		return -1;
	if (rq->account.id != id)
		return acme_problem(rs, 403, "unauthorized", "the kid is not this account");
	urls = json_array();
	arg[0] = rq;
	arg[1] = urls;
	if (store_acme_order_each_account(rq->t->ctx.st, id, (int64_t)time(NULL), orders_add, arg) !=
	    RC_OK) {
		json_decref(urls);
		return acme_problem(rs, 500, "serverInternal", "cannot list the orders");
	}
	return acme_json_response(rs, 200, json_pack("{s:o}", "orders", urls));
}
