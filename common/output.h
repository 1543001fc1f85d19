/* output: what commands print: JSON documents (jansson) and RFC 3339 times. */
#ifndef PINCA_OUTPUT_H
#define PINCA_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* Prints v to stdout as indented UTF-8 JSON plus a newline, then drops the
 * reference. Returns RC_OK or RC_FAIL. */
int json_print(json_t *v);
/* Prints v as one compact line (JSON lines output); drops the reference.
 * The caller flushes stdout when a run of lines is complete. */
int json_print_line(json_t *v);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void time_rfc3339(int64_t t, char *buf, size_t size);
/* Parses "YYYY-MM-DD" as midnight UTC; returns RC_OK or RC_FAIL. */
int date_parse(const char *s, int64_t *out);
/* The value of the hex digit c (either case), or -1 for any other byte. */
int hex_digit_value(int c);
/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void hex_encode(const unsigned char *in, size_t len, char *out);
/* Canonical serial: hex digits any case, colons allowed, as openssl prints
 * it. Writes lowercase hex without leading zero bytes into out (at least 65
 * bytes). Returns RC_OK, or RC_USAGE with a message. */
int serial_canonical(const char *in, char *out, size_t size);

#endif
