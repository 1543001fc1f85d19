/* Unit tests of db/list_row.c: its date arithmetic against glibc's gmtime_r and
 * strftime (time_rfc3339) over 1970..9999, and its refusals. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/output.h"
#include "db/list_row.h"
#include "tests/unit/unit.h"

/* A listable record expiring at t. */
static void
record_at(struct cert_record *r, int64_t t)
{
	static char dns[] = "[\"a.example\",\"b.example\"]", ip[] = "[\"10.0.0.1\"]", pin[] = "sha256/x";

	memset(r, 0, sizeof(*r));
	snprintf(r->serial, sizeof(r->serial), "0a1b2c");
	snprintf(r->profile, sizeof(r->profile), "server");
	r->dns_json = dns;
	r->ip_json = ip;
	r->pin = pin;
	r->not_before = t;
	r->not_after = t;
}

/* Whether the fast NOT_AFTER column of a record expiring at t is strftime's. */
static int
date_agrees(int64_t t)
{
	struct cert_record r;
	char row[1024], want[32];
	size_t len;

	record_at(&r, t);
	time_rfc3339(t, want, sizeof(want));
	if (list_row_text(&r, "valid", row, sizeof(row), &len) != 0 || len < 64)
		return 0;
	return memcmp(row + 43, want, 20) == 0;
}

int
main(void)
{
	struct cert_record r;
	char row[1024], small[40], want[256];
	size_t len;
	int64_t t, bad = -1;
	uint64_t x = 88172645463325252ULL;

	/* Every day boundary (and the second before it) from 1970 to 9999. */
	for (t = 0; t < INT64_C(253402300800) && bad < 0; t += 86400)
		if (!date_agrees(t) || (t > 0 && !date_agrees(t - 1)))
			bad = t;
	CHECK(bad < 0, "every midnight 1970..9999 formats as strftime does");
	/* And 200,000 random seconds in the range. */
	for (int i = 0; i < 200000 && bad < 0; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		t = (int64_t)(x % UINT64_C(253402300800));
		if (!date_agrees(t))
			bad = t;
	}
	CHECK(bad < 0, "200,000 random times format as strftime does");
	CHECK(date_agrees(INT64_C(253402300799)), "9999-12-31T23:59:59Z");

	record_at(&r, INT64_C(253402300800));
	CHECK(list_row_text(&r, "valid", row, sizeof(row), &len) == LIST_ROW_SLOW,
	    "year 10000 is left to the general path");
	record_at(&r, -1);
	CHECK(list_row_text(&r, "valid", row, sizeof(row), &len) == LIST_ROW_SLOW,
	    "a time before 1970 is left to the general path");
	record_at(&r, 0);
	CHECK(list_row_text(&r, "valid", small, sizeof(small), &len) == LIST_ROW_SLOW,
	    "a row that does not fit the buffer is refused, not cut");
	r.dns_json = (char *)"[\"a\\\"b\"]";
	CHECK(list_row_text(&r, "valid", row, sizeof(row), &len) == LIST_ROW_SLOW,
	    "an escaped string is left to jansson");
	r.dns_json = (char *)"[\"a\", \"b\"]";
	CHECK(list_row_text(&r, "valid", row, sizeof(row), &len) == LIST_ROW_SLOW,
	    "an array with spaces is left to jansson");
	r.dns_json = (char *)"[\"a\"";
	CHECK(list_row_text(&r, "valid", row, sizeof(row), &len) == LIST_ROW_SLOW,
	    "an unterminated array is left to jansson");
	r.dns_json = (char *)"[\"caf\xc3\xa9\"]";
	CHECK(list_row_text(&r, "valid", row, sizeof(row), &len) == LIST_ROW_SLOW,
	    "non-ASCII is left to jansson");
	r.dns_json = (char *)"[]";
	r.name = (char *)"web";
	snprintf(want, sizeof(want), "%-32s  %-7s  %-20s  %-16s  %s\n", "0a1b2c", "valid",
	    "1970-01-01T00:00:00Z", "web", "10.0.0.1");
	CHECK(list_row_text(&r, "valid", row, sizeof(row), &len) == 0 && len == strlen(want) &&
	    memcmp(row, want, len) == 0, "a text row: printf's padded columns, the IP alone");
	return unit_finish();
}
