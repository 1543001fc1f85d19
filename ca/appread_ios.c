/* appread_ios: the pins of an iOS app, from its Info.plist (XML or binary,
 * parsed by libplist) or from the Info.plist inside an IPA
 * (Payload/NAME.app/Info.plist):
 *   NSAppTransportSecurity/NSPinnedDomains: per domain, NSIncludesSubdomains
 *     and the SPKI-SHA256-BASE64 of NSPinnedCAIdentities (kind ca) and
 *     NSPinnedLeafIdentities (kind leaf). When a domain has both, iOS
 *     requires the chain to match one of each (rule ca-and-leaf).
 *   TSKConfiguration/TSKPinnedDomains (TrustKit): TSKPublicKeyHashes (any
 *     of them, anywhere in the chain), TSKIncludeSubdomains,
 *     TSKExpirationDate; a domain with TSKEnforcePinning false is skipped.
 * libplist recurses once per nesting level, so the nesting is measured
 * before libplist sees the bytes (plist_depth_ok) and a deep plist is
 * refused without parsing it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plist/plist.h>

#include "ca/appread.h"
#include "common/err.h"

/* An XML plist's element nesting, counted on the bytes: every start tag
 * opens a level unless it visibly closes itself, every end tag closes one.
 * A tag it cannot read as self-closing counts as open, so the count is
 * never below the nesting libplist will see. */
static int
plist_xml_depth_ok(const unsigned char *data, size_t len, int max)
{
	const char *p = (const char *)data, *end = p + len;
	long depth = 0;

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL && end - p >= 2) {
		const char *close;
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
			close = memmem(p, (size_t)(end - p), "-->", 3);
		else if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
			close = memmem(p, (size_t)(end - p), "]]>", 3);
		else
			close = memchr(p, '>', (size_t)(end - p));
		if (close == NULL)
			return 1;	/* unterminated: libplist refuses it */
		if (p[1] == '/') {
			/* Never below zero: stray end tags cannot buy depth. */
			if (depth > 0)
				depth--;
		}
		else if (p[1] != '?' && p[1] != '!' &&
		    !(close[-1] == '/' && memchr(p, '"', (size_t)(close - p)) == NULL &&
		    memchr(p, '\'', (size_t)(close - p)) == NULL))
			depth++;
		if (depth > max)
			return 0;
		p = close + 1;
	}
	return 1;
}

static uint64_t
be_uint(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Whether no string object of a binary plist holds a NUL character:
 * libplist 2.2 aborts (an assert) when it hands out such a string or dict
 * key, so they are refused before it parses the file. Objects outside the
 * file are left to libplist, which refuses them. */
static int
plist_bin_strings_ok(const unsigned char *data, size_t len)
{
	const unsigned char *t = data + len - 32;
	unsigned offsize, width;
	uint64_t nobj, table;

	if (len < 8 + 32)
		return 1;
	offsize = t[6];
	nobj = be_uint(t + 8, 8);
	table = be_uint(t + 24, 8);
	if (offsize < 1 || offsize > 8 || table > len || nobj > (len - table) / offsize)
		return 1;
	for (uint64_t i = 0; i < nobj; i++) {
		uint64_t off = be_uint(data + table + i * offsize, offsize), count;
		const unsigned char *p;
		unsigned type;
		if (off >= len)
			continue;
		p = data + off;
		type = p[0] >> 4;
		/* 0x5: ASCII, 0x6: UTF-16BE, 0x7: UTF-8 strings. */
		if (type < 0x5 || type > 0x7)
			continue;
		width = type == 0x6 ? 2 : 1;
		count = p[0] & 0x0f;
		p++;
		if (count == 0x0f) {
			if (p >= data + len || (p[0] >> 4) != 0x1 || (p[0] & 0x0f) > 3)
				continue;
			unsigned nb = 1u << (p[0] & 0x0f);
			if ((size_t)(data + len - p) < 1 + nb)
				continue;
			count = be_uint(p + 1, nb);
			p += 1 + nb;
		}
		if (count > (size_t)(data + len - p) / width)
			continue;
		for (uint64_t k = 0; k < count; k++)
			if (width == 1 ? p[k] == 0 : (p[2 * k] == 0 && p[2 * k + 1] == 0))
				return 0;
	}
	return 1;
}

/* The same for an XML plist: no NUL byte and no character reference to
 * NUL (&#0; &#x0; with any leading zeros). */
static int
plist_xml_strings_ok(const unsigned char *data, size_t len)
{
	if (memchr(data, 0, len) != NULL)
		return 0;
	for (size_t i = 0; i + 2 < len; i++) {
		if (data[i] != '&' || data[i + 1] != '#')
			continue;
		size_t j = i + 2;
		int hex = j < len && (data[j] == 'x' || data[j] == 'X');
		j += (size_t)hex;
		while (j < len && data[j] == '0')
			j++;
		if (j < len && data[j] == ';' && j > i + 2 + (size_t)hex)
			return 0;
	}
	return 1;
}

/* The objects a binary plist container refers to: for arrays and sets
 * (0xA_, 0xC_) and dictionaries (0xD_, keys then values). Sets *refs to the
 * first reference and *n to their count. Returns 1 for a container, 0 for
 * any other object, -1 for a container this walk cannot read (a count of
 * an unusual width, or references leaving the file): such a file is
 * refused rather than left to libplist unmeasured. */
static int
bplist_refs(const unsigned char *data, size_t len, uint64_t off, unsigned refsize,
    const unsigned char **refs, uint64_t *n)
{
	const unsigned char *p;
	uint64_t count, per;
	unsigned type;

	*n = 0;
	if (off >= len)
		return 0;
	p = data + off;
	type = p[0] >> 4;
	if (type != 0xA && type != 0xC && type != 0xD)
		return 0;
	count = p[0] & 0x0f;
	p++;
	if (count == 0x0f) {
		/* An int object follows with the real count: 0x1N, 2^N bytes. */
		if (p >= data + len || (p[0] >> 4) != 0x1 || (p[0] & 0x0f) > 3)
			return -1;
		unsigned nb = 1u << (p[0] & 0x0f);
		if ((size_t)(data + len - p) < 1 + nb)
			return -1;
		count = be_uint(p + 1, nb);
		p += 1 + nb;
	}
	per = type == 0xD ? 2 * (uint64_t)refsize : refsize;
	if (count > (size_t)(data + len - p) / per)
		return -1;
	*refs = p;
	*n = type == 0xD ? count * 2 : count;
	return 1;
}

/* A binary plist's nesting: the longest path of references from the top
 * object, walked without recursion (an explicit stack of max entries). A
 * reference cycle counts as too deep. libplist builds a node for every
 * path to an object (shared objects are copied), so the walk also counts
 * them: more than max_nodes is refused too (a "billion laughs" plist). */
static int
plist_bin_depth_ok(const unsigned char *data, size_t len, int max, uint64_t max_nodes)
{
	struct frame { uint64_t obj; const unsigned char *refs; uint64_t n, i; } stack[65];
	const unsigned char *t;
	unsigned offsize, refsize;
	uint64_t nobj, top, table;
	uint64_t nodes = 0;
	int depth = 0;

	if (len < 8 + 32 || max > 64)
		return 1;	/* libplist refuses a file too short for its trailer */
	t = data + len - 32;
	offsize = t[6];
	refsize = t[7];
	nobj = be_uint(t + 8, 8);
	top = be_uint(t + 16, 8);
	table = be_uint(t + 24, 8);
	if (offsize < 1 || offsize > 8 || refsize < 1 || refsize > 8 || top >= nobj ||
	    table > len || nobj > (len - table) / offsize)
		return 1;	/* malformed: libplist refuses it before recursing */
	stack[0] = (struct frame){ top, NULL, 0, 0 };
	if (bplist_refs(data, len, be_uint(data + table + top * offsize, offsize), refsize,
	    &stack[0].refs, &stack[0].n) < 0)
		return 0;
	while (depth >= 0) {
		struct frame *f = &stack[depth];
		if (f->i >= f->n) {
			depth--;
			continue;
		}
		uint64_t child = be_uint(f->refs + f->i++ * refsize, refsize);
		if (child >= nobj)
			continue;
		if (depth + 1 > max || ++nodes > max_nodes)
			return 0;
		struct frame *c = &stack[depth + 1];
		*c = (struct frame){ child, NULL, 0, 0 };
		if (bplist_refs(data, len, be_uint(data + table + child * offsize, offsize), refsize,
		    &c->refs, &c->n) < 0)
			return 0;
		if (c->n)
			depth++;
	}
	return 1;
}

/* A string node's value as a new C string (caller frees); NULL when it is
 * not a string, or holds a NUL. */
static char *
ios_string(plist_t node)
{
	uint64_t n = 0;
	const char *p;
	char *s;

	if (node == NULL || plist_get_node_type(node) != PLIST_STRING ||
	    (p = plist_get_string_ptr(node, &n)) == NULL || n > APP_READ_MAX_FILE ||
	    memchr(p, 0, (size_t)n) != NULL || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

/* The SPKI-SHA256-BASE64 of each dictionary in an identities array. */
static int
ios_identities(struct app_build *b, struct app_domain *d, plist_t arr, enum app_pin_kind kind)
{
	uint32_t n;

	if (arr == NULL)
		return RC_OK;
	if (plist_get_node_type(arr) != PLIST_ARRAY) {
		pinca_warnx("refused: the identities of %s are not an array", d->domain);
		return RC_FAIL;
	}
	n = plist_array_get_size(arr);
	for (uint32_t i = 0; i < n; i++) {
		plist_t id = plist_array_get_item(arr, i), v;
		char *s = NULL;
		int rc;
		if (id == NULL || plist_get_node_type(id) != PLIST_DICT ||
		    (v = plist_dict_get_item(id, "SPKI-SHA256-BASE64")) == NULL ||
		    plist_get_node_type(v) != PLIST_STRING) {
			pinca_warnx("refused: an identity of %s has no SPKI-SHA256-BASE64 string",
			    d->domain);
			return RC_FAIL;
		}
		s = ios_string(v);
		rc = app_build_pin(b, d, s ? s : "", kind, NULL);
		free(s);
		if (rc != RC_OK)
			return RC_FAIL;
	}
	return RC_OK;
}

/* A boolean entry of dict, or dflt when absent or not a boolean. */
static int
ios_bool(plist_t dict, const char *key, int dflt)
{
	plist_t v = plist_dict_get_item(dict, key);
	uint8_t b = 0;

	if (v == NULL || plist_get_node_type(v) != PLIST_BOOLEAN)
		return dflt;
	plist_get_bool_val(v, &b);
	return b != 0;
}

/* One domain of NSPinnedDomains (platform "ios") or of TSKPinnedDomains
 * (platform "trustkit"). */
static int
ios_domain(struct app_build *b, const char *name, plist_t cfg, const char *platform)
{
	struct app_domain *d;
	int tsk = strcmp(platform, "trustkit") == 0;

	if (plist_get_node_type(cfg) != PLIST_DICT) {
		pinca_warnx("refused: the pinning entry of %.80s is not a dictionary", name);
		return RC_FAIL;
	}
	if (tsk && !ios_bool(cfg, "TSKEnforcePinning", 1))
		return RC_OK;	/* TrustKit only reports: nothing breaks */
	if ((d = app_build_domain(b, name, platform)) == NULL)
		return RC_FAIL;
	d->include_subdomains = ios_bool(cfg, tsk ? "TSKIncludeSubdomains" : "NSIncludesSubdomains", 0);
	if (!tsk)
		return ios_identities(b, d, plist_dict_get_item(cfg, "NSPinnedCAIdentities"),
		    APP_PIN_CA) == RC_OK &&
		    ios_identities(b, d, plist_dict_get_item(cfg, "NSPinnedLeafIdentities"),
		    APP_PIN_LEAF) == RC_OK ? RC_OK : RC_FAIL;
	plist_t exp = plist_dict_get_item(cfg, "TSKExpirationDate"), hashes;
	if (exp && plist_get_node_type(exp) == PLIST_STRING) {
		char *s = NULL;
		int y, m, dd;
		char tail;
		s = ios_string(exp);
		int ok = s && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) == 3;
		if (ok)
			snprintf(d->expiration, sizeof(d->expiration), "%04d-%02d-%02d", y, m, dd);
		free(s);
		if (!ok) {
			pinca_warnx("refused: TSKExpirationDate of %s is not yyyy-MM-dd", d->domain);
			return RC_FAIL;
		}
	}
	hashes = plist_dict_get_item(cfg, "TSKPublicKeyHashes");
	if (hashes == NULL || plist_get_node_type(hashes) != PLIST_ARRAY) {
		pinca_warnx("refused: TrustKit domain %s has no TSKPublicKeyHashes array", d->domain);
		return RC_FAIL;
	}
	for (uint32_t i = 0; i < plist_array_get_size(hashes); i++) {
		plist_t h = plist_array_get_item(hashes, i);
		char *s = NULL;
		int rc;
		if (h == NULL || plist_get_node_type(h) != PLIST_STRING) {
			pinca_warnx("refused: a TSKPublicKeyHashes entry of %s is not a string", d->domain);
			return RC_FAIL;
		}
		s = ios_string(h);
		rc = app_build_pin(b, d, s ? s : "", APP_PIN_ANY, NULL);
		free(s);
		if (rc != RC_OK)
			return RC_FAIL;
	}
	return RC_OK;
}

/* Every domain of a NSPinnedDomains or TSKPinnedDomains dictionary. */
static int
ios_domains(struct app_build *b, plist_t domains, const char *platform)
{
	plist_dict_iter it = NULL;
	char *key = NULL;
	plist_t val = NULL;
	int rc = RC_OK;

	if (domains == NULL)
		return RC_OK;
	if (plist_get_node_type(domains) != PLIST_DICT) {
		pinca_warnx("refused: the pinned domains (%s) are not a dictionary", platform);
		return RC_FAIL;
	}
	plist_dict_new_iter(domains, &it);
	for (;;) {
		key = NULL;
		val = NULL;
		plist_dict_next_item(domains, it, &key, &val);
		if (key == NULL || val == NULL)
			break;
		rc = ios_domain(b, key, val, platform);
		free(key);
		key = NULL;
		if (rc != RC_OK)
			break;
	}
	free(key);
	free(it);
	return rc;
}

int
appread_ios_plist(struct app_build *b, const unsigned char *data, size_t len, const char *what)
{
	int binary = len >= 8 && memcmp(data, "bplist00", 8) == 0;
	plist_t root = NULL, ats, tsk;
	int rc = RC_FAIL;

	if (len > APP_READ_MAX_FILE || (binary ?
	    !plist_bin_depth_ok(data, len, APP_READ_MAX_DEPTH, APP_READ_MAX_NODES) :
	    !plist_xml_depth_ok(data, len, APP_READ_MAX_DEPTH))) {
		pinca_warnx("%s: refused: the plist nests deeper than %d levels or holds more than "
		    "%d objects", what, APP_READ_MAX_DEPTH, APP_READ_MAX_NODES);
		return RC_FAIL;
	}
	if (binary ? !plist_bin_strings_ok(data, len) : !plist_xml_strings_ok(data, len)) {
		pinca_warnx("%s: refused: a string of the plist holds a NUL character", what);
		return RC_FAIL;
	}
	plist_from_memory((const char *)data, (uint32_t)len, &root);
	if (root == NULL || plist_get_node_type(root) != PLIST_DICT) {
		pinca_warnx("%s: malformed property list (or its top is not a dictionary)", what);
		goto out;
	}
	app_build_kind(b, binary ? "ios binary plist" : "ios xml plist");
	ats = plist_dict_get_item(root, "NSAppTransportSecurity");
	if (ats && plist_get_node_type(ats) == PLIST_DICT &&
	    ios_domains(b, plist_dict_get_item(ats, "NSPinnedDomains"), "ios") != RC_OK)
		goto out;
	tsk = plist_dict_get_item(root, "TSKConfiguration");
	if (tsk && plist_get_node_type(tsk) == PLIST_DICT &&
	    ios_domains(b, plist_dict_get_item(tsk, "TSKPinnedDomains"), "trustkit") != RC_OK)
		goto out;
	rc = RC_OK;
out:
	plist_free(root);
	return rc;
}

int
appread_ios_ipa(struct app_build *b, struct app_zip *z, const char *what)
{
	unsigned char *data = NULL;
	char label[600];
	const char *found = NULL;
	size_t len;
	int rc;

	/* The app's own Info.plist: Payload/NAME.app/Info.plist, not those of
	 * the frameworks and extensions nested deeper. */
	for (int64_t i = 0; i < app_zip_count(z) && found == NULL; i++) {
		const char *e = app_zip_name(z, i), *app = strstr(e + 8, ".app/");
		if (strncmp(e, "Payload/", 8) == 0 && app && strchr(e + 8, '/') == app + 4 &&
		    strcmp(app + 5, "Info.plist") == 0)
			found = e;
	}
	if (found == NULL) {
		pinca_warnx("%s: an IPA without Payload/NAME.app/Info.plist", what);
		return RC_FAIL;
	}
	snprintf(label, sizeof(label), "%s: %s", what, found);
	if ((rc = app_zip_read(z, found, APP_READ_MAX_FILE, &data, &len)) != RC_OK)
		return RC_FAIL;
	rc = appread_ios_plist(b, data, len, label);
	free(data);
	if (rc == RC_OK)
		app_build_kind(b, "ipa");
	return rc;
}
