/* dburl: telling a PostgreSQL target from a file path, and rewriting one
 * without its password (for messages and for the CA directory's record).
 * libpq takes two syntaxes (PostgreSQL manual, "Connection Strings"):
 *   postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...]
 *   host=H port=P dbname=D user=U password='it''s' ...  (values may be quoted)
 * and a password may appear in either. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/dburl.h"

#define DBURL_REDACTED "[redacted]"

/* A bounded output buffer: what does not fit is counted, not written. */
struct dburl_out {
	char *buf;
	size_t size, len;
	int overflow;
};

/* Appends n bytes of s. */
static void
dburl_put(struct dburl_out *o, const char *s, size_t n)
{
	if (o->len + n >= o->size) {
		o->overflow = 1;
		n = o->len + 1 < o->size ? o->size - o->len - 1 : 0;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

int
dburl_is_postgres(const char *target)
{
	if (target == NULL)
		return 0;
	return strncasecmp(target, "postgresql://", 13) == 0 || strncasecmp(target, "postgres://", 11) == 0 ||
	    strncmp(target, "host=", 5) == 0 || strncmp(target, "dbname=", 7) == 0;
}

/* The URL form: userinfo's password, then the query's password= parameter.
 * repl NULL leaves the password out. */
static void
dburl_rewrite_url(const char *t, const char *repl, struct dburl_out *o)
{
	const char *auth = strstr(t, "://") + 3, *end = auth + strcspn(auth, "/?"), *at = NULL;
	const char *q, *p;
	int first = 1;

	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	/* userinfo is everything before the last '@' of the authority. */
	if (at != NULL && (p = memchr(auth, ':', (size_t)(at - auth))) != NULL) {
		dburl_put(o, t, (size_t)(p - t));
		if (repl) {
			dburl_put(o, ":", 1);
			dburl_put(o, repl, strlen(repl));
		}
		dburl_put(o, at, (size_t)(end - at));
	} else {
		dburl_put(o, t, (size_t)(end - t));
	}
	q = strchr(end, '?');
	dburl_put(o, end, q ? (size_t)(q - end) : strlen(end));
	if (q == NULL)
		return;
	/* The query, one param at a time; a password= one is rewritten or dropped. */
	for (p = q + 1; *p; ) {
		size_t n = strcspn(p, "&");
		int is_pw = n >= 9 && strncasecmp(p, "password=", 9) == 0;
		/* An empty parameter (a&&b) means nothing to libpq: dropped. */
		if (n > 0 && (!is_pw || repl)) {
			dburl_put(o, first ? "?" : "&", 1);
			if (is_pw) {
				dburl_put(o, "password=", 9);
				dburl_put(o, repl, strlen(repl));
			} else {
				dburl_put(o, p, n);
			}
			first = 0;
		}
		p += n;
		if (*p == '&')
			p++;
	}
}

/* The end of a key=value string's value that starts at v: a quoted value
 * ends after its closing quote ('\' escapes), a bare one at white space. */
static const char *
dburl_value_end(const char *v)
{
	if (*v != '\'')
		return v + strcspn(v, " \t\n\r");
	for (v++; *v && *v != '\''; v++)
		if (*v == '\\' && v[1])
			v++;
	return *v ? v + 1 : v;
}

/* The key=value form: each password= pair is rewritten or dropped, the
 * other pairs are copied as they were written. */
static void
dburl_rewrite_conninfo(const char *t, const char *repl, struct dburl_out *o)
{
	const char *p = t;

	while (*p) {
		const char *start, *key_end, *v, *vend;
		start = p + strspn(p, " \t\n\r");
		if (*start == '\0')
			break;
		key_end = start + strcspn(start, "= \t\n\r");
		v = key_end + strspn(key_end, " \t\n\r");
		if (*v == '=')
			v++;
		v += strspn(v, " \t\n\r");
		vend = dburl_value_end(v);
		if ((size_t)(key_end - start) == 8 && strncasecmp(start, "password", 8) == 0) {
			if (repl) {
				dburl_put(o, o->len ? " password=" : "password=", o->len ? 10 : 9);
				dburl_put(o, repl, strlen(repl));
			}
		} else {
			if (o->len)
				dburl_put(o, " ", 1);
			dburl_put(o, start, (size_t)(vend - start));
		}
		p = vend;
	}
}

/* Rewrites target into out with its passwords replaced by repl (NULL:
 * removed). Returns 0, or -1 when out was too small. */
static int
dburl_rewrite(const char *target, const char *repl, char *out, size_t size)
{
	struct dburl_out o = { out, size, 0, 0 };

	if (size == 0)
		return -1;
	out[0] = '\0';
	if (strstr(target, "://") != NULL)
		dburl_rewrite_url(target, repl, &o);
	else if (strchr(target, '=') != NULL)
		dburl_rewrite_conninfo(target, repl, &o);
	else
		dburl_put(&o, target, strlen(target));
	return o.overflow ? -1 : 0;
}

void
dburl_redact(const char *target, char *out, size_t size)
{
	dburl_rewrite(target, DBURL_REDACTED, out, size);
}

int
dburl_without_password(const char *target, char *out, size_t size)
{
	return dburl_rewrite(target, NULL, out, size);
}
