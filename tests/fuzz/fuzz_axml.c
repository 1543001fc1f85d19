/* fuzz_axml: Android binary XML (ca/axml.c) read as a compiled network
 * security config (appread_android_binary_xml), and the same bytes read as
 * a resources.arsc table for a few resource ids. An accepted config gives a
 * build that keeps the reader's contract (fuzz_build_check.h). */
#include "ca/axml.h"
#include "tests/fuzz/fuzz_build_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_build b = { 0 };
	const uint32_t ids[] = { 0x7f030000, 0x7f020000, 0x7f010001, 0x01010527 };

	if (appread_android_binary_xml(&b, data, size, "fuzz") == 0)
		fuzz_build_check(&b);
	app_build_free(&b);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char *s = arsc_resolve_string(data, size, ids[i]);
		FUZZ_ASSERT(s == NULL || strlen(s) <= size * 3);
		free(s);
	}
	return 0;
}
