/* fuzz.h: shared by the libFuzzer targets in tests/fuzz/. Each target feeds
 * hostile bytes to one of pinca's parsers and checks what it can about the
 * answer (an accepted input must satisfy the parser's own contract). */
#ifndef PINCA_FUZZ_H
#define PINCA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (new buffer, caller frees). Embedded
 * NULs cut it short, as they would on a command line. */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A contract violation: crash so libFuzzer keeps the input. */
/* The targets print pinca's one-line refusals to stderr; tools/fuzz.sh runs
 * them with -close_fd_mask=2 so only libFuzzer's own output shows. */
#define FUZZ_ASSERT(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

#endif
