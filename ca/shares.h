/* shares: Shamir's secret sharing of a backup's 32-byte secret, in the
 * arithmetic and share syntax of ssss 0.5 (Debian's `ssss-split` and
 * `ssss-combine`), so the secret can be recovered without pinca; and the
 * share files pinca writes around those lines, each line with its own check,
 * so a damaged or foreign share is named before any arithmetic. */
#ifndef PINCA_SHARES_H
#define PINCA_SHARES_H

#include <stddef.h>

#define SHARES_SECRET_LEN 32	/* bytes: one element of GF(2^256) */
#define SHARES_MAX 255		/* shares per backup */
#define SHARES_ID_HEX 12	/* backup identifier: 6 random bytes as hex */
#define SHARES_FILE_MAX 4096	/* a share file is a few hundred bytes */

/* One share as read from or written to a share file. */
struct share {
	char backup_id[SHARES_ID_HEX + 1];
	int index;		/* x coordinate, 1..count */
	int count;		/* shares made */
	int threshold;		/* shares needed */
	unsigned char y[SHARES_SECRET_LEN];	/* big-endian field element */
};

/* Splits secret into out[0..count) (indexes 1..count), any threshold of
 * which recombine it (2 <= threshold <= count <= SHARES_MAX). The random
 * coefficients come from OpenSSL's private generator and are wiped.
 * Returns 0, or -1 on bad parameters or a failing generator. */
int shares_split(const unsigned char secret[SHARES_SECRET_LEN], int count, int threshold,
    const char *backup_id, struct share *out);
/* Recombines the secret from the first `threshold` shares of sh (distinct
 * indexes, checked by the caller). Returns 0, or -1 if fewer are given or
 * two indexes are equal. */
int shares_combine(const struct share *sh, int n, unsigned char secret[SHARES_SECRET_LEN]);
/* The share line `ssss-combine -x` reads: pinca<ID>-<INDEX>-<64 hex>, the
 * index zero-padded to the width of count as ssss-split writes it. */
int share_ssss_line(const struct share *s, char *buf, size_t size);
/* The whole share file: comment lines saying what it is, a header line and
 * the ssss line, each ending in its check. Returns 0 or -1 (buffer short). */
int share_format(const struct share *s, char *buf, size_t size);
/* Parses a share file's text. Returns 0 with *out filled, or -1 with one
 * sentence in err saying what is wrong and on which line; never prints.
 * The caller wipes out after use. */
int share_parse(const char *text, size_t len, struct share *out, char *err, size_t err_size);
/* The check of one line: the first 8 hex digits of SHA-256 of its words
 * before the check, joined by single spaces. */
int share_line_check(const char *words, char check[9]);

#endif
