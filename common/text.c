/* text: printable UTF-8 checks and the escaping every printer of outside
 * or stored text uses (see text.h). */
#include <stdio.h>
#include <string.h>

#include "common/text.h"

/* Code points that reorder or break a line on a terminal while showing
 * nothing: LRM/RLM, the line and paragraph separators, the bidirectional
 * embeddings, overrides and isolates (Unicode UAX #9). */
static int
invisible_format(unsigned long cp)
{
	return cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061c;
}

/* The length of the printable UTF-8 character at s (n bytes left), or 0 when
 * it is a control, an invisible format character or malformed (overlong,
 * surrogate, above U+10FFFF, cut short). */
static size_t
printable_char(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t len, i;

	if (s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) || invisible_format(cp))
		return 0;
	return len;
}

long
text_unsafe_at(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = printable_char(u + i, len - i)) == 0)
			return (long)i;
		i += n;
	}
	return -1;
}

void
text_fputs(const char *s, FILE *f)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;

	while (i < len) {
		n = printable_char(u + i, len - i);
		if (n > 0 && u[i] != '\\')
			fwrite(u + i, 1, n, f);
		else if (u[i] == '\\')
			fputs("\\\\", f), n = 1;
		else
			fprintf(f, "\\x%02x", u[i]), n = 1;
		i += n;
	}
}

const char *
text_safe(const char *s, char *buf, size_t size)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i = 0, o = 0, n;
	char piece[8];

	if (s == NULL)
		return "";
	len = strlen(s);
	if (text_unsafe_at(s, len) < 0 && strchr(s, '\\') == NULL)
		return s;
	if (size < 4)
		return "...";
	while (i < len) {
		n = printable_char(u + i, len - i);
		if (n > 0 && u[i] != '\\') {
			memcpy(piece, u + i, n);
			piece[n] = '\0';
		} else {
			snprintf(piece, sizeof(piece), u[i] == '\\' ? "\\\\" : "\\x%02x", u[i]);
			n = 1;
		}
		if (o + strlen(piece) + 4 > size) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		memcpy(buf + o, piece, strlen(piece));
		o += strlen(piece);
		i += n;
	}
	buf[o] = '\0';
	return buf;
}
