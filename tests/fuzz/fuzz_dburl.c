/* fuzz_dburl: a PostgreSQL URL or key=value string as --db, PINCA_DB or a
 * CA directory's record gives it (common/dburl.c). Whatever the input, the
 * redacted form and the form without a password are NUL-terminated within
 * their buffers, a marked password never survives into either, and the form
 * without a password has nothing left to redact. */
#include <stdio.h>

#include "common/dburl.h"
#include "tests/fuzz/fuzz.h"

#define MARK "Zq9PaSs"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size), *url = malloc(size + 64);
	char shown[512], bare[512], again[512];

	if (url == NULL)
		abort();
	/* The input as is, and with a known password put where one goes. */
	dburl_redact(in, shown, sizeof(shown));
	FUZZ_ASSERT(memchr(shown, '\0', sizeof(shown)) != NULL);
	if (dburl_without_password(in, bare, sizeof(bare)) == 0) {
		dburl_redact(bare, again, sizeof(again));
		FUZZ_ASSERT(strcmp(again, bare) == 0);
	}
	snprintf(url, size + 64, "postgresql://u:" MARK "@%s", in);
	if (strchr(in, '@') == NULL && strchr(in, '/') == NULL && strchr(in, '?') == NULL &&
	    strstr(in, MARK) == NULL) {
		dburl_redact(url, shown, sizeof(shown));
		FUZZ_ASSERT(strstr(shown, MARK) == NULL);
		if (dburl_without_password(url, bare, sizeof(bare)) == 0)
			FUZZ_ASSERT(strstr(bare, MARK) == NULL);
	}
	free(url);
	free(in);
	return 0;
}
