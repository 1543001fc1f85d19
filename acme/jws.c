/* jws: the signed request envelope of RFC 8555 §6.2-6.5: a flattened JWS
 * whose protected header names ES256 or RS256, a nonce this server handed
 * out and not yet used, the exact request URL, and either the account's
 * kid or, for the resources that take one, its jwk. Signatures are checked
 * with libjose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jose/b64.h>
#include <jose/jwk.h>
#include <jose/jws.h>

#include "acme/acme.h"
#include "common/err.h"

json_t *
acme_b64_json(const json_t *str)
{
	json_t *dec, *out = NULL;

	if (!json_is_string(str) || (dec = jose_b64_dec_load(str)) == NULL)
		return NULL;
	out = dec;
	if (!json_is_object(out) && !json_is_array(out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

int
acme_jwk_thumbprint(const json_t *jwk, char out[64])
{
	json_t *t = jose_jwk_thp(NULL, jwk, "S256");
	int rc = -1;

	if (json_is_string(t) && json_string_length(t) < 64) {
		snprintf(out, 64, "%s", json_string_value(t));
		rc = 0;
	}
	json_decref(t);
	return rc;
}

int
acme_jwk_fits_alg(const json_t *jwk, const char *alg)
{
	const char *kty = NULL, *crv = NULL;
	const json_t *n;

	if (!json_is_object(jwk) || json_object_get(jwk, "d") || json_object_get(jwk, "p") ||
	    json_unpack((json_t *)jwk, "{s:s,s?s}", "kty", &kty, "crv", &crv) != 0)
		return 0;
	if (strcmp(alg, "ES256") == 0)
		return strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0 &&
		    json_is_string(json_object_get(jwk, "x")) && json_is_string(json_object_get(jwk, "y"));
	if (strcmp(alg, "RS256") == 0) {
		/* RSA moduli of 2048 bits and more (base64url of 256+ bytes). */
		n = json_object_get(jwk, "n");
		return strcmp(kty, "RSA") == 0 && json_is_string(n) && json_string_length(n) >= 342 &&
		    json_string_length(n) <= 1366 && json_is_string(json_object_get(jwk, "e"));
	}
	return 0;
}

/* Tries an ES256 signature shorter than 64 bytes as r||s with one of the
 * two halves short (some clients drop leading zero bytes). */
static int
jws_check_short_es256(const json_t *jws, const json_t *jwk, const unsigned char *sig, size_t len)
{
	unsigned char full[64];
	char enc[100];
	int ok = 0;

	for (size_t rlen = len > 32 ? len - 32 : 0; rlen <= 32 && rlen <= len && !ok; rlen++) {
		size_t slen = len - rlen, n;
		json_t *copy;
		if (slen > 32)
			continue;
		memset(full, 0, sizeof(full));
		memcpy(full + 32 - rlen, sig, rlen);
		memcpy(full + 64 - slen, sig + rlen, slen);
		if ((n = jose_b64_enc_buf(full, 64, enc, sizeof(enc) - 1)) == SIZE_MAX)
			return 0;
		enc[n] = '\0';
		if ((copy = json_deep_copy(jws)) == NULL)
			return 0;
		json_object_set_new(copy, "signature", json_string(enc));
		ok = jose_jws_ver(NULL, copy, NULL, jwk, false);
		json_decref(copy);
	}
	return ok;
}

int
acme_jws_check_sig(const json_t *jws, const json_t *jwk)
{
	const json_t *sig = json_object_get(jws, "signature");
	unsigned char raw[64];
	size_t len;
	json_t *hdr;
	const char *alg = NULL;
	int ok;

	if (jose_jws_ver(NULL, jws, NULL, jwk, false))
		return 1;
	if (!json_is_string(sig) || (len = jose_b64_dec(sig, NULL, 0)) == SIZE_MAX || len >= 64 ||
	    len < 2 || jose_b64_dec(sig, raw, sizeof(raw)) != len)
		return 0;
	if ((hdr = acme_b64_json(json_object_get(jws, "protected"))) == NULL)
		return 0;
	ok = json_unpack(hdr, "{s:s}", "alg", &alg) == 0 && strcmp(alg, "ES256") == 0 &&
	    jws_check_short_es256(jws, jwk, raw, len);
	json_decref(hdr);
	return ok;
}

/* The account a kid URL names, loaded into rq->account. */
static int
jws_account(struct acme_request *rq, struct acme_response *rs, const char *kid)
{
	char prefix[400];
	char *end;
	long long id;
	int rc;

	snprintf(prefix, sizeof(prefix), "%s/acme/acct/", rq->base);
	if (strncmp(kid, prefix, strlen(prefix)) != 0)
		return acme_problem(rs, 400, "malformed", "kid is not an account URL of this server");
	id = strtoll(kid + strlen(prefix), &end, 10);
	if (*end != '\0' || id <= 0)
		return acme_problem(rs, 400, "malformed", "kid is not an account URL of this server");
	rc = store_acme_account_get(rq->t->ctx.st, id, NULL, &rq->account);
	if (rc == STORE_NOT_FOUND)
		return acme_problem(rs, 400, "accountDoesNotExist", "no account %lld", id);
	if (rc != RC_OK)
		return acme_problem(rs, 500, "serverInternal", "cannot read the account");
	if (strcmp(rq->account.status, "valid") != 0)
		return acme_problem(rs, 401, "unauthorized", "account %lld is %s", id,
		    rq->account.status);
	if ((rq->jwk = json_loads(rq->account.jwk_json, 0, NULL)) == NULL)
		return acme_problem(rs, 500, "serverInternal", "the account's key is damaged");
	snprintf(rq->thumbprint, sizeof(rq->thumbprint), "%s", rq->account.thumbprint);
	return 0;
}

/* The protected header's checks that need no key: alg, nonce, url. */
static int
jws_header(struct acme_request *rq, struct acme_response *rs, const char **alg)
{
	const char *nonce = NULL, *url = NULL;
	json_t *h = rq->protected_hdr;

	if (json_unpack(h, "{s:s}", "alg", alg) != 0)
		return acme_problem(rs, 400, "malformed", "the protected header has no alg");
	if (strcmp(*alg, "ES256") != 0 && strcmp(*alg, "RS256") != 0)
		return acme_problem(rs, 400, "badSignatureAlgorithm",
		    "alg %.32s is not accepted (ES256 or RS256)", *alg);
	if (json_unpack(h, "{s:s}", "nonce", &nonce) != 0)
		return acme_problem(rs, 400, "badNonce", "JWS has no anti-replay nonce");
	if (!nonce_use(&rq->srv->nonces, nonce))
		return acme_problem(rs, 400, "badNonce", "JWS has an invalid anti-replay nonce");
	if (json_unpack(h, "{s:s}", "url", &url) != 0)
		return acme_problem(rs, 400, "malformed", "the protected header has no url");
	if (strcmp(url, rq->url) != 0)
		return acme_problem(rs, 401, "unauthorized",
		    "the header's url does not match the request URL");
	return 0;
}

/* Parses the flattened JWS of the body into jws (new). */
static int
jws_parse(struct acme_request *rq, struct acme_response *rs, json_t **jws)
{
	json_error_t e;

	*jws = NULL;
	if (rq->content_type == NULL || strncmp(rq->content_type, "application/jose+json", 21) != 0)
		return acme_problem(rs, 415, "malformed", "the body must be application/jose+json");
	if ((*jws = json_loadb((const char *)rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e)) ==
	    NULL || !json_is_object(*jws))
		return acme_problem(rs, 400, "malformed", "the body is not a JSON object");
	if (!json_is_string(json_object_get(*jws, "protected")) ||
	    !json_is_string(json_object_get(*jws, "payload")) ||
	    !json_is_string(json_object_get(*jws, "signature")) ||
	    json_object_get(*jws, "signatures") || json_object_get(*jws, "header"))
		return acme_problem(rs, 400, "malformed",
		    "the body is not a flattened JWS with protected, payload and signature");
	if ((rq->protected_hdr = acme_b64_json(json_object_get(*jws, "protected"))) == NULL ||
	    !json_is_object(rq->protected_hdr))
		return acme_problem(rs, 400, "malformed", "the protected header is not JSON");
	return 0;
}

int
acme_jws_verify(struct acme_request *rq, struct acme_response *rs, int which)
{
	json_t *jws = NULL, *jwk, *kid;
	const char *alg = NULL, *payload;
	int rc = -1;

	if (jws_parse(rq, rs, &jws) != 0 || jws_header(rq, rs, &alg) != 0)
		goto out;
	jwk = json_object_get(rq->protected_hdr, "jwk");
	kid = json_object_get(rq->protected_hdr, "kid");
	if ((jwk == NULL) == (kid == NULL)) {
		acme_problem(rs, 400, "malformed", "the protected header needs exactly one of jwk and kid");
		goto out;
	}
	if (jwk && which == JWS_KID) {
		acme_problem(rs, 400, "malformed", "this resource takes a kid, not a jwk");
		goto out;
	}
	if (kid && which == JWS_JWK) {
		acme_problem(rs, 400, "malformed", "this resource takes a jwk, not a kid");
		goto out;
	}
	if (kid) {
		if (!json_is_string(kid) || jws_account(rq, rs, json_string_value(kid)) != 0)
			goto out;
	} else {
		if (!acme_jwk_fits_alg(jwk, "ES256") && !acme_jwk_fits_alg(jwk, "RS256")) {
			acme_problem(rs, 400, "badPublicKey", "the jwk is not a P-256 or RSA (2048+) public key");
			goto out;
		}
		rq->jwk = json_incref(jwk);
		if (acme_jwk_thumbprint(jwk, rq->thumbprint) != 0) {
			acme_problem(rs, 400, "badPublicKey", "cannot take the jwk's thumbprint");
			goto out;
		}
	}
	if (!acme_jwk_fits_alg(rq->jwk, alg)) {
		acme_problem(rs, 400, "badSignatureAlgorithm", "alg %s does not fit the account key", alg);
		goto out;
	}
	if (!acme_jws_check_sig(jws, rq->jwk)) {
		acme_problem(rs, 403, "unauthorized", "the JWS signature does not verify");
		goto out;
	}
	payload = json_string_value(json_object_get(jws, "payload"));
	if (payload[0] != '\0' &&
	    (rq->payload = acme_b64_json(json_object_get(jws, "payload"))) == NULL) {
		acme_problem(rs, 400, "malformed", "the payload is not JSON");
		goto out;
	}
	rc = 0;
out:
	json_decref(jws);
	return rc;
}

void
acme_request_clear(struct acme_request *rq)
{
	json_decref(rq->protected_hdr);
	json_decref(rq->payload);
	json_decref(rq->jwk);
	acme_account_clear(&rq->account);
	rq->protected_hdr = rq->payload = rq->jwk = NULL;
}
