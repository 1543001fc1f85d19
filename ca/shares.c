/* shares: the share files of a backup, as text a person can copy by hand.
 *
 *   # comment lines: what the file is, which backup, how many are needed
 *   pinca-share 1 ID INDEX COUNT THRESHOLD CHECK
 *   pincaID-INDEX-HEX CHECK
 *
 * The second line's first word is exactly what `ssss-combine -t THRESHOLD
 * -x` reads. Each line ends in its check: the first 8 hex digits of the
 * SHA-256 of the words before it, joined by single spaces, which anyone can
 * recompute with `printf %s WORDS | sha256sum`. ssss itself has no check
 * (a changed share silently recombines to a wrong secret); here a damaged
 * line, or a share of another backup, is refused when it is read. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ca/shares.h"
#include "common/output.h"

#define SHARE_LINE_MAX 256

int
share_line_check(const char *words, char check[9])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (EVP_Digest(words, strlen(words), md, &md_len, EVP_sha256(), NULL) != 1 || md_len < 4)
		return -1;
	hex_encode(md, 4, hex);
	memcpy(check, hex, 9);
	return 0;
}

int
share_ssss_line(const struct share *s, char *buf, size_t size)
{
	char hex[2 * SHARES_SECRET_LEN + 1];
	int width = s->count >= 100 ? 3 : s->count >= 10 ? 2 : 1, n;

	hex_encode(s->y, SHARES_SECRET_LEN, hex);
	n = snprintf(buf, size, "pinca%s-%0*d-%s", s->backup_id, width, s->index, hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int
share_format(const struct share *s, char *buf, size_t size)
{
	char header[128], line[SHARE_LINE_MAX], hcheck[9], lcheck[9];
	int n;

	snprintf(header, sizeof(header), "pinca-share 1 %s %d %d %d", s->backup_id, s->index,
	    s->count, s->threshold);
	if (share_ssss_line(s, line, sizeof(line)) != 0 || share_line_check(header, hcheck) != 0 ||
	    share_line_check(line, lcheck) != 0)
		return -1;
	n = snprintf(buf, size,
	    "# pinca backup share %d of %d: any %d of the %d shares open backup.pem of\n"
	    "# backup %s. Keep it apart from backup.pem and from the other shares.\n"
	    "# Copy the two lines below exactly. The last word of each line is its\n"
	    "# check: the first 8 hex digits of the SHA-256 of the words before it.\n"
	    "# Without pinca: docs/ceremony.md, \"Opening a backup without pinca\".\n"
	    "%s %s\n%s %s\n",
	    s->index, s->count, s->threshold, s->count, s->backup_id, header, hcheck, line, lcheck);
	OPENSSL_cleanse(line, sizeof(line));
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Copies the next line of text (without its newline, surrounding blanks
 * dropped, lowercased) into line. Returns its length, or -1 at the end of
 * the text or when the line is too long (*too_long set). */
static int
share_next_line(const char **p, const char *end, char *line, size_t size, int *too_long)
{
	const char *s = *p, *e;
	size_t len;

	if (s >= end)
		return -1;
	for (e = s; e < end && *e != '\n'; e++)
		;
	*p = e < end ? e + 1 : e;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	len = (size_t)(e - s);
	if (len >= size) {
		*too_long = 1;
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		line[i] = (char)tolower((unsigned char)s[i]);
	line[len] = '\0';
	return (int)len;
}

/* Splits "WORDS CHECK" at its last space and verifies the check. */
static int
share_checked(char *line, int lineno, char *err, size_t err_size)
{
	char *sp = strrchr(line, ' '), want[9];

	if (sp == NULL || strlen(sp + 1) != 8) {
		snprintf(err, err_size, "line %d has no check at its end", lineno);
		return -1;
	}
	*sp = '\0';
	if (share_line_check(line, want) != 0 || strcmp(want, sp + 1) != 0) {
		snprintf(err, err_size, "line %d is damaged or mistyped: its check does not match",
		    lineno);
		return -1;
	}
	return 0;
}

/* Parses a whole decimal number in [min, max]. */
static int
share_number(const char *s, int min, int max, int *out)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* Whether s is exactly n lowercase hex digits. */
static int
share_is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The header: "pinca-share 1 ID INDEX COUNT THRESHOLD" (check removed). */
static int
share_parse_header(const char *line, struct share *out, char *err, size_t err_size)
{
	char magic[16], version[8], id[32], idx[8], cnt[8], thr[8], extra[2];

	if (sscanf(line, "%15s %7s %31s %7s %7s %7s %1s", magic, version, id, idx, cnt, thr,
	    extra) != 6 || strcmp(magic, "pinca-share") != 0) {
		snprintf(err, err_size, "not a pinca share (no 'pinca-share' header line)");
		return -1;
	}
	if (strcmp(version, "1") != 0) {
		snprintf(err, err_size, "share format version %s is not one this pinca reads",
		    version);
		return -1;
	}
	if (!share_is_hex(id, SHARES_ID_HEX) || share_number(cnt, 2, SHARES_MAX, &out->count) ||
	    share_number(thr, 2, out->count, &out->threshold) ||
	    share_number(idx, 1, out->count, &out->index)) {
		snprintf(err, err_size, "the header line's backup, index, count or threshold is "
		    "out of range");
		return -1;
	}
	memcpy(out->backup_id, id, SHARES_ID_HEX + 1);
	return 0;
}

/* The ssss line: "pinca<ID>-<INDEX>-<64 hex>" (check removed), which must
 * agree with the header. */
static int
share_parse_ssss(const char *line, struct share *out, char *err, size_t err_size)
{
	const char *d1 = strchr(line, '-'), *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
	char idx[8];
	int index;

	if (strncmp(line, "pinca", 5) != 0 || d1 == NULL || d2 == NULL || (size_t)(d2 - d1 - 1) >=
	    sizeof(idx)) {
		snprintf(err, err_size, "the share line is not of the form pincaID-INDEX-HEX");
		return -1;
	}
	if ((size_t)(d1 - line - 5) != SHARES_ID_HEX ||
	    strncmp(line + 5, out->backup_id, SHARES_ID_HEX) != 0) {
		snprintf(err, err_size, "the share line's backup is not the one its header names "
		    "(%s)", out->backup_id);
		return -1;
	}
	memcpy(idx, d1 + 1, (size_t)(d2 - d1 - 1));
	idx[d2 - d1 - 1] = '\0';
	if (share_number(idx, 1, SHARES_MAX, &index) != 0 || index != out->index) {
		snprintf(err, err_size, "the share line's index is not %d as its header says",
		    out->index);
		return -1;
	}
	if (!share_is_hex(d2 + 1, 2 * SHARES_SECRET_LEN)) {
		snprintf(err, err_size, "the share line's value is not %d hex digits",
		    2 * SHARES_SECRET_LEN);
		return -1;
	}
	for (int i = 0; i < SHARES_SECRET_LEN; i++) {
		unsigned v;
		sscanf(d2 + 1 + 2 * i, "%2x", &v);
		out->y[i] = (unsigned char)v;
	}
	return 0;
}

int
share_parse(const char *text, size_t len, struct share *out, char *err, size_t err_size)
{
	const char *p = text, *end = text + len;
	char line[SHARE_LINE_MAX];
	int n, lineno = 0, data = 0, too_long = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, err_size, "not a text file");
		return -1;
	}
	while ((n = share_next_line(&p, end, line, sizeof(line), &too_long)) >= 0) {
		lineno++;
		if (n == 0 || line[0] == '#')
			continue;
		if (data == 2) {
			snprintf(err, err_size, "line %d: unexpected text after the share", lineno);
			goto out;
		}
		if (share_checked(line, lineno, err, err_size) != 0)
			goto out;
		if (data == 0 && share_parse_header(line, out, err, err_size) != 0)
			goto out;
		if (data == 1 && share_parse_ssss(line, out, err, err_size) != 0)
			goto out;
		data++;
	}
	if (too_long)
		snprintf(err, err_size, "line %d is too long for a share", lineno + 1);
	else if (data < 2)
		snprintf(err, err_size, data ? "the share line is missing" :
		    "not a pinca share (no 'pinca-share' header line)");
	else
		rc = 0;
out:
	OPENSSL_cleanse(line, sizeof(line));
	if (rc != 0)
		OPENSSL_cleanse(out, sizeof(*out));
	return rc;
}
