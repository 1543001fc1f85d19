/* verify: the checks `pinca verify` runs on a served chain, one finding per
 * line. The path is built by OpenSSL's own verifier (X509_STORE_CTX) with
 * the roots this CA directory knows as the only trust anchors; the served
 * intermediates are the untrusted chain (RFC 5280 section 6). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "ca/verify.h"
#include "common/err.h"
#include "common/output.h"
#include "revoke/crl.h"

struct findings {
	int checks, failures;
	json_t *json;		/* collects the findings instead of printing, or NULL */
};

/* Prints one finding; kind is "ok", "FAIL" or "skip". */
static void __attribute__((format(printf, 3, 4)))
finding(struct findings *f, const char *kind, const char *fmt, ...)
{
	va_list ap;

	if (strcmp(kind, "skip") != 0)
		f->checks++;
	if (strcmp(kind, "FAIL") == 0)
		f->failures++;
	va_start(ap, fmt);
	if (f->json) {
		char msg[1024], *colon;
		vsnprintf(msg, sizeof(msg), fmt, ap);
		/* "check: message" becomes {"check", "status", "message"}. */
		colon = strchr(msg, ':');
		if (colon)
			*colon = '\0';
		json_array_append_new(f->json, json_pack("{s:s,s:s,s:s}", "check", msg, "status",
		    strcmp(kind, "FAIL") == 0 ? "fail" : kind, "message",
		    colon ? colon + (colon[1] == ' ' ? 2 : 1) : ""));
	} else {
		printf("%-4s ", kind);
		vprintf(fmt, ap);
		putchar('\n');
	}
	va_end(ap);
}

/* A short name for a certificate: its CN, else "certificate N". */
static const char *
cert_label(X509 *x, int index, char *buf, size_t size)
{
	cert_subject_cn(x, buf, size);
	if (buf[0] == '\0')
		snprintf(buf, size, "certificate %d", index + 1);
	return buf;
}

/* Leaf first, each certificate issued by the next one. */
static void
check_order(struct findings *f, STACK_OF(X509) *served)
{
	char a[256], b[256];
	int n = sk_X509_num(served);

	if (X509_check_ca(sk_X509_value(served, 0)) > 0) {
		finding(f, "FAIL", "order: the first certificate ('%s') is a CA; a server sends its own "
		    "certificate first", cert_label(sk_X509_value(served, 0), 0, a, sizeof(a)));
		return;
	}
	for (int i = 0; i + 1 < n; i++) {
		X509 *child = sk_X509_value(served, i), *parent = sk_X509_value(served, i + 1);
		if (X509_check_issued(parent, child) != X509_V_OK) {
			finding(f, "FAIL", "order: certificate %d ('%s') did not issue certificate %d ('%s'); "
			    "send the leaf, then its issuer, then the next", i + 2,
			    cert_label(parent, i + 1, a, sizeof(a)), i + 1, cert_label(child, i, b, sizeof(b)));
			return;
		}
	}
	finding(f, "ok", "order: %d certificate%s, leaf first, each issued by the next", n,
	    n == 1 ? "" : "s");
}

/* store_ca_each callback: adds every root (primary or standby, any state
 * but pending) as a trust anchor. */
static int
add_anchor(const struct ca_record *r, void *arg)
{
	X509_STORE *xs = arg;
	X509 *x;
	int ok;

	if (strcmp(r->role, "intermediate") == 0 || r->der == NULL || strcmp(r->state, "retired") == 0)
		return 0;
	if ((x = cert_from_der(r->der, r->der_len)) == NULL)
		return RC_FAIL;
	ok = X509_STORE_add_cert(xs, x);
	X509_free(x);
	return ok ? 0 : RC_FAIL;
}

/* Builds the path; returns the verified chain (leaf to root) or NULL. */
static STACK_OF(X509) *
check_path(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *served,
    STACK_OF(X509_CRL) *crls, int crl_check)
{
	X509_STORE *xs = X509_STORE_new();
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_dup(served), *chain = NULL;
	char label[256], line[1024];
	size_t used = 0;
	int err;

	if (xs == NULL || sc == NULL || untrusted == NULL) {
		pinca_warn_ssl("cannot set up the verifier");
		goto out;
	}
	(void)sk_X509_shift(untrusted);
	if (store_ca_each(ctx->st, add_anchor, xs) != RC_OK) {
		pinca_warnx("cannot load the known roots");
		goto out;
	}
	if (!X509_STORE_CTX_init(sc, xs, sk_X509_value(served, 0), untrusted))
		goto out;
	X509_STORE_CTX_set_purpose(sc, X509_PURPOSE_SSL_SERVER);
	/* Dates are their own finding; the path check ignores the clock. */
	X509_STORE_CTX_set_flags(sc, X509_V_FLAG_X509_STRICT |
	    (crl_check ? X509_V_FLAG_CRL_CHECK : X509_V_FLAG_NO_CHECK_TIME));
	if (crls)
		X509_STORE_CTX_set0_crls(sc, crls);
	if (X509_verify_cert(sc) == 1) {
		chain = X509_STORE_CTX_get1_chain(sc);
		if (crl_check) {
			finding(f, "ok", "revocation: the leaf is not on its issuer's CRL");
			goto out;
		}
		for (int i = 0; chain && i < sk_X509_num(chain) && used < sizeof(line); i++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s'%s'", i ? " -> " : "",
			    cert_label(sk_X509_value(chain, i), i, label, sizeof(label)));
		finding(f, "ok", "path: %s (a root this CA directory knows)", line);
	} else {
		err = X509_STORE_CTX_get_error(sc);
		if (crl_check)
			finding(f, "FAIL", "revocation: %s", X509_verify_cert_error_string(err));
		else
			finding(f, "FAIL", "path: %s at depth %d", X509_verify_cert_error_string(err),
			    X509_STORE_CTX_get_error_depth(sc));
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(sc);
	X509_STORE_free(xs);
	sk_X509_free(untrusted);
	if (crl_check) {
		sk_X509_pop_free(chain, X509_free);
		return NULL;
	}
	return chain;
}

/* Every certificate within its validity now; the leaf's end is reported. */
static void
check_dates(struct findings *f, STACK_OF(X509) *certs)
{
	int64_t now = (int64_t)time(NULL), leaf_end = 0;
	char label[256], when[32];
	int bad = 0;

	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		int64_t nb = asn1_time_unix(X509_get0_notBefore(x));
		int64_t na = asn1_time_unix(X509_get0_notAfter(x));
		if (i == 0)
			leaf_end = na;
		if (now < nb) {
			time_rfc3339(nb, when, sizeof(when));
			finding(f, "FAIL", "validity: '%s' is not valid before %s",
			    cert_label(x, i, label, sizeof(label)), when);
			bad = 1;
		} else if (now > na) {
			time_rfc3339(na, when, sizeof(when));
			finding(f, "FAIL", "validity: '%s' expired at %s", cert_label(x, i, label,
			    sizeof(label)), when);
			bad = 1;
		}
	}
	if (!bad) {
		time_rfc3339(leaf_end, when, sizeof(when));
		finding(f, "ok", "validity: every certificate is valid now; the leaf until %s (%lld days)",
		    when, (long long)((leaf_end - now) / 86400));
	}
}

static void
check_host(struct findings *f, X509 *leaf, const char *host)
{
	int rc;

	if (host == NULL) {
		finding(f, "skip", "host: no --host given");
		return;
	}
	rc = X509_check_ip_asc(leaf, host, 0);
	if (rc == -2)	/* not an IP address: a DNS name (RFC 6125) */
		rc = X509_check_host(leaf, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
	if (rc == 1)
		finding(f, "ok", "host: the leaf covers %s", host);
	else
		finding(f, "FAIL", "host: the leaf does not cover %s", host);
	ERR_clear_error();
}

/* Revocation as this CA directory records it (the revocations behind its
 * CRLs, RFC 5280 section 5), and whether the issuer's latest CRL is still
 * current. The root at the end of the chain is not checked. */
static int
check_revocation_records(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *chain)
{
	int64_t now = (int64_t)time(NULL), number, this_update, next_update;
	struct ca_record issuer = { 0 };
	char serial[SERIAL_HEX_MAX], label[256], when[32], issuer_pin[PIN_LEN];
	int revoked = 0, rc, n = sk_X509_num(chain);

	for (int i = 0; i + 1 < n; i++) {
		struct revocation_record rev;
		X509 *x = sk_X509_value(chain, i);
		if (cert_serial_hex(x, serial) != RC_OK)
			return RC_FAIL;
		if ((rc = store_revocation_get(ctx->st, serial, &rev)) == RC_FAIL)
			return RC_FAIL;
		if (rc == RC_OK) {
			time_rfc3339(rev.revoked_at, when, sizeof(when));
			finding(f, "FAIL", "revocation: '%s' (serial %s) was revoked at %s, reason %s",
			    cert_label(x, i, label, sizeof(label)), serial, when,
			    crl_reason_name(rev.reason));
			revoked++;
		}
	}
	if (n < 2 || pin_of_cert(sk_X509_value(chain, 1), issuer_pin) != RC_OK)
		return revoked ? RC_OK : RC_FAIL;
	if ((rc = store_ca_find_pin(ctx->st, issuer_pin, &issuer)) == RC_FAIL)
		return RC_FAIL;
	if (rc == RC_OK && (rc = store_crl_latest(ctx->st, issuer.id, &number, &this_update,
	    &next_update)) == RC_FAIL) {
		ca_record_clear(&issuer);
		return RC_FAIL;
	}
	if (rc == RC_OK && next_update < now) {
		time_rfc3339(next_update, when, sizeof(when));
		finding(f, "FAIL", "revocation: the latest CRL of '%s' (number %lld) expired at %s; "
		    "publish a new one with 'pinca crl'", issuer.cn, (long long)number, when);
	} else if (!revoked && rc == RC_OK) {
		time_rfc3339(next_update, when, sizeof(when));
		finding(f, "ok", "revocation: nothing in the chain is revoked; the latest CRL of '%s' "
		    "(number %lld) is current until %s", issuer.cn, (long long)number, when);
	} else if (!revoked) {
		finding(f, "ok", "revocation: nothing in the chain is revoked in this CA's records "
		    "(no CRL published yet)");
	}
	ca_record_clear(&issuer);
	return RC_OK;
}

struct pin_check {
	struct findings *f;
	char pins[16][PIN_LEN];
	const char *labels[16];
	char label_buf[16][128];
	int n, releases;
};

/* store_app_each callback: one finding per supported release. */
static int
check_release(const struct app_release *r, void *arg)
{
	struct pin_check *pc = arg;

	pc->releases++;
	for (size_t i = 0; i < r->npins; i++)
		for (int j = 0; j < pc->n; j++)
			if (strcmp(r->pins[i], pc->pins[j]) == 0) {
				finding(pc->f, "ok", "pins: app release '%s' pins '%s'", r->name, pc->labels[j]);
				return 0;
			}
	finding(pc->f, "FAIL", "pins: app release '%s' pins none of the chain's keys; its users "
	    "cannot connect", r->name);
	return 0;
}

static int
check_pins(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *certs)
{
	struct pin_check pc = { .f = f };

	for (int i = 0; i < sk_X509_num(certs) && pc.n < 16; i++) {
		X509 *x = sk_X509_value(certs, i);
		if (pin_of_cert(x, pc.pins[pc.n]) != RC_OK)
			return RC_FAIL;
		pc.labels[pc.n] = cert_label(x, i, pc.label_buf[pc.n], sizeof(pc.label_buf[0]));
		pc.n++;
	}
	if (store_app_each(ctx->st, 1, check_release, &pc) != RC_OK)
		return RC_FAIL;
	if (pc.releases == 0)
		finding(f, "skip", "pins: no supported app release recorded (see 'pinca app add')");
	return RC_OK;
}

int
verify_served_chain(struct ca_context *ctx, STACK_OF(X509) *served, const struct verify_options *vo)
{
	struct findings f = { 0, 0, NULL };
	STACK_OF(X509) *chain;
	int rc = RC_OK;

	if (vo->json && (f.json = json_array()) == NULL)
		return RC_FAIL;
	check_order(&f, served);
	chain = check_path(&f, ctx, served, NULL, 0);
	check_dates(&f, chain ? chain : served);
	check_host(&f, sk_X509_value(served, 0), vo->host);
	if (chain && check_revocation_records(&f, ctx, chain) != RC_OK)
		rc = RC_FAIL;
	else if (chain == NULL)
		finding(&f, "skip", "revocation: no path to a known root, nothing to look up");
	if (vo->crls && chain)
		check_path(&f, ctx, served, vo->crls, 1);
	if (check_pins(&f, ctx, chain ? chain : served) != RC_OK)
		rc = RC_FAIL;
	sk_X509_pop_free(chain, X509_free);
	if (f.json) {
		if (rc == RC_OK && json_print(json_pack("{s:b,s:i,s:i,s:o}", "ok", f.failures == 0,
		    "checks", f.checks, "failures", f.failures, "findings", f.json)) != RC_OK)
			rc = RC_FAIL;
		else if (rc != RC_OK)
			json_decref(f.json);
	}
	if (rc == RC_OK && f.failures) {
		pinca_warnx("%d of %d checks failed", f.failures, f.checks);
		rc = RC_FAIL;
	}
	return rc;
}
