/* revoke: revokeCert (RFC 8555 §7.6), signed by the account that ordered
 * the certificate or by the certificate's own key (a jwk request). The
 * revocation and its audit record land in one transaction; the next
 * `pinca crl` publishes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jose/b64.h>
#include <jose/openssl.h>

#include "acme/acme.h"
#include "ca/cert.h"
#include "common/err.h"

/* Whether the account ordered the certificate with this serial. */
static int
revoke_account_owns(struct acme_request *rq, const char *serial)
{
	int owns = 0;

	return store_acme_serial_account(rq->t->ctx.st, serial, rq->account.id, &owns) == RC_OK &&
	    owns;
}

/* Whether jwk is the certificate's public key. */
static int
revoke_by_cert_key(struct acme_request *rq, X509 *x)
{
	json_t *jwk = jose_openssl_jwk_from_EVP_PKEY(NULL, X509_get0_pubkey(x));
	char thp[64];
	int same = jwk && acme_jwk_thumbprint(jwk, thp) == 0 && strcmp(thp, rq->thumbprint) == 0;

	json_decref(jwk);
	return same;
}

/* What revoke_part writes. */
struct revoke_rec {
	struct revocation_record rec;
	json_t *objs;
};

/* A group commit's part: the revocation and its audit record. */
static int
revoke_part(struct store *st, void *arg)
{
	struct revoke_rec *rr = arg;
	int rc = store_revocation_insert(st, &rr->rec);

	return rc == RC_OK ? store_audit(st, "revoke", rr->objs) : rc;
}

/* Records the revocation with its audit record (in a group commit). */
static int
revoke_record(struct acme_request *rq, const struct cert_record *c, int reason)
{
	struct revoke_rec rr;
	int rc;

	memset(&rr, 0, sizeof(rr));
	snprintf(rr.rec.serial, sizeof(rr.rec.serial), "%s", c->serial);
	rr.rec.issuer_id = c->issuer_id;
	rr.rec.revoked_at = (int64_t)time(NULL);
	rr.rec.reason = reason;
	rr.rec.not_after = c->not_after;
	rr.objs = json_pack("[{s:s,s:s,s:s?,s:i,s:s,s:I}]", "serial", c->serial, "kind", "leaf",
	    "name", c->name, "reason", reason, "via", "acme", "account", (json_int_t)rq->account.id);
	rc = commit_group_run(&rq->srv->group, &rq->t->ctx, revoke_part, &rr, NULL);
	json_decref(rr.objs);
	return rc == RC_OK || rc == STORE_CONSTRAINT ? rc : RC_FAIL;
}

int
acme_revoke_cert(struct acme_request *rq, struct acme_response *rs)
{
	const char *b64 = NULL;
	json_int_t reason = 0;
	unsigned char der[16384];
	size_t len;
	X509 *x = NULL;
	char serial[SERIAL_HEX_MAX];
	struct cert_record c;
	int rc = -1, got;

	if (acme_jws_verify(rq, rs, JWS_EITHER) != 0)
		return -1;
	if (rq->payload == NULL || json_unpack(rq->payload, "{s:s,s?I}", "certificate", &b64,
	    "reason", &reason) != 0 || (len = jose_b64_dec_buf(b64, strlen(b64), NULL, 0)) == SIZE_MAX ||
	    len > sizeof(der) || jose_b64_dec_buf(b64, strlen(b64), der, sizeof(der)) != len ||
	    (x = cert_from_der(der, len)) == NULL || cert_serial_hex(x, serial) != RC_OK) {
		X509_free(x);
		return acme_problem(rs, 400, "malformed", "revokeCert needs a certificate (base64url DER)");
	}
	if (reason < 0 || reason > 10 || reason == 7 || reason == 8) {
		X509_free(x);
		return acme_problem(rs, 400, "badRevocationReason", "reason %lld is not allowed",
		    (long long)reason);
	}
	if ((got = store_cert_get(rq->t->ctx.st, serial, &c)) != RC_OK) {
		X509_free(x);
		return acme_problem(rs, 404, "malformed", "certificate %s was not issued here", serial);
	}
	/* The stored certificate must be the one sent, byte for byte. */
	if (c.der_len != len || memcmp(c.der, der, len) != 0 ||
	    !(rq->account.id ? revoke_account_owns(rq, serial) : revoke_by_cert_key(rq, x))) {
		acme_problem(rs, 403, "unauthorized", "this %s may not revoke certificate %s",
		    rq->account.id ? "account" : "key", serial);
		goto out;
	}
	if (c.revoked) {
		acme_problem(rs, 400, "alreadyRevoked", "certificate %s is already revoked", serial);
		goto out;
	}
	got = revoke_record(rq, &c, (int)reason);
	if (got != RC_OK) {
		if (got == STORE_CONSTRAINT)
			acme_problem(rs, 400, "alreadyRevoked", "certificate %s is already revoked", serial);
		else
			acme_problem(rs, 500, "serverInternal", "cannot record the revocation");
		goto out;
	}
	rs->status = 200;
	rs->content_type = "application/json";
	free(rs->body);
	rs->body = strdup("");
	rc = 0;
out:
	cert_record_clear(&c);
	X509_free(x);
	return rc;
}
