/* lint: the platform rules every leaf must pass before it is signed, and the
 * rule a CA's name must pass. A failing rule refuses (RC_POLICY) with a line
 * naming the rule. */
#ifndef PINCA_LINT_H
#define PINCA_LINT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509v3.h>

/* iOS and macOS refuse TLS server certificates valid for more than 825 days
 * (the 398-day rule applies only under publicly trusted roots). */
#define LINT_MAX_DAYS 825

/* Checks one requested DNS name: LDH labels of 1..63 octets, at most 253 in
 * all, no empty label, a wildcard only as the whole leftmost label and over
 * at least two labels, no control bytes. Writes the lowercase form to out.
 * Returns RC_OK, or RC_POLICY with the rule in the message. */
int lint_dns_name(const char *name, char *out, size_t size);
/* Checks an IP literal (IPv4 dotted quad or IPv6) and writes its canonical
 * text to out. RC_OK or RC_POLICY. */
int lint_ip_address(const char *ip, char *out, size_t size);
/* Checks a CA's common name (from --cn or a CSR, len bytes): printable
 * UTF-8 with no NUL, control or bidirectional character (common/text.h).
 * RC_OK, or RC_POLICY with a "lint ca-name" line naming `what`. */
int lint_ca_name(const char *what, const char *cn, size_t len);
/* The rules every leaf of a profile ("server"/"client") meets through the
 * extensions it always carries: basicConstraints CA:FALSE, the key usages
 * (keyEncipherment too for RSA keys), exactly one EKU, and a SHA-2 digest.
 * Checked on the encoded extensions once per issuer (ca/der_direct_leaf.c).
 * RC_OK or RC_POLICY naming the failed rule. */
int lint_leaf_profile(const STACK_OF(X509_EXTENSION) *exts, const char *profile, int rsa,
    const EVP_MD *md);

/* What varies from leaf to leaf. */
struct lint_leaf_facts {
	EVP_PKEY *pub;			/* the key to certify */
	char *const *dns;		/* its names (already linted one by one) */
	int ndns, nip;
	int64_t not_before, not_after;
	int64_t issuer_not_after;
	const NAME_CONSTRAINTS *nc;	/* the issuer's, or NULL */
	char *const *ip;		/* its nip IP addresses, canonical text (or NULL) */
};
/* Checks one leaf before it is encoded: a name present, the key type, the
 * validity length and end, the issuer's name constraints. RC_OK, RC_POLICY
 * naming the failed rule, or RC_FAIL. */
int lint_leaf_facts(const struct lint_leaf_facts *f);

#endif
