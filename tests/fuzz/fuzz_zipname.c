/* fuzz_zipname: app_zip_name_safe (ca/appzip.c), which decides whether an
 * archive entry name may be carried. A safe name is relative, has no ".."
 * component, no empty or "." component inside, no backslash and no control
 * character. */
#include "ca/appread.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (!app_zip_name_safe(s, size))
		return 0;
	FUZZ_ASSERT(size > 0 && s[0] != '/');
	for (size_t i = 0; i < size; i++) {
		FUZZ_ASSERT(data[i] >= 0x20 && data[i] != 0x7f && data[i] != '\\');
		/* No ".." component: at the start or after a slash, followed by a
		 * slash or the end. */
		if ((i == 0 || s[i - 1] == '/') && i + 1 < size && s[i] == '.' && s[i + 1] == '.')
			FUZZ_ASSERT(i + 2 < size && s[i + 2] != '/');
	}
	return 0;
}
