/* text: outside text made safe to show. Names from CSRs and certificates,
 * and whatever the database holds, may carry a newline, terminal escape
 * sequences or bidirectional controls that rewrite what the operator sees
 * (a fake "expected pin" line over the real one). Every text printer of such
 * data goes through text_safe; names pinca stores are checked with
 * text_unsafe_at first. JSON output needs neither: jansson escapes it. */
#ifndef PINCA_TEXT_H
#define PINCA_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Room for a name of up to 64 characters escaped entirely (\xHH each). */
#define TEXT_SAFE_NAME 300

/* The offset of the first byte of s[0..len) that is not part of printable
 * UTF-8: a NUL, a C0 or C1 control, DEL, a bidirectional or line-separator
 * format character, or malformed UTF-8. -1 when there is none. */
long text_unsafe_at(const char *s, size_t len);
/* s as it may be printed: s itself when it is printable UTF-8 without a
 * backslash, else a copy in buf where every byte that is not (and every
 * backslash) is written \xHH (\\ for a backslash), cut with "..." to fit
 * size. NULL gives "". */
const char *text_safe(const char *s, char *buf, size_t size);

/* Writes s to f escaped as text_safe does, however long it is. */
void text_fputs(const char *s, FILE *f);

#endif
