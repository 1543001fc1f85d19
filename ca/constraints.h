/* constraints: the name constraints of an intermediate (RFC 5280 4.2.1.10).
 * They are built from --permit-dns and --permit-ip, or carried from the
 * previous intermediate when a new one is signed, and always completed: a
 * name type the constraints do not permit is excluded whole, since a
 * nameConstraints extension that lists only dNSName subtrees leaves every
 * IP address open (and the other way round). Also the text and JSON that
 * show them. Only X.509 here: choosing them for the next intermediate is
 * ca/constraints_choice.h's. */
#ifndef PINCA_CONSTRAINTS_H
#define PINCA_CONSTRAINTS_H

#include <jansson.h>
#include <openssl/x509v3.h>

/* One --permit-ip range: an address and its mask, 4 or 16 octets each. */
struct permit_ip {
	unsigned char addr[16], mask[16];
	int len;
};

/* Parses ADDRESS/PREFIX (IPv4 or IPv6) or a bare address (one host). The
 * bits past the prefix must be zero. RC_OK, or RC_USAGE with *why set to a
 * phrase saying what is wrong. */
int permit_ip_parse(const char *text, struct permit_ip *out, const char **why);

/* The constraints that permit exactly the names under dns[] and the ranges
 * ip[], completed (constraints_complete). NULL with no names at all (no
 * constraint), or on failure with a message (*failed set to 1). Caller
 * frees with NAME_CONSTRAINTS_free. */
NAME_CONSTRAINTS *constraints_from_permits(const char *const *dns, int ndns,
    const struct permit_ip *ip, int nip, int *failed);
/* Excludes, in place, every name type (DNS, IPv4, IPv6) that nc permits
 * nothing of and does not exclude whole already: a zero-length dNSName,
 * 0.0.0.0/0 and ::/0 in excludedSubtrees, as the CA/Browser Forum encodes a
 * technically constrained CA. RC_OK or RC_FAIL. */
int constraints_complete(NAME_CONSTRAINTS *nc);
/* The nameConstraints of x into *out (new, caller frees; NULL when x has
 * none). RC_OK, or RC_FAIL with a message when the extension is present but
 * cannot be decoded (it must never be taken for "no constraints"). */
int constraints_of_cert(X509 *x, NAME_CONSTRAINTS **out);
/* Adds nc to x as a critical extension (RFC 5280 4.2.1.10: MUST be critical). */
int constraints_add(X509 *x, NAME_CONSTRAINTS *nc);
/* {"permitted": [...], "excluded": [...]} with entries "dns:example.com",
 * "dns:" (every DNS name), "ip:10.0.0.0/8"; JSON null for nc NULL. */
json_t *constraints_json(const NAME_CONSTRAINTS *nc);
/* The same as one line for people, e.g. "permitted DNS example.com;
 * excluded IP 0.0.0.0/0, IP ::/0", or "none". */
void constraints_text(const NAME_CONSTRAINTS *nc, char *buf, size_t size);

#endif
