/* challenge: responding to a challenge (RFC 8555 §7.5.1): the server
 * validates at once, within ACME_VALIDATION_SECONDS, and answers with the
 * challenge in its final state (valid or invalid); the authorization
 * follows. The key authorization is token "." thumbprint (§8.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/acme.h"
#include "common/err.h"

int acme_authz_load(struct acme_request *rq, struct acme_response *rs, int64_t id,
    struct acme_authz *a);
json_t *acme_authz_json(struct acme_request *rq, const struct acme_authz *a);

/* Runs the validation of type for authorization a; fills a's outcome. */
static void
challenge_validate(struct acme_request *rq, struct acme_authz *a, const char *type)
{
	char keyauth[160];
	json_t *problem = NULL;
	int ok;

	snprintf(keyauth, sizeof(keyauth), "%s.%s", a->token, rq->account.thumbprint);
	if (strcmp(type, "http-01") == 0)
		ok = acme_validate_http01(&rq->srv->cfg, a->value, a->token, keyauth, &problem);
	else
		ok = acme_validate_dns01(&rq->srv->cfg, a->value, keyauth, &problem);
	snprintf(a->challenge, sizeof(a->challenge), "%s", type);
	free(a->error_json);
	a->error_json = NULL;
	if (ok == 0) {
		snprintf(a->status, sizeof(a->status), "valid");
		a->validated_at = (int64_t)time(NULL);
	} else {
		snprintf(a->status, sizeof(a->status), "invalid");
		a->error_json = problem ? json_dumps(problem, JSON_COMPACT) : NULL;
	}
	json_decref(problem);
}

/* Counts the authorizations of an order that are not valid. */
static int
challenge_count_unvalidated(const struct acme_authz *a, void *arg)
{
	if (strcmp(a->status, "valid") != 0)
		(*(int *)arg)++;
	return RC_OK;
}

/* Inside the validation's transaction: when a's order is pending, not
 * expired, and a was its last authorization to become valid, the order
 * becomes ready in the same commit (instead of a commit of its own on the
 * client's next look at the order). */
static int
challenge_order_ready(struct store *st, const struct acme_authz *a)
{
	struct acme_order o;
	int unvalidated = 0, rc;

	if (strcmp(a->status, "valid") != 0 || store_acme_order_get(st, a->order_id, &o) != RC_OK)
		return RC_OK;
	rc = RC_OK;
	if (strcmp(o.status, "pending") == 0 && o.expires > (int64_t)time(NULL) &&
	    (rc = store_acme_authz_each_order(st, o.id, challenge_count_unvalidated,
	    &unvalidated)) == RC_OK && unvalidated == 0)
		rc = store_acme_order_claim(st, o.id, "pending", "ready") == RC_FAIL ? RC_FAIL : RC_OK;
	acme_order_clear(&o);
	return rc;
}

/* A group commit's part: the validation's result, and the order ready
 * when this was its last authorization. */
static int
challenge_record(struct store *st, void *arg)
{
	struct acme_authz *a = arg;

	if (store_acme_authz_update(st, a) != RC_OK)
		return RC_FAIL;
	return challenge_order_ready(st, a);
}

int
acme_challenge_post(struct acme_request *rq, struct acme_response *rs, int64_t id,
    const char *type)
{
	struct acme_authz a;
	json_t *j = NULL, *c;
	size_t i;
	int rc = -1, offered = 0;

	if (acme_jws_verify(rq, rs, JWS_KID) != 0 || acme_authz_load(rq, rs, id, &a) != 0)
		return -1;
	if (strcmp(type, "http-01") == 0)
		offered = !a.wildcard;
	else if (strcmp(type, "dns-01") == 0)
		offered = strcmp(a.type, "dns") == 0 && rq->srv->cfg.dns_port != 0;
	if (!offered) {
		acme_problem(rs, 404, "malformed", "authorization %lld offers no %.16s challenge",
		    (long long)id, type);
		goto out;
	}
	/* A POST-as-GET reads the challenge; a payload ({}) asks to validate. */
	if (rq->payload && strcmp(a.status, "pending") == 0) {
		challenge_validate(rq, &a, type);
		if (commit_group_run(&rq->srv->group, &rq->t->ctx, challenge_record, &a, NULL) != RC_OK) {
			acme_problem(rs, 500, "serverInternal", "cannot record the validation");
			goto out;
		}
	}
	if ((j = acme_authz_json(rq, &a)) == NULL) {
		acme_problem(rs, 500, "serverInternal", "out of memory");
		goto out;
	}
	json_array_foreach(json_object_get(j, "challenges"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0) {
			snprintf(rs->link[rs->nlinks++], sizeof(rs->link[0]), "<%s/acme/authz/%lld>;rel=\"up\"",
			    rq->base, (long long)id);
			rc = acme_json_response(rs, 200, json_incref(c));
			break;
		}
	}
out:
	json_decref(j);
	acme_authz_clear(&a);
	return rc;
}
