/* lint: leaf certificate rules (RFC 5280, RFC 1123 names, and what Android,
 * Chrome and iOS accept), and the one rule for a CA's common name. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "ca/keys.h"
#include "common/err.h"
#include "common/text.h"
#include "issue/lint.h"

int
lint_dns_name(const char *name, char *out, size_t size)
{
	size_t len = strlen(name), label = 0, labels = 1;

	if (len == 0)
		goto empty;
	if (len > 253 || len + 1 > size) {
		pinca_warnx("lint dns-length: '%.64s...' is longer than 253 octets", name);
		return RC_POLICY;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c >= 0x7f) {
			pinca_warnx("lint dns-charset: a name holds a control or non-ASCII byte (0x%02x); "
			    "use the punycode (xn--) form", c);
			return RC_POLICY;
		}
	}
	if (name[0] == '*') {
		if (name[1] != '.') {
			pinca_warnx("lint dns-wildcard: '%s': a wildcard must be the whole leftmost label", name);
			return RC_POLICY;
		}
		if (strchr(name + 2, '.') == NULL) {
			pinca_warnx("lint dns-wildcard: '%s': a wildcard needs at least two labels after it",
			    name);
			return RC_POLICY;
		}
	}
	for (size_t i = name[0] == '*' ? 2 : 0; i < len; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0)
				goto empty;
			if (name[i - 1] == '-')
				goto hyphen;
			label = 0;
			labels++;
			continue;
		}
		if (c == '*') {
			pinca_warnx("lint dns-wildcard: '%s': a wildcard must be the whole leftmost label", name);
			return RC_POLICY;
		}
		if (!isalnum((unsigned char)c) && c != '-') {
			pinca_warnx("lint dns-charset: '%s': '%c' is not a letter, digit or hyphen", name, c);
			return RC_POLICY;
		}
		if (c == '-' && label == 0)
			goto hyphen;
		if (++label > 63) {
			pinca_warnx("lint dns-label-length: '%s' has a label longer than 63 octets", name);
			return RC_POLICY;
		}
	}
	if (label == 0)
		goto empty;
	if (name[len - 1] == '-')
		goto hyphen;
	{
		/* An all-digit last label: an IPv4 literal ("10.0.0.1") or one
		 * that resolvers may read as one; IP addresses go in --ip. */
		const char *last = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;
		if (strspn(last, "0123456789") == strlen(last)) {
			pinca_warnx("lint dns-ip-literal: '%s' is an IP address or ends in a numeric "
			    "label; give addresses with --ip", name);
			return RC_POLICY;
		}
	}
	for (size_t i = 0; i <= len; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	(void)labels;
	return RC_OK;
empty:
	pinca_warnx("lint dns-empty-label: '%s' has an empty label", name);
	return RC_POLICY;
hyphen:
	pinca_warnx("lint dns-hyphen: '%s': a label may not start or end with a hyphen", name);
	return RC_POLICY;
}

int
lint_ip_address(const char *ip, char *out, size_t size)
{
	unsigned char buf[16];

	if ((inet_pton(AF_INET, ip, buf) == 1 && inet_ntop(AF_INET, buf, out, (socklen_t)size)) ||
	    (inet_pton(AF_INET6, ip, buf) == 1 && inet_ntop(AF_INET6, buf, out, (socklen_t)size))) {
		/* "Any" and broadcast name no host a client could connect to. */
		if (strcmp(out, "0.0.0.0") == 0 || strcmp(out, "255.255.255.255") == 0 ||
		    strcmp(out, "::") == 0) {
			pinca_warnx("lint ip-unspecified: %s is not the address of a host", out);
			return RC_POLICY;
		}
		return RC_OK;
	}
	pinca_warnx("lint ip-literal: '%.64s' is not an IPv4 or IPv6 address", ip);
	return RC_POLICY;
}

/* The rule names below are what a refused issuance prints; docs/issuing.md
 * lists them. */

/* Reads the usages from the encoded extensions themselves, as a verifier
 * would. */
static int
lint_usages(const STACK_OF(X509_EXTENSION) *exts, const char *profile, int rsa)
{
	int server = strcmp(profile, "server") == 0, crit = 0, rc = RC_POLICY;
	BASIC_CONSTRAINTS *bc = X509V3_get_d2i(exts, NID_basic_constraints, &crit, NULL);
	EXTENDED_KEY_USAGE *eku = X509V3_get_d2i(exts, NID_ext_key_usage, NULL, NULL);
	ASN1_BIT_STRING *ku = X509V3_get_d2i(exts, NID_key_usage, NULL, NULL);
	int want = server ? NID_server_auth : NID_client_auth, has = 0, other = 0;

	if (bc == NULL || bc->ca) {
		pinca_warnx("lint basic-constraints: a leaf must say CA:FALSE");
		goto out;
	}
	for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
		int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		if (nid == want)
			has = 1;
		else
			other = 1;
	}
	if (!has || other) {
		pinca_warnx("lint eku: a %s certificate needs exactly the %s extended key usage", profile,
		    server ? "serverAuth" : "clientAuth");
		goto out;
	}
	if (ku == NULL || !ASN1_BIT_STRING_get_bit(ku, 0) ||
	    (rsa && !ASN1_BIT_STRING_get_bit(ku, 2)) || ASN1_BIT_STRING_get_bit(ku, 5) ||
	    ASN1_BIT_STRING_get_bit(ku, 6)) {
		/* Bits (RFC 5280 4.2.1.3): 0 digitalSignature, 2 keyEncipherment,
		 * 5 keyCertSign, 6 cRLSign. */
		pinca_warnx("lint key-usage: a leaf needs digitalSignature%s and no CA usages",
		    rsa ? " and keyEncipherment" : "");
		goto out;
	}
	rc = RC_OK;
out:
	BASIC_CONSTRAINTS_free(bc);
	EXTENDED_KEY_USAGE_free(eku);
	ASN1_BIT_STRING_free(ku);
	return rc;
}

static int
lint_validity(int64_t nb, int64_t na, int64_t issuer_end)
{
	if (na <= nb) {
		pinca_warnx("lint validity: notAfter is not after notBefore");
		return RC_POLICY;
	}
	if (na - nb > (int64_t)LINT_MAX_DAYS * 86400) {
		pinca_warnx("lint validity-825: the validity is %lld days; iOS and macOS refuse TLS "
		    "certificates valid for more than %d days", (long long)((na - nb + 86399) / 86400),
		    LINT_MAX_DAYS);
		return RC_POLICY;
	}
	if (na > issuer_end) {
		pinca_warnx("lint validity-issuer: the leaf would outlive its issuer (ends in %lld "
		    "days); use --days %lld or rotate the intermediate", (long long)((issuer_end - nb) / 86400),
		    (long long)((issuer_end - nb) / 86400));
		return RC_POLICY;
	}
	return RC_OK;
}

/* Does DNS name match a dNSName constraint? RFC 5280 4.2.1.10: a name
 * matches when adding labels on the left of the constraint gives it; a
 * constraint with a leading '.' matches subdomains only. */
static int
dns_within(const char *name, const ASN1_IA5STRING *base)
{
	size_t n = strlen(name), b = (size_t)ASN1_STRING_length(base);
	const char *c = (const char *)ASN1_STRING_get0_data(base);

	if (b == 0)
		return 1;
	if (c[0] == '.')
		return n > b && strncasecmp(name + n - b, c, b) == 0;
	if (n == b)
		return strncasecmp(name, c, b) == 0;
	return n > b && name[n - b - 1] == '.' && strncasecmp(name + n - b, c, b) == 0;
}

/* Does the excluded dNSName base cover any name a wildcard "*.D" stands
 * for? Every name it stands for is one label on the left of D. */
static int
wildcard_meets(const char *d, const ASN1_IA5STRING *base)
{
	size_t n = strlen(d), b = (size_t)ASN1_STRING_length(base);
	const char *c = (const char *)ASN1_STRING_get0_data(base);
	const char *dot;

	if (dns_within(d, base))
		return 1;
	/* base = LABEL.D, one label deeper than D. */
	if (b <= n + 1 || c[b - n - 1] != '.' || strncasecmp(c + b - n, d, n) != 0)
		return 0;
	dot = memchr(c, '.', b - n - 1);
	return dot == NULL && c[0] != '.';
}

/* Is the address a (alen octets) inside the iPAddress base (address and
 * mask, RFC 5280 4.2.1.10)? An IPv4 address never matches an IPv6 base. */
static int
ip_within(const unsigned char *a, int alen, const ASN1_OCTET_STRING *base)
{
	const unsigned char *b = ASN1_STRING_get0_data(base);

	if (ASN1_STRING_length(base) != 2 * alen)
		return 0;
	for (int i = 0; i < alen; i++)
		if ((a[i] & b[alen + i]) != (b[i] & b[alen + i]))
			return 0;
	return 1;
}

/* Does one leaf name fall in a subtree? type is GEN_DNS (name the text,
 * a wildcard checked as the names it stands for) or GEN_IPADD (ip, iplen). */
static int
name_in_subtree(int type, const char *name, const unsigned char *ip, int iplen,
    const GENERAL_SUBTREE *t, int excluded)
{
	if (t->base->type != type)
		return 0;
	if (type == GEN_IPADD)
		return ip_within(ip, iplen, t->base->d.iPAddress);
	if (strncmp(name, "*.", 2) == 0)
		return excluded ? wildcard_meets(name + 2, t->base->d.dNSName) :
		    dns_within(name + 2, t->base->d.dNSName);
	return dns_within(name, t->base->d.dNSName);
}

/* Checks one name against the constraints. The issuer's constraints
 * permit names of some types (DNS, IP): then a name of a type it permits
 * nothing of is refused too, as pinca excludes such types whole when it
 * makes an intermediate; an older intermediate made with only --permit-dns
 * thus issues no IP address. */
static int
name_permitted(const NAME_CONSTRAINTS *nc, int type, const char *name, const unsigned char *ip,
    int iplen)
{
	int permits_any = 0, inside = 0;

	for (int j = 0; j < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); j++) {
		const GENERAL_SUBTREE *t = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, j);
		permits_any |= t->base->type == GEN_DNS || t->base->type == GEN_IPADD;
		inside |= name_in_subtree(type, name, ip, iplen, t, 0);
	}
	if (permits_any && !inside)
		return 0;
	for (int j = 0; j < sk_GENERAL_SUBTREE_num(nc->excludedSubtrees); j++)
		if (name_in_subtree(type, name, ip, iplen,
		    sk_GENERAL_SUBTREE_value(nc->excludedSubtrees, j), 1))
			return 0;
	return 1;
}

/* Checks the leaf's DNS names and IP addresses against the issuer's
 * name constraints (RFC 5280 4.2.1.10), before anything is signed. */
static int
lint_name_constraints(const struct lint_leaf_facts *f)
{
	unsigned char ip[16];
	int iplen;

	for (int i = 0; i < f->ndns; i++)
		if (!name_permitted(f->nc, GEN_DNS, f->dns[i], NULL, 0)) {
			pinca_warnx("lint name-constraints: '%s' is outside the names the intermediate may "
			    "issue for", f->dns[i]);
			return RC_POLICY;
		}
	for (int i = 0; f->ip && i < f->nip; i++) {
		iplen = inet_pton(AF_INET, f->ip[i], ip) == 1 ? 4 :
		    inet_pton(AF_INET6, f->ip[i], ip) == 1 ? 16 : 0;
		if (iplen == 0 || !name_permitted(f->nc, GEN_IPADD, NULL, ip, iplen)) {
			pinca_warnx("lint name-constraints: IP address %s is outside the names the "
			    "intermediate may issue for", f->ip[i]);
			return RC_POLICY;
		}
	}
	return RC_OK;
}

int
lint_leaf_profile(const STACK_OF(X509_EXTENSION) *exts, const char *profile, int rsa,
    const EVP_MD *md)
{
	int md_nid = EVP_MD_get_type(md);

	if (md_nid != NID_sha256 && md_nid != NID_sha384 && md_nid != NID_sha512) {
		pinca_warnx("lint signature: the signature must use SHA-256 or stronger");
		return RC_POLICY;
	}
	return lint_usages(exts, profile, rsa);
}

int
lint_leaf_facts(const struct lint_leaf_facts *f)
{
	enum key_type type;
	int rc;

	if (f->ndns + f->nip == 0) {
		pinca_warnx("lint san-present: a leaf needs at least one DNS name or IP address");
		return RC_POLICY;
	}
	if ((rc = lint_validity(f->not_before, f->not_after, f->issuer_not_after)) != RC_OK)
		return rc;
	if ((rc = key_type_of(f->pub, "the leaf's key", &type)) != RC_OK)
		return rc == RC_FAIL ? RC_FAIL : RC_POLICY;
	/* RFC 5280 4.2.1.10: the intermediate's permitted subtrees bind its leaves. */
	if (f->nc != NULL)
		return lint_name_constraints(f);
	return RC_OK;
}

int
lint_ca_name(const char *what, const char *cn, size_t len)
{
	long at = text_unsafe_at(cn, len);

	if (len == 0) {
		pinca_warnx("lint ca-name: %s is empty", what);
		return RC_POLICY;
	}
	if (at < 0)
		return RC_OK;
	pinca_warnx("lint ca-name: %s holds a %s (byte %ld is 0x%02x); a CA's name is shown to "
	    "the operators who compare pins, so it must print as it is", what,
	    cn[at] == '\0' ? "NUL" : "control character or malformed UTF-8", at + 1,
	    (unsigned char)cn[at]);
	return RC_POLICY;
}
