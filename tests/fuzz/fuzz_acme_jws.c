/* fuzz_acme_jws: a request body as `pinca serve` receives it, through the
 * JWS checks of acme/jws.c (JSON, flattened form, base64url header, alg,
 * nonce, url, jwk) as for newAccount. A forged nonce stops most inputs at
 * badNonce: the target also hands the checks a body whose nonce it made
 * itself, with the input as the protected header's other members. Every
 * refusal is a problem document with a 4xx status. */
#include <stdio.h>

#include <jose/b64.h>

#include "acme/acme.h"
#include "tests/fuzz/fuzz.h"

static struct acme_server srv;

/* Runs one body through acme_jws_verify and checks the outcome. */
static void
fuzz_body(const char *body, size_t len)
{
	struct acme_request rq;
	struct acme_response rs;
	int rc;

	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	rq.srv = &srv;
	rq.method = "POST";
	rq.path = "/acme/new-account";
	rq.content_type = "application/jose+json";
	snprintf(rq.base, sizeof(rq.base), "https://localhost:8443");
	snprintf(rq.url, sizeof(rq.url), "%s%s", rq.base, rq.path);
	rq.body = (const unsigned char *)body;
	rq.body_len = len;
	rc = acme_jws_verify(&rq, &rs, JWS_JWK);
	if (rc == 0)
		FUZZ_ASSERT(rq.jwk != NULL && rq.thumbprint[0] != '\0');
	else
		FUZZ_ASSERT(rc == -1 && rs.body != NULL && rs.status >= 400 && rs.status < 500);
	free(rs.body);
	acme_request_clear(&rq);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char nonce[64], *hdr = NULL, *body = NULL;
	json_t *h;

	if (srv.nonces.used == NULL && nonce_pool_init(&srv.nonces) != 0)
		abort();
	fuzz_body((const char *)data, size);
	/* The input as the header's members, with a nonce and url that pass. */
	if ((h = json_loadb((const char *)data, size, 0, NULL)) != NULL && json_is_object(h)) {
		nonce_new(&srv.nonces, nonce);
		json_object_set_new(h, "nonce", json_string(nonce));
		json_object_set_new(h, "url", json_string("https://localhost:8443/acme/new-account"));
		hdr = json_dumps(h, JSON_COMPACT);
		if (hdr) {
			json_t *jws = json_pack("{s:o,s:s,s:s}", "protected", jose_b64_enc(hdr, strlen(hdr)),
			    "payload", "e30", "signature", "AAAA");
			body = jws ? json_dumps(jws, JSON_COMPACT) : NULL;
			json_decref(jws);
			if (body)
				fuzz_body(body, strlen(body));
		}
	}
	json_decref(h);
	free(hdr);
	free(body);
	return 0;
}
