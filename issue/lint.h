/* lint: the platform rules every leaf must pass before it is signed. A
 * failing rule refuses issuance (RC_POLICY) with a line naming the rule. */
#ifndef PINCA_LINT_H
#define PINCA_LINT_H

#include <stddef.h>

#include <openssl/x509.h>

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
/* Checks a built, unsigned leaf against the profile ("server"/"client") and
 * its issuer: SAN, EKU, KU, key type, signature digest, validity length and
 * end, name constraints. RC_OK or RC_POLICY naming the failed rule. */
int lint_leaf(X509 *leaf, X509 *issuer, const char *profile, const EVP_MD *md);

#endif
