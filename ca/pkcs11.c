/* pkcs11: RFC 7512 URIs, the PKCS#11 module and a logged-in session on the
 * token a URI names by its label (slot numbers change when tokens come and
 * go; labels do not). The module is called directly through the function
 * list it exports, with p11-kit's pkcs11.h for the types. */
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ca/pkcs11.h"
#include "common/err.h"
#include "common/output.h"

#define P11_VALUE_MAX P11_PATH_MAX

int
p11_uri_is(const char *s)
{
	return s != NULL && strncasecmp(s, "pkcs11:", 7) == 0;
}

/* Decodes the %-escapes of v[0..n) into out (at most max bytes). Bytes that
 * RFC 7512 requires to be escaped (controls, space, non-ASCII, '#') are
 * refused raw. Returns RC_OK or RC_USAGE with a message naming attr. */
static int
uri_decode(const char *attr, const char *v, size_t n, unsigned char *out, size_t max,
    size_t *len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)v[i];
		if (c == '%') {
			int hi = i + 2 < n ? hex_digit_value((unsigned char)v[i + 1]) : -1;
			int lo = i + 2 < n ? hex_digit_value((unsigned char)v[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				pinca_warnx("pkcs11 URI: bad %%-escape in '%s'", attr);
				return RC_USAGE;
			}
			c = hi * 16 + lo;
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f || c == '#') {
			pinca_warnx("pkcs11 URI: '%s' holds a character that must be %%-escaped", attr);
			return RC_USAGE;
		}
		if (o == max) {
			pinca_warnx("pkcs11 URI: '%s' is longer than %zu bytes", attr, max);
			return RC_USAGE;
		}
		out[o++] = (unsigned char)c;
	}
	*len = o;
	return RC_OK;
}

/* Copies a decoded text value into a NUL-terminated field of cap bytes. */
static int
uri_set_text(const char *attr, char *field, size_t cap, const unsigned char *v, size_t len)
{
	if (memchr(v, '\0', len) != NULL) {
		pinca_warnx("pkcs11 URI: '%s' holds a NUL byte", attr);
		return RC_USAGE;
	}
	if (len >= cap) {
		pinca_warnx("pkcs11 URI: '%s' is longer than %zu bytes", attr, cap - 1);
		return RC_USAGE;
	}
	memcpy(field, v, len);
	field[len] = '\0';
	return RC_OK;
}

/* The attributes pinca uses: where each may appear and the field it fills. */
enum attr_kind {
	A_TOKEN, A_MANUFACTURER, A_MODEL, A_SERIAL, A_OBJECT, A_ID, A_TYPE, A_MODULE_PATH
};
static const struct {
	const char *name;
	int query;		/* 1: after '?', 0: in the path */
	enum attr_kind kind;
	unsigned bit;
} uri_attrs[] = {
	{ "token", 0, A_TOKEN, P11_HAS_TOKEN },
	{ "manufacturer", 0, A_MANUFACTURER, P11_HAS_MANUFACTURER },
	{ "model", 0, A_MODEL, P11_HAS_MODEL },
	{ "serial", 0, A_SERIAL, P11_HAS_SERIAL },
	{ "object", 0, A_OBJECT, P11_HAS_OBJECT },
	{ "id", 0, A_ID, P11_HAS_ID },
	{ "type", 0, A_TYPE, P11_HAS_TYPE },
	{ "module-path", 1, A_MODULE_PATH, P11_HAS_MODULE_PATH },
};

/* Stores one decoded attribute value. */
static int
uri_store(struct p11_uri *u, enum attr_kind kind, const char *name, const unsigned char *v,
    size_t len)
{
	switch (kind) {
	case A_TOKEN: return uri_set_text(name, u->token, sizeof(u->token), v, len);
	case A_MANUFACTURER:
		return uri_set_text(name, u->manufacturer, sizeof(u->manufacturer), v, len);
	case A_MODEL: return uri_set_text(name, u->model, sizeof(u->model), v, len);
	case A_SERIAL: return uri_set_text(name, u->serial, sizeof(u->serial), v, len);
	case A_OBJECT: return uri_set_text(name, u->object, sizeof(u->object), v, len);
	case A_MODULE_PATH:
		return uri_set_text(name, u->module_path, sizeof(u->module_path), v, len);
	case A_ID:
		if (len > sizeof(u->id)) {
			pinca_warnx("pkcs11 URI: 'id' is longer than %zu bytes", sizeof(u->id));
			return RC_USAGE;
		}
		memcpy(u->id, v, len);
		u->id_len = len;
		return RC_OK;
	case A_TYPE:
		if (len != 7 || memcmp(v, "private", 7) != 0) {
			pinca_warnx("pkcs11 URI: a CA key is a private key (type=private)");
			return RC_USAGE;
		}
		return RC_OK;
	}
	return RC_USAGE;
}

/* Parses one name=value of the path (query = 0) or the query (query = 1).
 * Values are never echoed: a refused one may be a PIN. */
static int
uri_attr(struct p11_uri *u, const char *a, size_t n, int query)
{
	unsigned char val[P11_VALUE_MAX];
	const char *eq = memchr(a, '=', n);
	size_t name_len = eq ? (size_t)(eq - a) : n, len = 0;
	char name[32];

	if (eq == NULL || name_len == 0 || name_len >= sizeof(name)) {
		pinca_warnx("pkcs11 URI: an attribute is not of the form name=value");
		return RC_USAGE;
	}
	memcpy(name, a, name_len);
	name[name_len] = '\0';
	for (size_t i = 0; i < name_len; i++)
		if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		    name[i] == '-')) {
			pinca_warnx("pkcs11 URI: malformed attribute name");
			return RC_USAGE;
		}
	if (strcmp(name, "pin-value") == 0 || strcmp(name, "pin-source") == 0) {
		pinca_warnx("pkcs11 URI: refusing %s: the PIN comes from --pin-file or the prompt, "
		    "never the command line", name);
		return RC_USAGE;
	}
	for (size_t i = 0; i < sizeof(uri_attrs) / sizeof(uri_attrs[0]); i++) {
		if (strcmp(name, uri_attrs[i].name) != 0)
			continue;
		if (uri_attrs[i].query != query) {
			pinca_warnx("pkcs11 URI: '%s' belongs in the %s", name,
			    uri_attrs[i].query ? "query (after '?')" : "path (before '?')");
			return RC_USAGE;
		}
		if (u->has & uri_attrs[i].bit) {
			pinca_warnx("pkcs11 URI: '%s' is given twice", name);
			return RC_USAGE;
		}
		if (n - name_len - 1 == 0) {
			pinca_warnx("pkcs11 URI: '%s' is empty", name);
			return RC_USAGE;
		}
		u->has |= uri_attrs[i].bit;
		if (uri_decode(name, eq + 1, n - name_len - 1, val, sizeof(val), &len) != RC_OK)
			return RC_USAGE;
		return uri_store(u, uri_attrs[i].kind, name, val, len);
	}
	pinca_warnx("pkcs11 URI: pinca does not use '%s' (use token, object, id, manufacturer, "
	    "model, serial, type, module-path)", name);
	return RC_USAGE;
}

/* Splits one part of the URI at sep and parses each attribute. */
static int
uri_part(struct p11_uri *u, const char *p, size_t n, char sep, int query)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != sep)
			j++;
		if (j == i || (j + 1 == n && p[j] == sep)) {
			pinca_warnx("pkcs11 URI: empty attribute");
			return RC_USAGE;
		}
		if (uri_attr(u, p + i, j - i, query) != RC_OK)
			return RC_USAGE;
		i = j + 1;
	}
	return RC_OK;
}

int
p11_uri_parse(const char *s, struct p11_uri *out)
{
	const char *path, *q;

	memset(out, 0, sizeof(*out));
	if (!p11_uri_is(s)) {
		pinca_warnx("not a pkcs11: URI");
		return RC_USAGE;
	}
	if (strlen(s) > P11_URI_MAX + P11_PATH_MAX) {
		pinca_warnx("pkcs11 URI: too long");
		return RC_USAGE;
	}
	path = s + 7;
	q = strchr(path, '?');
	if (uri_part(out, path, q ? (size_t)(q - path) : strlen(path), ';', 0) != RC_OK)
		return RC_USAGE;
	if (q && uri_part(out, q + 1, strlen(q + 1), '&', 1) != RC_OK)
		return RC_USAGE;
	return RC_OK;
}

/* Appends name=value to the path (after a ';' unless it is the first),
 * escaping every byte outside RFC 3986's unreserved set. */
static int
uri_put(char *buf, size_t size, size_t *off, const char *name, const void *value, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v = value;
	size_t o = *off;
	int w = snprintf(buf + o, size - o, "%s%s=", o > 7 ? ";" : "", name);

	if (w < 0 || (size_t)w >= size - o)
		return RC_FAIL;
	o += (size_t)w;
	for (size_t i = 0; i < n; i++) {
		int c = v[i];
		if (o + 4 > size)
			return RC_FAIL;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			buf[o++] = (char)c;
		else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	*off = o;
	return RC_OK;
}

int
p11_uri_format(const struct p11_uri *u, char *buf, size_t size)
{
	size_t off = 7;
	int rc = RC_OK;

	if (size < 8)
		return RC_FAIL;
	memcpy(buf, "pkcs11:", 8);
	if (u->has & P11_HAS_TOKEN)
		rc |= uri_put(buf, size, &off, "token", u->token, strlen(u->token));
	if (u->has & P11_HAS_MANUFACTURER)
		rc |= uri_put(buf, size, &off, "manufacturer", u->manufacturer,
		    strlen(u->manufacturer));
	if (u->has & P11_HAS_MODEL)
		rc |= uri_put(buf, size, &off, "model", u->model, strlen(u->model));
	if (u->has & P11_HAS_SERIAL)
		rc |= uri_put(buf, size, &off, "serial", u->serial, strlen(u->serial));
	if (u->has & P11_HAS_OBJECT)
		rc |= uri_put(buf, size, &off, "object", u->object, strlen(u->object));
	if (u->has & P11_HAS_ID)
		rc |= uri_put(buf, size, &off, "id", u->id, u->id_len);
	rc |= uri_put(buf, size, &off, "type", "private", 7);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}
