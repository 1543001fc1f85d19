/* der: the few DER pieces (X.690) that pinca writes by hand, for the
 * encoders that run once per CRL entry or per leaf: a growing buffer, tag
 * and length headers, times, serials and small integers. */
#ifndef PINCA_DER_H
#define PINCA_DER_H

#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer; on out of memory it remembers the failure and
 * later puts do nothing. */
struct dbuf {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

/* Makes room for n more bytes; returns 0 or -1 (out of memory). */
int dbuf_reserve(struct dbuf *b, size_t n);
void dbuf_put(struct dbuf *b, const void *data, size_t n);
/* Appends a tag and definite length. */
void dbuf_header(struct dbuf *b, unsigned char tag, size_t len);

/* Turns the bytes from offset start to the end into the content of one
 * TLV with the given tag (the header goes in front of them). */
void dbuf_wrap(struct dbuf *b, size_t start, unsigned char tag);
/* Reads one TLV of a trusted encoding at *p (before end): its tag, content
 * and length; moves *p past it. Returns 0, or -1 if it does not fit. */
int der_next(const unsigned char **p, const unsigned char *end, unsigned char *tag,
    const unsigned char **content, size_t *len);

/* Writes a DER tag and definite length (X.690 8.1.3) to out; returns the
 * number of bytes (at most 6 for lengths below 2^32). */
size_t der_header(unsigned char *out, unsigned char tag, size_t len);
/* The length of der_header()'s output for len. */
size_t der_header_len(size_t len);
/* Encodes t as UTCTime up to 2049 and GeneralizedTime from 2050 (RFC 5280
 * 4.1.2.5 and 5.1.2.4), "Z" and seconds always present. Returns the length
 * (15 or 17) or 0 for a time outside 1950..9999. */
size_t der_time(unsigned char *out, int64_t t);
/* Encodes a hex serial as a positive DER INTEGER (a 00 octet in front when
 * the top bit is set, no leading zero octets). Returns the length (at most
 * 23) or 0 if the text is not 1..40 hex digits. */
size_t der_serial(unsigned char *out, const char *hex);
/* A positive INTEGER from a non-negative 64-bit number (at most 11 bytes). */
size_t der_int64(unsigned char *out, int64_t v);

#endif
