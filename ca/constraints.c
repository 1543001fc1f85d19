/* constraints: building, completing, reading and describing the
 * nameConstraints of intermediates (RFC 5280 4.2.1.10). Carrying them from
 * one intermediate to the next is constraints_choice.c's, which asks the
 * store; this file knows only X.509. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/constraints.h"
#include "ca/cert.h"
#include "common/err.h"

int
permit_ip_parse(const char *text, struct permit_ip *out, const char **why)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	long prefix;
	char *end;

	memset(out, 0, sizeof(*out));
	*why = "is not ADDRESS/PREFIX (IPv4 or IPv6)";
	if (alen == 0 || alen >= sizeof(addr))
		return RC_USAGE;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->len = 4;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->len = 16;
	else
		return RC_USAGE;
	prefix = out->len * 8;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return RC_USAGE;
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || prefix > out->len * 8) {
			*why = "has a prefix longer than the address";
			return RC_USAGE;
		}
	}
	for (int i = 0; i < out->len; i++) {
		long bits = prefix - i * 8;
		out->mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (unsigned char)(0xff << (8 - bits));
		if (out->addr[i] & ~out->mask[i]) {
			*why = "has address bits set past the prefix";
			return RC_USAGE;
		}
	}
	return RC_OK;
}

/* Appends a subtree whose base is gen (taken) to *list, making the list. */
static int
subtree_push(STACK_OF(GENERAL_SUBTREE) **list, GENERAL_NAME *gen)
{
	GENERAL_SUBTREE *t = GENERAL_SUBTREE_new();

	if (gen == NULL || t == NULL || (*list == NULL && (*list = sk_GENERAL_SUBTREE_new_null()) == NULL)) {
		GENERAL_NAME_free(gen);
		GENERAL_SUBTREE_free(t);
		return RC_FAIL;
	}
	GENERAL_NAME_free(t->base);
	t->base = gen;
	if (!sk_GENERAL_SUBTREE_push(*list, t)) {
		GENERAL_SUBTREE_free(t);
		return RC_FAIL;
	}
	return RC_OK;
}

/* A dNSName (len 0: the whole DNS namespace) as a new GeneralName. */
static GENERAL_NAME *
name_dns(const char *dns)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	if (g == NULL || s == NULL || !ASN1_STRING_set(s, dns, (int)strlen(dns))) {
		GENERAL_NAME_free(g);
		ASN1_IA5STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_DNS, s);
	return g;
}

/* An iPAddress subtree base: the address then its mask (RFC 5280 4.2.1.10). */
static GENERAL_NAME *
name_ip(const unsigned char *addr, const unsigned char *mask, int len)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	unsigned char buf[32];

	memcpy(buf, addr, (size_t)len);
	memcpy(buf + len, mask, (size_t)len);
	if (g == NULL || s == NULL || !ASN1_OCTET_STRING_set(s, buf, 2 * len)) {
		GENERAL_NAME_free(g);
		ASN1_OCTET_STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_IPADD, s);
	return g;
}

/* Does list hold a base of type (for GEN_IPADD: of octet length iplen);
 * whole: only a base that covers that whole namespace counts. */
static int
subtrees_have(const STACK_OF(GENERAL_SUBTREE) *list, int type, int iplen, int whole)
{
	for (int i = 0; i < sk_GENERAL_SUBTREE_num(list); i++) {
		const GENERAL_NAME *g = sk_GENERAL_SUBTREE_value(list, i)->base;
		if (g->type != type)
			continue;
		if (type == GEN_DNS && (!whole || ASN1_STRING_length(g->d.dNSName) == 0))
			return 1;
		if (type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == iplen) {
			const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);
			int zero_mask = 1;
			for (int j = iplen / 2; j < iplen; j++)
				zero_mask &= p[j] == 0;
			if (!whole || zero_mask)
				return 1;
		}
	}
	return 0;
}

int
constraints_complete(NAME_CONSTRAINTS *nc)
{
	static const unsigned char zero[16];

	/* Only constraints that permit something are completed: an
	 * intermediate that merely excludes a few names stays as it was. */
	if (!subtrees_have(nc->permittedSubtrees, GEN_DNS, 0, 0) &&
	    !subtrees_have(nc->permittedSubtrees, GEN_IPADD, 8, 0) &&
	    !subtrees_have(nc->permittedSubtrees, GEN_IPADD, 32, 0))
		return RC_OK;
	if (!subtrees_have(nc->permittedSubtrees, GEN_DNS, 0, 0) &&
	    !subtrees_have(nc->excludedSubtrees, GEN_DNS, 0, 1) &&
	    subtree_push(&nc->excludedSubtrees, name_dns("")) != RC_OK)
		goto fail;
	for (int len = 8; len <= 32; len += 24)
		if (!subtrees_have(nc->permittedSubtrees, GEN_IPADD, len, 0) &&
		    !subtrees_have(nc->excludedSubtrees, GEN_IPADD, len, 1) &&
		    subtree_push(&nc->excludedSubtrees, name_ip(zero, zero, len / 2)) != RC_OK)
			goto fail;
	return RC_OK;
fail:
	pinca_warn_ssl("cannot build the name constraints");
	return RC_FAIL;
}

NAME_CONSTRAINTS *
constraints_from_permits(const char *const *dns, int ndns, const struct permit_ip *ip, int nip,
    int *failed)
{
	NAME_CONSTRAINTS *nc;

	*failed = 0;
	if (ndns + nip == 0)
		return NULL;
	if ((nc = NAME_CONSTRAINTS_new()) == NULL)
		goto fail;
	for (int i = 0; i < ndns; i++)
		if (subtree_push(&nc->permittedSubtrees, name_dns(dns[i])) != RC_OK)
			goto fail;
	for (int i = 0; i < nip; i++)
		if (subtree_push(&nc->permittedSubtrees, name_ip(ip[i].addr, ip[i].mask,
		    ip[i].len)) != RC_OK)
			goto fail;
	if (constraints_complete(nc) != RC_OK) {
		NAME_CONSTRAINTS_free(nc);
		*failed = 1;
		return NULL;
	}
	return nc;
fail:
	pinca_warn_ssl("cannot build the name constraints");
	NAME_CONSTRAINTS_free(nc);
	*failed = 1;
	return NULL;
}

int
constraints_of_cert(X509 *x, NAME_CONSTRAINTS **out)
{
	int crit = 0;

	*out = X509_get_ext_d2i(x, NID_name_constraints, &crit, NULL);
	/* crit is -1 when absent, -2 when present more than once. */
	if (*out == NULL && crit != -1) {
		pinca_warn_ssl("a CA certificate's name constraints cannot be read");
		return RC_FAIL;
	}
	return RC_OK;
}

int
constraints_add(X509 *x, NAME_CONSTRAINTS *nc)
{
	if (X509_add1_ext_i2d(x, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT) != 1) {
		pinca_warn_ssl("cannot add the name constraints");
		return RC_FAIL;
	}
	return RC_OK;
}

/* One subtree base as "dns:NAME" or "ip:ADDRESS/PREFIX" into buf. */
static void
base_text(const GENERAL_NAME *g, char *buf, size_t size)
{
	if (g->type == GEN_DNS) {
		snprintf(buf, size, "dns:%.*s", ASN1_STRING_length(g->d.dNSName),
		    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
	} else if (g->type == GEN_IPADD && (ASN1_STRING_length(g->d.iPAddress) == 8 ||
	    ASN1_STRING_length(g->d.iPAddress) == 32)) {
		int len = ASN1_STRING_length(g->d.iPAddress) / 2, prefix = 0, contiguous = 1;
		const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);
		char a[INET6_ADDRSTRLEN] = "", m[INET6_ADDRSTRLEN] = "";
		inet_ntop(len == 4 ? AF_INET : AF_INET6, p, a, sizeof(a));
		for (int i = 0; i < len * 8; i++) {
			int bit = (p[len + i / 8] >> (7 - i % 8)) & 1;
			if (bit && prefix != i)
				contiguous = 0;
			prefix += bit;
		}
		if (contiguous) {
			snprintf(buf, size, "ip:%s/%d", a, prefix);
		} else {
			inet_ntop(len == 4 ? AF_INET : AF_INET6, p + len, m, sizeof(m));
			snprintf(buf, size, "ip:%s/%s", a, m);
		}
	} else {
		snprintf(buf, size, "other:type-%d", g->type);
	}
}

/* The bases of a subtree list as a JSON array of strings. */
static json_t *
subtrees_json(const STACK_OF(GENERAL_SUBTREE) *list)
{
	json_t *a = json_array();
	char buf[320];

	for (int i = 0; a && i < sk_GENERAL_SUBTREE_num(list); i++) {
		base_text(sk_GENERAL_SUBTREE_value(list, i)->base, buf, sizeof(buf));
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

json_t *
constraints_json(const NAME_CONSTRAINTS *nc)
{
	if (nc == NULL)
		return json_null();
	return json_pack("{s:o,s:o}", "permitted", subtrees_json(nc->permittedSubtrees),
	    "excluded", subtrees_json(nc->excludedSubtrees));
}

/* Appends "what a, b" for one list to buf at *off. */
static void
subtrees_text(const char *what, const STACK_OF(GENERAL_SUBTREE) *list, char *buf, size_t size, size_t *off)
{
	char base[320];

	for (int i = 0; i < sk_GENERAL_SUBTREE_num(list) && *off < size; i++) {
		base_text(sk_GENERAL_SUBTREE_value(list, i)->base, base, sizeof(base));
		if (strcmp(base, "dns:") == 0)
			snprintf(base, sizeof(base), "dns:(every name)");
		*off += (size_t)snprintf(buf + *off, size - *off, "%s%s%s", i ? ", " :
		    *off ? "; " : "", i ? "" : what, base);
	}
}

void
constraints_text(const NAME_CONSTRAINTS *nc, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	if (nc != NULL) {
		subtrees_text("permitted ", nc->permittedSubtrees, buf, size, &off);
		subtrees_text("excluded ", nc->excludedSubtrees, buf, size, &off);
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "none");
}
