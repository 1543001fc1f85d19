/* fuzz_text: text_unsafe_at and text_safe (common/text.c), which stand
 * between hostile names and the operator's terminal. Whatever the input,
 * what text_safe returns must be printable UTF-8 that fits the buffer, and
 * equal the input exactly when the input was printable without a backslash. */
#include "common/text.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size), small[16], big[TEXT_SAFE_NAME];
	size_t len = strlen(s);
	long at = text_unsafe_at(s, len);
	const char *out;

	FUZZ_ASSERT(at >= -1 && at < (long)len + (len == 0));
	FUZZ_ASSERT(text_unsafe_at((const char *)data, size) <= (memchr(data, '\0', size) ?
	    (long)((const uint8_t *)memchr(data, '\0', size) - data) : (long)size));
	out = text_safe(s, big, sizeof(big));
	FUZZ_ASSERT(text_unsafe_at(out, strlen(out)) == -1);
	if (at == -1 && strchr(s, '\\') == NULL)
		FUZZ_ASSERT(out == s);
	else
		FUZZ_ASSERT(strlen(out) < sizeof(big));
	out = text_safe(s, small, sizeof(small));
	FUZZ_ASSERT(text_unsafe_at(out, strlen(out)) == -1);
	FUZZ_ASSERT(out == s || strlen(out) < sizeof(small));
	free(s);
	return 0;
}
