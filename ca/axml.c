/* axml: Android's compiled resources, read back from an APK: the binary XML
 * of AndroidManifest.xml and the res/xml files (a ResXMLTree: a string pool,
 * an optional resource map, then start/end element, namespace and CDATA
 * chunks), and resources.arsc (a ResTable), only as far as needed to map a
 * resource id such as @raw/my_root to the file that holds it.
 *
 * The layouts are those of AOSP's ResourceTypes.h. Every chunk header is
 * checked against the bytes around it before anything inside is read: a
 * chunk's size must fit in its parent, its header size in its size, each
 * string inside its pool. All integers are little-endian. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/axml.h"
#include "common/err.h"

enum {
	RES_STRING_POOL = 0x0001, RES_TABLE = 0x0002, RES_XML = 0x0003,
	RES_XML_START_NS = 0x0100, RES_XML_END_NS = 0x0101, RES_XML_START_ELEMENT = 0x0102,
	RES_XML_END_ELEMENT = 0x0103, RES_XML_CDATA = 0x0104, RES_XML_RESOURCE_MAP = 0x0180,
	RES_TABLE_PACKAGE = 0x0200, RES_TABLE_TYPE = 0x0201,
};
enum { TYPE_REFERENCE = 0x01, TYPE_STRING = 0x03, TYPE_INT_DEC = 0x10, TYPE_INT_HEX = 0x11,
	TYPE_INT_BOOLEAN = 0x12 };
#define NO_INDEX 0xffffffffu
#define STRING_POOL_UTF8 0x100u
#define ATTR_NETWORK_SECURITY_CONFIG 0x01010527u

static uint16_t
rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A chunk: its type, header size and total size, checked to lie within
 * [p, end). Returns RC_OK or RC_FAIL (nothing printed). */
static int
chunk_at(const unsigned char *p, const unsigned char *end, uint16_t *type, uint16_t *hsize,
    uint32_t *size)
{
	if (end - p < 8)
		return RC_FAIL;
	*type = rd16(p);
	*hsize = rd16(p + 2);
	*size = rd32(p + 4);
	if (*hsize < 8 || *size < *hsize || *size > (size_t)(end - p))
		return RC_FAIL;
	return RC_OK;
}

struct string_pool {
	const unsigned char *chunk;
	uint32_t hsize, size, count, strings_start;
	int utf8;
};

static int
pool_init(struct string_pool *sp, const unsigned char *p, const unsigned char *end)
{
	uint16_t type, hsize;
	uint32_t size;

	if (chunk_at(p, end, &type, &hsize, &size) != RC_OK || type != RES_STRING_POOL || hsize < 28)
		return RC_FAIL;
	sp->chunk = p;
	sp->hsize = hsize;
	sp->size = size;
	sp->count = rd32(p + 8);
	sp->utf8 = (rd32(p + 16) & STRING_POOL_UTF8) != 0;
	sp->strings_start = rd32(p + 20);
	/* The offsets array must fit between the header and the end. */
	if (sp->count > (size - hsize) / 4 || sp->strings_start > size)
		return RC_FAIL;
	return RC_OK;
}

/* Appends code point c as UTF-8. */
static size_t
utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) { out[0] = (char)c; return 1; }
	if (c < 0x800) { out[0] = (char)(0xc0 | c >> 6); out[1] = (char)(0x80 | (c & 0x3f)); return 2; }
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12); out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18); out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f)); out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* String idx of the pool as new UTF-8 (caller frees); NULL when out of range
 * or malformed. A NUL inside is cut there: the readers compare C strings. */
static char *
pool_string(const struct string_pool *sp, uint32_t idx)
{
	const unsigned char *end = sp->chunk + sp->size, *s;
	uint32_t off, n;
	char *out;

	if (idx >= sp->count)
		return NULL;
	off = rd32(sp->chunk + sp->hsize + (size_t)idx * 4);
	if (off > sp->size - sp->strings_start)
		return NULL;
	s = sp->chunk + sp->strings_start + off;
	if (sp->utf8) {
		/* The UTF-16 length, then the UTF-8 byte length, each 1 or 2 bytes. */
		for (int k = 0; k < 2; k++) {
			if (end - s < 1 || ((s[0] & 0x80) && end - s < 2))
				return NULL;
			n = (s[0] & 0x80) ? (uint32_t)(s[0] & 0x7f) << 8 | s[1] : s[0];
			s += (s[0] & 0x80) ? 2 : 1;
		}
		if (n > (size_t)(end - s) || (out = malloc((size_t)n + 1)) == NULL)
			return NULL;
		memcpy(out, s, n);
		out[n] = '\0';
		return out;
	}
	if (end - s < 2)
		return NULL;
	n = rd16(s);
	s += 2;
	if (n & 0x8000) {
		if (end - s < 2)
			return NULL;
		n = (n & 0x7fff) << 16 | rd16(s);
		s += 2;
	}
	if (n > (size_t)(end - s) / 2 || (out = malloc((size_t)n * 3 + 1)) == NULL)
		return NULL;
	size_t o = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = rd16(s + (size_t)i * 2);
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
			uint32_t lo = rd16(s + (size_t)(i + 1) * 2);
			if (lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			}
		}
		if (c >= 0xd800 && c < 0xe000)
			c = '?';
		/* A surrogate pair (4 bytes of UTF-8) used 2 UTF-16 units: 3 per unit holds. */
		o += utf8_put(out + o, c);
	}
	out[o] = '\0';
	return out;
}

/* An attribute's value as text: the raw string when the compiler kept it,
 * else the typed value. *ref gets the resource id of a reference. */
static char *
attr_value(const struct string_pool *sp, const unsigned char *a, uint32_t *ref)
{
	uint32_t raw = rd32(a + 8), data = rd32(a + 16);
	uint8_t type = a[15];
	char buf[32];

	*ref = 0;
	if (type == TYPE_REFERENCE)
		*ref = data;
	if (raw != NO_INDEX)
		return pool_string(sp, raw);
	switch (type) {
	case TYPE_STRING: return pool_string(sp, data);
	case TYPE_INT_BOOLEAN: return strdup(data ? "true" : "false");
	case TYPE_INT_DEC: snprintf(buf, sizeof(buf), "%d", (int32_t)data); break;
	case TYPE_REFERENCE: snprintf(buf, sizeof(buf), "@0x%08x", data); break;
	default: snprintf(buf, sizeof(buf), "0x%08x", data); break;
	}
	return strdup(buf);
}

/* A start-element chunk (p: its start, size bytes) into the builder. */
static int
axml_start_element(const struct string_pool *sp, const uint32_t *resmap, uint32_t nresmap,
    const unsigned char *p, uint32_t hsize, uint32_t size, struct xml_builder *b,
    const char *what)
{
	const unsigned char *ext = p + hsize;
	uint32_t name_idx, attr_start, attr_size, nattrs;
	char *name;
	int rc = RC_FAIL;

	if (size - hsize < 20)
		return RC_FAIL;
	name_idx = rd32(ext + 4);
	attr_start = rd16(ext + 8);
	attr_size = rd16(ext + 10);
	nattrs = rd16(ext + 12);
	if (attr_size < 20 || attr_start > size - hsize ||
	    nattrs > (size - hsize - attr_start) / attr_size)
		return RC_FAIL;
	if ((name = pool_string(sp, name_idx)) == NULL)
		return RC_FAIL;
	if (xml_builder_start(b, name, what) == NULL) {
		free(name);
		return RC_USAGE;	/* a limit: already reported */
	}
	free(name);
	for (uint32_t i = 0; i < nattrs; i++) {
		const unsigned char *a = ext + attr_start + (size_t)i * attr_size;
		uint32_t ni = rd32(a + 4), ref;
		char *an = pool_string(sp, ni), *av = attr_value(sp, a, &ref);
		/* aapt2 may strip the names of framework attributes: the resource
		 * map still says which attribute it is. */
		if (an && an[0] == '\0' && ni < nresmap && resmap[ni] == ATTR_NETWORK_SECURITY_CONFIG) {
			free(an);
			an = strdup("networkSecurityConfig");
		}
		int ok = an && av && xml_builder_attr(b, an, av, ref) == RC_OK;
		free(an);
		free(av);
		if (!ok)
			goto out;
	}
	rc = RC_OK;
out:
	return rc;
}

/* The resource map: attribute name index -> framework resource id. */
static void
axml_resource_map(const unsigned char *p, uint32_t hsize, uint32_t size, uint32_t *resmap,
    uint32_t *n)
{
	uint32_t count = (size - hsize) / 4;

	if (count > AXML_MAX_RESMAP)
		count = AXML_MAX_RESMAP;
	for (uint32_t i = 0; i < count; i++)
		resmap[i] = rd32(p + hsize + (size_t)i * 4);
	*n = count;
}

int
axml_parse(const unsigned char *data, size_t len, struct xml_builder *b, const char *what)
{
	const unsigned char *end = data + len, *p;
	struct string_pool sp = { 0 };
	uint32_t *resmap = NULL, nresmap = 0, size;
	uint16_t type, hsize;
	int rc = RC_FAIL, have_pool = 0;

	if (chunk_at(data, end, &type, &hsize, &size) != RC_OK || type != RES_XML)
		goto bad;
	end = data + size;
	if ((resmap = calloc(AXML_MAX_RESMAP, sizeof(*resmap))) == NULL)
		goto bad;
	for (p = data + hsize; p < end; p += size) {
		if (chunk_at(p, end, &type, &hsize, &size) != RC_OK)
			goto bad;
		if (type == RES_STRING_POOL && !have_pool) {
			if (pool_init(&sp, p, end) != RC_OK)
				goto bad;
			have_pool = 1;
		} else if (type == RES_XML_RESOURCE_MAP) {
			axml_resource_map(p, hsize, size, resmap, &nresmap);
		} else if (type == RES_XML_START_ELEMENT && have_pool) {
			int r = axml_start_element(&sp, resmap, nresmap, p, hsize, size, b, what);
			if (r == RC_USAGE)
				goto out;
			if (r != RC_OK)
				goto bad;
		} else if (type == RES_XML_END_ELEMENT) {
			if (xml_builder_end(b, what) != RC_OK)
				goto out;
		} else if (type == RES_XML_CDATA && have_pool && size - hsize >= 4) {
			char *t = pool_string(&sp, rd32(p + hsize));
			int ok = t && xml_builder_text(b, t, strlen(t)) == RC_OK;
			free(t);
			if (!ok)
				goto bad;
		} else if (type != RES_XML_START_NS && type != RES_XML_END_NS &&
		    type != RES_STRING_POOL && type != RES_XML_START_ELEMENT &&
		    type != RES_XML_CDATA) {
			/* Unknown chunks are skipped, as Android skips them. */
		}
	}
	if (b->depth != 0) {
		pinca_warnx("%s: malformed binary XML: an element is never closed", what);
		goto out;
	}
	rc = RC_OK;
	goto out;
bad:
	pinca_warnx("%s: malformed binary XML (Android compiled resource)", what);
out:
	free(resmap);
	return rc;
}

/* Looks entry `entry` up in one type chunk (default configuration only).
 * Returns the string-pool index of its value, or NO_INDEX. */
static uint32_t
arsc_type_entry(const unsigned char *p, uint32_t hsize, uint32_t size, uint32_t entry)
{
	uint32_t count, entries_start, off;
	const unsigned char *e;

	if (hsize < 20 || size < hsize)
		return NO_INDEX;
	/* flags (p[9]): sparse or 16-bit offset tables are not read. */
	if (p[9] != 0)
		return NO_INDEX;
	count = rd32(p + 12);
	entries_start = rd32(p + 16);
	if (entry >= count || count > (size - hsize) / 4 || entries_start > size)
		return NO_INDEX;
	off = rd32(p + hsize + (size_t)entry * 4);
	if (off == NO_INDEX || off > size - entries_start || size - entries_start - off < 16)
		return NO_INDEX;
	e = p + entries_start + off;
	/* ResTable_entry: size, flags (1: complex, a bag), key; then Res_value. */
	if (rd16(e + 2) & 1 || rd16(e) < 8 || rd16(e) > size - entries_start - off - 8)
		return NO_INDEX;
	e += rd16(e);
	return e[3] == TYPE_STRING ? rd32(e + 4) : NO_INDEX;
}

/* Walks the type chunks of one package for (type_id, entry). */
static uint32_t
arsc_package_find(const unsigned char *pkg, uint32_t hsize, uint32_t size, uint32_t type_id,
    uint32_t entry)
{
	const unsigned char *end = pkg + size, *p;
	uint16_t t, h;
	uint32_t s, idx;

	for (p = pkg + hsize; p < end; p += s) {
		if (chunk_at(p, end, &t, &h, &s) != RC_OK)
			return NO_INDEX;
		if (t == RES_TABLE_TYPE && h >= 20 && p[8] == type_id &&
		    (idx = arsc_type_entry(p, h, s, entry)) != NO_INDEX)
			return idx;
	}
	return NO_INDEX;
}

char *
arsc_resolve_string(const unsigned char *data, size_t len, uint32_t id)
{
	const unsigned char *end = data + len, *p;
	struct string_pool values = { 0 };
	uint32_t size, pkg_id = id >> 24, type_id = (id >> 16) & 0xff, entry = id & 0xffff, idx;
	uint16_t type, hsize;
	int have_pool = 0;

	if (chunk_at(data, end, &type, &hsize, &size) != RC_OK || type != RES_TABLE)
		return NULL;
	end = data + size;
	for (p = data + hsize; p < end; p += size) {
		if (chunk_at(p, end, &type, &hsize, &size) != RC_OK)
			return NULL;
		if (type == RES_STRING_POOL && !have_pool) {
			if (pool_init(&values, p, end) != RC_OK)
				return NULL;
			have_pool = 1;
		} else if (type == RES_TABLE_PACKAGE && have_pool && hsize >= 12 &&
		    rd32(p + 8) == pkg_id) {
			idx = arsc_package_find(p, hsize, size, type_id, entry);
			if (idx != NO_INDEX)
				return pool_string(&values, idx);
		}
	}
	return NULL;
}
