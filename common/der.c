/* der: hand-written DER pieces (X.690) shared by the CRL and leaf encoders. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>

#include "common/der.h"
#include "common/output.h"

/* Makes room for n more bytes; returns 0 or -1 (out of memory). */
int
dbuf_reserve(struct dbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 1 << 16;
	unsigned char *p;

	if (b->failed)
		return -1;
	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
dbuf_put(struct dbuf *b, const void *data, size_t n)
{
	if (dbuf_reserve(b, n) == 0) {
		memcpy(b->p + b->len, data, n);
		b->len += n;
	}
}

/* Writes a DER tag and definite length (X.690 8.1.3) to out; returns the
 * number of bytes (at most 6). */
size_t
der_header(unsigned char *out, unsigned char tag, size_t len)
{
	size_t n = 0;
	int bytes = 0;

	out[n++] = tag;
	if (len < 0x80) {
		out[n++] = (unsigned char)len;
		return n;
	}
	for (size_t l = len; l; l >>= 8)
		bytes++;
	out[n++] = (unsigned char)(0x80 | bytes);
	while (bytes--)
		out[n++] = (unsigned char)(len >> (8 * bytes));
	return n;
}

size_t
der_header_len(size_t len)
{
	size_t n = 2;

	if (len >= 0x80)
		for (size_t l = len; l; l >>= 8)
			n++;
	return n;
}

void
dbuf_header(struct dbuf *b, unsigned char tag, size_t len)
{
	unsigned char h[8];

	dbuf_put(b, h, der_header(h, tag, len));
}

/* Two decimal digits of v (0..99). */
static void
put2(unsigned char *out, int v)
{
	out[0] = (unsigned char)('0' + v / 10);
	out[1] = (unsigned char)('0' + v % 10);
}

/* Encodes t as UTCTime up to 2049 and GeneralizedTime from 2050 (RFC 5280
 * 5.1.2.4 and 5.1.2.6), "Z" and seconds always present. Returns the length
 * (15 or 17) or 0 for a time outside 1950..9999. Digits are placed by hand:
 * this runs once per CRL entry. */
size_t
der_time(unsigned char *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	unsigned char *p;
	int year;

	if (gmtime_r(&tt, &tm) == NULL)
		return 0;
	year = tm.tm_year + 1900;
	if (year < 1950 || year > 9999)
		return 0;
	if (year < 2050) {
		out[0] = V_ASN1_UTCTIME;
		out[1] = 13;
		p = out + 2;
	} else {
		out[0] = V_ASN1_GENERALIZEDTIME;
		out[1] = 15;
		put2(out + 2, year / 100);
		p = out + 4;
	}
	put2(p, year % 100);
	put2(p + 2, tm.tm_mon + 1);
	put2(p + 4, tm.tm_mday);
	put2(p + 6, tm.tm_hour);
	put2(p + 8, tm.tm_min);
	put2(p + 10, tm.tm_sec);
	p[12] = 'Z';
	return year < 2050 ? 15 : 17;
}

/* Encodes a canonical hex serial as a positive DER INTEGER (a 00 octet in
 * front when the top bit is set). Returns the length or 0 if the text is not
 * 1..40 hex digits. */
size_t
der_serial(unsigned char *out, const char *hex)
{
	size_t n, j = 2;
	int odd;

	/* DER INTEGERs are minimal (X.690 8.3.2): no leading zero digits. */
	while (hex[0] == '0' && hex[1] != '\0')
		hex++;
	n = strlen(hex);
	odd = (int)(n % 2);
	if (n == 0 || n > 40)
		return 0;
	out[0] = V_ASN1_INTEGER;
	if (hex_digit_value(hex[0]) >= 8 && !odd)
		out[j++] = 0;
	for (size_t i = 0; i < n; ) {
		int hi = odd && i == 0 ? 0 : hex_digit_value(hex[i++]);
		int lo = hex_digit_value(hex[i++]);
		if (hi < 0 || lo < 0)
			return 0;
		out[j++] = (unsigned char)(hi << 4 | lo);
	}
	out[1] = (unsigned char)(j - 2);
	return j;
}

/* A positive INTEGER from a non-negative 64-bit number. */
size_t
der_int64(unsigned char *out, int64_t v)
{
	unsigned char tmp[9];
	size_t n = 0;
	uint64_t u = (uint64_t)v;

	do {
		tmp[n++] = (unsigned char)(u & 0xff);
		u >>= 8;
	} while (u);
	if (tmp[n - 1] & 0x80)
		tmp[n++] = 0;
	out[0] = V_ASN1_INTEGER;
	out[1] = (unsigned char)n;
	for (size_t i = 0; i < n; i++)
		out[2 + i] = tmp[n - 1 - i];
	return n + 2;
}


void
dbuf_wrap(struct dbuf *b, size_t start, unsigned char tag)
{
	size_t content = b->len - start, hl = der_header_len(content);

	if (dbuf_reserve(b, hl) != 0)
		return;
	memmove(b->p + start + hl, b->p + start, content);
	der_header(b->p + start, tag, content);
	b->len += hl;
}

int
der_next(const unsigned char **p, const unsigned char *end, unsigned char *tag,
    const unsigned char **content, size_t *len)
{
	const unsigned char *q = *p;
	size_t n = 0;

	if (end - q < 2)
		return -1;
	*tag = *q++;
	if (*q < 0x80) {
		n = *q++;
	} else {
		int bytes = *q++ & 0x7f;
		if (bytes == 0 || bytes > 4 || end - q < bytes)
			return -1;
		while (bytes--)
			n = n << 8 | *q++;
	}
	if ((size_t)(end - q) < n)
		return -1;
	*content = q;
	*len = n;
	*p = q + n;
	return 0;
}
