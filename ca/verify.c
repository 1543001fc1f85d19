/* verify: the checks `pinca verify` runs on a served chain, one finding per
 * line. The path is built by OpenSSL's own verifier (X509_STORE_CTX) with
 * the roots this CA directory knows as the only trust anchors; the served
 * intermediates are the untrusted chain (RFC 5280 section 6). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca/apprule.h"
#include "ca/cert.h"
#include "ca/verify.h"
#include "common/err.h"
#include "common/output.h"
#include "common/text.h"
#include "revoke/crl.h"

struct findings {
	int checks, failures;
	json_t *json;		/* collects the findings instead of reporting lines, or NULL */
	const struct pinca_report *report;
};

/* Reports one finding; kind is "ok", "FAIL" or "skip". */
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
		char raw[1024], safe[2048], msg[2048], *colon;
		/* jansson refuses malformed UTF-8: a hostile name would drop the finding. */
		vsnprintf(raw, sizeof(raw), fmt, ap);
		snprintf(msg, sizeof(msg), "%s", text_safe(raw, safe, sizeof(safe)));
		/* "check: message" becomes {"check", "status", "message"}. */
		colon = strchr(msg, ':');
		if (colon)
			*colon = '\0';
		json_array_append_new(f->json, json_pack("{s:s,s:s,s:s}", "check", msg, "status",
		    strcmp(kind, "FAIL") == 0 ? "fail" : kind, "message",
		    colon ? colon + (colon[1] == ' ' ? 2 : 1) : ""));
	} else {
		char msg[1024], safe[2048];
		/* Names in the chain come from outside: shown escaped, on one line. */
		vsnprintf(msg, sizeof(msg), fmt, ap);
		pinca_report(f->report, REPORT_OUT, "%-4s %s", kind, text_safe(msg, safe, sizeof(safe)));
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

/* What a failed path looks for: a retired root that signed a served
 * certificate (or is one). */
struct retired_search {
	STACK_OF(X509) *served;
	struct ca_record found;
	int have;
};

/* store_ca_each callback: stops at the first retired root under which the
 * served chain ends. */
static int
find_retired_anchor(const struct ca_record *r, void *arg)
{
	struct retired_search *s = arg;
	X509 *x;
	int hit = 0;

	if (strcmp(r->role, "intermediate") == 0 || strcmp(r->state, "retired") != 0 || r->der == NULL)
		return 0;
	if ((x = cert_from_der(r->der, r->der_len)) == NULL)
		return 0;
	for (int i = 0; !hit && i < sk_X509_num(s->served); i++) {
		X509 *c = sk_X509_value(s->served, i);
		hit = X509_cmp(x, c) == 0 || (X509_check_issued(x, c) == X509_V_OK &&
		    X509_verify(c, X509_get0_pubkey(x)) == 1);
	}
	X509_free(x);
	ERR_clear_error();
	if (!hit)
		return 0;
	s->found.id = r->id;
	snprintf(s->found.role, sizeof(s->found.role), "%s", r->role);
	s->found.cn = strdup(r->cn);
	s->have = s->found.cn != NULL;
	return 1;
}

/* After a failed path: a chain to a root retired here (ca retire) is named
 * as such, with why and when. Returns 1 when it printed that finding. */
static int
check_retired_anchor(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *served)
{
	struct retired_search s = { served, { 0 }, 0 };
	char reason[16] = "retired", when[32] = "?";
	int64_t at;

	if (store_ca_each(ctx->st, find_retired_anchor, &s) < 0 || !s.have) {
		ca_record_clear(&s.found);
		return 0;
	}
	if (store_ca_retirement(ctx->st, s.found.id, reason, sizeof(reason), &at) == RC_OK)
		time_rfc3339(at, when, sizeof(when));
	finding(f, "FAIL", "path: the chain leads to %s root '%s', retired as %s on %s: not trusted",
	    strcmp(s.found.role, "root") == 0 ? "primary" : "standby", s.found.cn, reason, when);
	ca_record_clear(&s.found);
	return 1;
}

/* Builds the path; returns the verified chain (leaf to root) or NULL. */
static STACK_OF(X509) *
check_path(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *served)
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
	X509_STORE_CTX_set_flags(sc, X509_V_FLAG_X509_STRICT | X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(sc) == 1) {
		chain = X509_STORE_CTX_get1_chain(sc);
		for (int i = 0; chain && i < sk_X509_num(chain) && used < sizeof(line); i++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s'%s'", i ? " -> " : "",
			    cert_label(sk_X509_value(chain, i), i, label, sizeof(label)));
		finding(f, "ok", "path: %s (a root this CA directory knows)", line);
	} else {
		err = X509_STORE_CTX_get_error(sc);
		if (!check_retired_anchor(f, ctx, served))
			finding(f, "FAIL", "path: %s at depth %d", X509_verify_cert_error_string(err),
			    X509_STORE_CTX_get_error_depth(sc));
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(sc);
	X509_STORE_free(xs);
	sk_X509_free(untrusted);
	return chain;
}

/* Is err about revocation (RFC 5280 6.3), not about the path or dates? */
static int
is_crl_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_REVOKED:
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
		return 1;
	default:
		return 0;
	}
}

#define CRL_MAX_DEPTH 8
/* What the CRL pass saw at each depth: 0, or the revocation error. */
struct crl_seen {
	int err[CRL_MAX_DEPTH];
};

/* Verify callback of the CRL pass: notes each level's revocation error and
 * goes on, so every level of the chain is reported (the path itself was
 * judged by check_path). */
static int
crl_note(int ok, X509_STORE_CTX *sc)
{
	struct crl_seen *seen = X509_STORE_CTX_get_app_data(sc);
	int err = X509_STORE_CTX_get_error(sc), depth = X509_STORE_CTX_get_error_depth(sc);

	if (!ok && seen && depth >= 0 && depth < CRL_MAX_DEPTH && is_crl_error(err) &&
	    (seen->err[depth] == 0 || err == X509_V_ERR_CERT_REVOKED))
		seen->err[depth] = err;
	return 1;
}

/* Does one of the CRLs come from the CA that issued x (its issuer name)? */
static int
crl_given_for(STACK_OF(X509_CRL) *crls, X509 *issuer)
{
	for (int i = 0; i < sk_X509_CRL_num(crls); i++)
		if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(crls, i)),
		    X509_get_subject_name(issuer)) == 0)
			return 1;
	return 0;
}

/* Checks every level of the verified chain against the CRLs given (the
 * leaf against its issuer's, the intermediate against the root's), one
 * finding per level: OpenSSL's verifier with CRL checks at all depths. */
static void
check_crls(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *served,
    STACK_OF(X509) *chain, STACK_OF(X509_CRL) *crls)
{
	X509_STORE *xs = X509_STORE_new();
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_dup(served);
	struct crl_seen seen = { { 0 } };
	char a[256], b[256], serial[SERIAL_HEX_MAX];
	int n = sk_X509_num(chain);

	for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
		int mine = 0;
		for (int j = 0; j < n; j++)
			mine |= X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(crls, i)),
			    X509_get_subject_name(sk_X509_value(chain, j))) == 0;
		if (!mine)
			finding(f, "FAIL", "revocation: CRL %d given is from no CA of this chain", i + 1);
	}
	if (xs == NULL || sc == NULL || untrusted == NULL) {
		pinca_warn_ssl("cannot set up the verifier");
		goto out;
	}
	(void)sk_X509_shift(untrusted);
	if (store_ca_each(ctx->st, add_anchor, xs) != RC_OK ||
	    !X509_STORE_CTX_init(sc, xs, sk_X509_value(served, 0), untrusted))
		goto out;
	X509_STORE_CTX_set_purpose(sc, X509_PURPOSE_SSL_SERVER);
	X509_STORE_CTX_set_flags(sc, X509_V_FLAG_X509_STRICT | X509_V_FLAG_CRL_CHECK |
	    X509_V_FLAG_CRL_CHECK_ALL);
	X509_STORE_CTX_set0_crls(sc, crls);
	X509_STORE_CTX_set_verify_cb(sc, crl_note);
	X509_STORE_CTX_set_app_data(sc, &seen);
	(void)X509_verify_cert(sc);
	for (int d = 0; d + 1 < n && d < CRL_MAX_DEPTH; d++) {
		X509 *x = sk_X509_value(chain, d), *issuer = sk_X509_value(chain, d + 1);
		cert_label(x, d, a, sizeof(a));
		cert_label(issuer, d + 1, b, sizeof(b));
		if (seen.err[d] == X509_V_ERR_UNABLE_TO_GET_CRL || (seen.err[d] == 0 &&
		    !crl_given_for(crls, issuer)))
			finding(f, "skip", "revocation: no CRL of '%s' given; '%s' not checked against it",
			    b, a);
		else if (seen.err[d] == X509_V_ERR_CERT_REVOKED && cert_serial_hex(x, serial) == RC_OK)
			finding(f, "FAIL", "revocation: certificate revoked: '%s' (serial %s) is on the CRL "
			    "of '%s'", a, serial, b);
		else if (seen.err[d] != 0)
			finding(f, "FAIL", "revocation: %s (the CRL of '%s', for '%s')",
			    X509_verify_cert_error_string(seen.err[d]), b, a);
		else if (d == 0)
			finding(f, "ok", "revocation: the leaf is not on its issuer's CRL");
		else
			finding(f, "ok", "revocation: '%s' is not on the CRL of '%s'", a, b);
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(sc);
	X509_STORE_free(xs);
	sk_X509_free(untrusted);
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

/* Is the CA that issued x held here, so that this directory makes its
 * CRL and records what it revokes? The record of that CA into *rec. */
static int
issuer_held(struct ca_context *ctx, X509 *issuer, struct ca_record *rec)
{
	char pin[PIN_LEN];
	int rc;

	memset(rec, 0, sizeof(*rec));
	if (pin_of_cert(issuer, pin) != RC_OK)
		return RC_FAIL;
	if ((rc = store_ca_find_pin(ctx->st, pin, rec)) == RC_FAIL)
		return RC_FAIL;
	return rc == RC_OK && rec->key_path != NULL;
}

/* Revocation as this CA directory records it (the revocations behind its
 * CRLs, RFC 5280 section 5), and whether the issuer's latest CRL is still
 * current. The records cover a certificate whose issuer's key is here; an
 * intermediate signed on the root's machine is revoked only there, in the
 * root's CRL, which --crl gives (a skip line says so when it is missing).
 * The root at the end of the chain is not checked. */
static int
check_revocation_records(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *chain,
    STACK_OF(X509_CRL) *crls)
{
	int64_t now = (int64_t)time(NULL), number, this_update, next_update;
	struct ca_record issuer = { 0 };
	char serial[SERIAL_HEX_MAX], label[256], ilabel[256], when[32];
	int revoked = 0, uncovered = 0, rc, held, n = sk_X509_num(chain);

	for (int i = 0; i + 1 < n; i++) {
		struct revocation_record rev;
		X509 *x = sk_X509_value(chain, i), *up = sk_X509_value(chain, i + 1);
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
			continue;
		}
		if ((held = issuer_held(ctx, up, &issuer)) == RC_FAIL)
			return RC_FAIL;
		ca_record_clear(&issuer);
		if (held)
			continue;
		uncovered++;
		if (crls == NULL || !crl_given_for(crls, up))
			finding(f, "skip", "revocation: '%s' is revoked, if at all, in the CRL of '%s', whose "
			    "key is not in this directory: give that CRL with --crl",
			    cert_label(x, i, label, sizeof(label)), cert_label(up, i + 1, ilabel,
			    sizeof(ilabel)));
	}
	if (revoked || n < 2)
		return RC_OK;
	if ((held = issuer_held(ctx, sk_X509_value(chain, 1), &issuer)) == RC_FAIL)
		return RC_FAIL;
	rc = held ? store_crl_latest(ctx->st, issuer.id, &number, &this_update, &next_update) :
	    STORE_NOT_FOUND;
	if (rc == RC_FAIL) {
		ca_record_clear(&issuer);
		return RC_FAIL;
	}
	if (rc == RC_OK && next_update < now) {
		time_rfc3339(next_update, when, sizeof(when));
		finding(f, "FAIL", "revocation: the latest CRL of '%s' (number %lld) expired at %s; "
		    "publish a new one with 'pinca crl'", issuer.cn, (long long)number, when);
	} else if (uncovered) {
		finding(f, "ok", "revocation: nothing in the chain is revoked in this directory's records, "
		    "which cover %d of its %d certificates below the root", n - 1 - uncovered, n - 1);
	} else if (rc == RC_OK) {
		time_rfc3339(next_update, when, sizeof(when));
		finding(f, "ok", "revocation: nothing in the chain is revoked; the latest CRL of '%s' "
		    "(number %lld) is current until %s", issuer.cn, (long long)number, when);
	} else {
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
	const char *host;	/* the name the chain was checked for, or NULL */
};

/* A release read from an app build: each domain in force that the host
 * reaches (all of them without a host) judged by its platform's rule, the
 * leaf being the chain's first certificate. */
static int
check_release_domains(const struct app_release *r, struct pin_check *pc)
{
	const char *cas[16];
	struct app_chain c = { pc->n ? pc->pins[0] : NULL, cas, 0, 0 };
	int judged = 0;

	for (int i = 1; i < pc->n; i++)
		cas[c.ncas++] = pc->pins[i];
	for (size_t i = 0; i < r->ndomains; i++) {
		const struct app_domain *d = &r->domains[i];
		if ((pc->host && !app_domain_covers(d, pc->host)) || !app_domain_in_force(d, time(NULL)))
			continue;
		judged++;
		if (app_domain_satisfied(d, &c))
			finding(pc->f, "ok", "pins: app release '%s' (%s) accepts this chain for %s (rule %s)",
			    r->name, d->platform, d->domain, app_domain_rule(d));
		else
			finding(pc->f, "FAIL", "pins: app release '%s' (%s) refuses this chain for %s (rule "
			    "%s); its users cannot connect", r->name, d->platform, d->domain,
			    app_domain_rule(d));
	}
	if (judged == 0)
		finding(pc->f, "skip", "pins: app release '%s' pins nothing in force for %s", r->name,
		    pc->host ? pc->host : "this chain");
	return 0;
}

/* store_app_each callback: one finding per supported release. */
static int
check_release(const struct app_release *r, void *arg)
{
	struct pin_check *pc = arg;

	pc->releases++;
	if (r->ndomains > 0)
		return check_release_domains(r, pc);
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
check_pins(struct findings *f, struct ca_context *ctx, STACK_OF(X509) *certs, const char *host)
{
	struct pin_check pc = { .f = f, .host = host };

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

/* Hands the --json document to the report (it owns f->json's reference). */
static int
findings_report_json(struct findings *f)
{
	json_t *doc = json_pack("{s:b,s:i,s:i,s:o}", "ok", f->failures == 0, "checks", f->checks,
	    "failures", f->failures, "findings", f->json);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(doc);
	if (text == NULL) {
		pinca_warnx("out of memory building JSON");
		return RC_FAIL;
	}
	pinca_report_text(f->report, REPORT_OUT, text);
	free(text);
	return RC_OK;
}

int
verify_served_chain(struct ca_context *ctx, STACK_OF(X509) *served, const struct verify_options *vo)
{
	struct findings f = { 0, 0, NULL, vo->report };
	STACK_OF(X509) *chain;
	int rc = RC_OK;

	if (vo->json && (f.json = json_array()) == NULL)
		return RC_FAIL;
	check_order(&f, served);
	chain = check_path(&f, ctx, served);
	check_dates(&f, chain ? chain : served);
	check_host(&f, sk_X509_value(served, 0), vo->host);
	if (chain && check_revocation_records(&f, ctx, chain, vo->crls) != RC_OK)
		rc = RC_FAIL;
	else if (chain == NULL)
		finding(&f, "skip", "revocation: no path to a known root, nothing to look up");
	if (vo->crls && chain)
		check_crls(&f, ctx, served, chain, vo->crls);
	if (check_pins(&f, ctx, chain ? chain : served, vo->host) != RC_OK)
		rc = RC_FAIL;
	sk_X509_pop_free(chain, X509_free);
	if (f.json && rc == RC_OK)
		rc = findings_report_json(&f);
	else if (f.json)
		json_decref(f.json);
	if (rc == RC_OK && f.failures) {
		pinca_warnx("%d of %d checks failed", f.failures, f.checks);
		rc = RC_FAIL;
	}
	return rc;
}
