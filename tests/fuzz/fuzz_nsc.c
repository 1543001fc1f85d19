/* fuzz_nsc: an Android network security config as XML text
 * (appread_android_xml through libxml2, no res/ directory). An accepted
 * config gives a build that keeps the reader's contract. */
#include "tests/fuzz/fuzz_build_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_build b = { 0 };

	if (appread_android_xml(&b, data, size, NULL, "fuzz") == 0)
		fuzz_build_check(&b);
	app_build_free(&b);
	return 0;
}
