/* renewal_info: RFC 9773 (ACME Renewal Information). A certificate ID is
 * base64url(AKI keyIdentifier) "." base64url(serial INTEGER content). The
 * suggested window lies in the last third of the validity; a certificate
 * that should go now (revoked, its key blocked, from a retired intermediate)
 * gets a window that has already begun, so a fleet renews on its next
 * check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/x509v3.h>
#include <jose/b64.h>

#include "acme/acme.h"
#include "common/err.h"
#include "common/output.h"

int
acme_cert_id_serial(const char *cert_id, char *serial, size_t size, unsigned char *aki,
    size_t *aki_len)
{
	const char *dot = strchr(cert_id, '.');
	unsigned char raw[64];
	size_t n, alen;
	BIGNUM *bn = NULL;
	char *hex = NULL;
	int rc = -1;

	if (dot == NULL || strchr(dot + 1, '.') || strlen(cert_id) > 200)
		return -1;
	alen = jose_b64_dec_buf(cert_id, (size_t)(dot - cert_id), NULL, 0);
	if (alen == SIZE_MAX || alen == 0 || alen > *aki_len ||
	    jose_b64_dec_buf(cert_id, (size_t)(dot - cert_id), aki, *aki_len) != alen)
		return -1;
	*aki_len = alen;
	n = jose_b64_dec_buf(dot + 1, strlen(dot + 1), NULL, 0);
	if (n == SIZE_MAX || n == 0 || n > sizeof(raw) ||
	    jose_b64_dec_buf(dot + 1, strlen(dot + 1), raw, sizeof(raw)) != n || (raw[0] & 0x80))
		return -1;
	if ((bn = BN_bin2bn(raw, (int)n, NULL)) != NULL && (hex = BN_bn2hex(bn)) != NULL &&
	    serial_canonical(hex, serial, size) == RC_OK)
		rc = 0;
	OPENSSL_free(hex);
	BN_free(bn);
	return rc;
}

/* Whether aki is the key identifier of the certificate's issuer, and
 * whether that issuer is retired. */
static int
renewal_issuer(struct acme_request *rq, const struct cert_record *c, const unsigned char *aki,
    size_t aki_len, int *retired)
{
	struct ca_record ca;
	X509 *x = NULL;
	const ASN1_OCTET_STRING *ski;
	int ok = 0;

	if (store_ca_get(rq->t->ctx.st, c->issuer_id, &ca) != RC_OK)
		return 0;
	if (ca.der && (x = cert_from_der(ca.der, ca.der_len)) != NULL &&
	    (ski = X509_get0_subject_key_id(x)) != NULL)
		ok = (size_t)ASN1_STRING_length(ski) == aki_len &&
		    memcmp(ASN1_STRING_get0_data(ski), aki, aki_len) == 0;
	*retired = strcmp(ca.state, "retired") == 0;
	X509_free(x);
	ca_record_clear(&ca);
	return ok;
}

/* Whether the certificate's key is blocked (`pinca revoke --key`). */
static int
renewal_key_blocked(struct acme_request *rq, const struct cert_record *c)
{
	struct key_block kb;

	return c->pin && store_key_blocked(rq->t->ctx.st, c->pin, &kb) == RC_OK;
}

int
acme_renewal_info(struct acme_request *rq, struct acme_response *rs, const char *cert_id)
{
	char serial[128], start[32], end[32];
	unsigned char aki[64];
	size_t aki_len = sizeof(aki);
	struct cert_record c;
	int64_t now = (int64_t)time(NULL), from, to, life;
	int retired = 0, rc;

	if (acme_cert_id_serial(cert_id, serial, sizeof(serial), aki, &aki_len) != 0)
		return acme_problem(rs, 400, "malformed", "not a certificate ID (RFC 9773 §4.1)");
	if ((rc = store_cert_get(rq->t->ctx.st, serial, &c)) != RC_OK)
		return acme_problem(rs, rc == STORE_NOT_FOUND ? 404 : 500, rc == STORE_NOT_FOUND ?
		    "malformed" : "serverInternal", "no certificate %s", serial);
	if (!renewal_issuer(rq, &c, aki, aki_len, &retired)) {
		cert_record_clear(&c);
		return acme_problem(rs, 404, "malformed", "the certificate ID's key identifier is not "
		    "its issuer's");
	}
	life = c.not_after - c.not_before;
	if (c.revoked || retired || renewal_key_blocked(rq, &c)) {
		/* Renew now: a window that began an hour ago. */
		from = now - 3600;
		to = now + 3600;
	} else {
		from = c.not_before + life * 2 / 3;
		to = c.not_before + life * 5 / 6;
	}
	cert_record_clear(&c);
	time_rfc3339(from, start, sizeof(start));
	time_rfc3339(to, end, sizeof(end));
	rs->retry_after = ACME_RETRY_AFTER;
	return acme_json_response(rs, 200, json_pack("{s:{s:s,s:s}}", "suggestedWindow", "start",
	    start, "end", end));
}
