/* output: JSON printing through jansson, time and hex formatting. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/output.h"

static int
json_emit(json_t *v, size_t flags)
{
	int rc = RC_OK;

	if (v == NULL) {
		pinca_warnx("out of memory building JSON");
		return RC_FAIL;
	}
	if (json_dumpf(v, stdout, flags) == -1 || fputc('\n', stdout) == EOF) {
		pinca_warnx("cannot write JSON to standard output");
		rc = RC_FAIL;
	}
	json_decref(v);
	return rc;
}

int
json_print(json_t *v)
{
	return json_emit(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int
json_print_line(json_t *v)
{
	return json_emit(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

void
time_rfc3339(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
date_parse(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 10 || (end = strptime(s, "%Y-%m-%d", &tm)) == NULL || *end != '\0')
		return RC_FAIL;
	*out = (int64_t)timegm(&tm);
	return RC_OK;
}

int
hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int
serial_canonical(const char *in, char *out, size_t size)
{
	size_t n = 0, start;
	char digits[128];

	for (const char *p = in; *p; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n + 1 >= sizeof(digits)) {
			pinca_warnx("'%s' is not a serial number (hex digits, colons allowed, "
			    "at most 40 digits)", in);
			return RC_USAGE;
		}
		digits[n++] = (char)tolower((unsigned char)*p);
	}
	digits[n] = '\0';
	/* Strip leading zero bytes, keeping an even number of digits. */
	start = 0;
	while (n - start > 2 && digits[start] == '0' &&
	    ((n - start) % 2 == 0 ? digits[start + 1] == '0' : 1))
		start += (n - start) % 2 == 0 ? 2 : 1;
	if (n == 0 || n - start > 40) {
		pinca_warnx("'%s' is not a serial number (hex digits, colons allowed, "
		    "at most 40 digits)", in);
		return RC_USAGE;
	}
	if ((n - start) % 2 == 1)
		snprintf(out, size, "0%s", digits + start);
	else
		snprintf(out, size, "%s", digits + start);
	return RC_OK;
}
