/* list_row: one line of the `db list` table formatted into a caller's
 * buffer, with no allocation and no strftime. The bytes are exactly those of
 * the general path (cmd_db.c's printf, names read by jansson). Only the name
 * arrays pinca itself stores are taken as written: a row with anything else
 * (escapes, non-ASCII, spacing jansson would not write, names longer than the
 * table keeps, a time outside 1970..9999) is refused with LIST_ROW_SLOW and
 * the caller formats it the general way. JSON output (--json) is always made
 * by jansson. */
#include <string.h>

#include "db/list_row.h"

/* An output buffer that remembers running out of room. */
struct out {
	char *p;
	size_t n, size;
	int full;
};

static void
put(struct out *o, const char *s, size_t len)
{
	if (o->full || len > o->size - o->n) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Pads with spaces what was written since `from` to width (printf "%-Ns"). */
static void
pad(struct out *o, size_t from, size_t width)
{
	while (!o->full && o->n - from < width)
		put(o, " ", 1);
}

/* "YYYY-MM-DDTHH:MM:SSZ" of t (as time_rfc3339), for 1970 <= year <= 9999;
 * -1 outside. Days to civil date: H. Hinnant's days_from_civil inverse. */
static int
rfc3339(int64_t t, char out[21])
{
	int64_t days, sec, era, doe, yoe, y, doy, mp, d, m;
	int64_t f[6];

	if (t < 0 || t >= INT64_C(253402300800))
		return -1;
	days = t / 86400;
	sec = t % 86400;
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	f[0] = y; f[1] = m; f[2] = d; f[3] = sec / 3600; f[4] = sec / 60 % 60; f[5] = sec % 60;
	out[0] = (char)('0' + f[0] / 1000);
	out[1] = (char)('0' + f[0] / 100 % 10);
	out[2] = (char)('0' + f[0] / 10 % 10);
	out[3] = (char)('0' + f[0] % 10);
	for (int i = 1; i < 6; i++) {
		out[3 * i + 1] = "--T::"[i - 1];
		out[3 * i + 2] = (char)('0' + f[i] / 10);
		out[3 * i + 3] = (char)('0' + f[i] % 10);
	}
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

/* Whether j is a JSON array of plain strings exactly as pinca writes it:
 * ["a","b"] or [], no spaces, no escapes, printable ASCII. */
static int
plain_array(const char *j)
{
	if (j == NULL || *j++ != '[')
		return 0;
	if (*j == ']')
		return j[1] == '\0';
	for (;;) {
		if (*j++ != '"')
			return 0;
		for (; *j != '"'; j++)
			if ((unsigned char)*j < 0x20 || (unsigned char)*j > 0x7e || *j == '\\')
				return 0;
		j++;
		if (*j == ']')
			return j[1] == '\0';
		if (*j++ != ',')
			return 0;
	}
}

/* Appends the strings of a plain array, comma-separated, after what is
 * already in names (as names_text in cmd_db.c joins them). */
static void
put_names(struct out *o, const char *j, size_t start)
{
	for (j++; *j == '"'; ) {
		const char *end = strchr(j + 1, '"');
		if (o->n > start)
			put(o, ",", 1);
		put(o, j + 1, (size_t)(end - j - 1));
		j = end + 1;
		if (*j == ',')
			j++;
	}
}

/* Whether s is printable ASCII without spaces or backslashes, as the
 * serials and lineage names pinca writes are; anything else (a row edited
 * behind pinca's back) takes the general path, which escapes it. */
static int
plain_word(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '\\')
			return 0;
	return 1;
}

int
list_row_text(const struct cert_record *r, const char *status, char *buf, size_t size, size_t *len)
{
	struct out o = { buf, 0, size, 0 };
	char na[21];
	size_t from, names;

	if (rfc3339(r->not_after, na) != 0 || !plain_array(r->dns_json) || !plain_array(r->ip_json) ||
	    !plain_word(r->serial) || (r->name && !plain_word(r->name)))
		return LIST_ROW_SLOW;
	from = o.n;
	put_str(&o, r->serial);
	pad(&o, from, 32);
	put(&o, "  ", 2);
	from = o.n;
	put_str(&o, status);
	pad(&o, from, 7);
	put(&o, "  ", 2);
	from = o.n;
	put(&o, na, 20);
	put(&o, "  ", 2);
	from = o.n;
	put_str(&o, r->name ? r->name : "-");
	pad(&o, from, 16);
	put(&o, "  ", 2);
	names = o.n;
	put_names(&o, r->dns_json, names);
	put_names(&o, r->ip_json, names);
	/* The general path keeps at most LIST_NAMES_MAX - 1 bytes of names. */
	if (o.n - names >= LIST_NAMES_MAX)
		return LIST_ROW_SLOW;
	put(&o, "\n", 1);
	if (o.full)
		return LIST_ROW_SLOW;
	*len = o.n;
	return 0;
}
