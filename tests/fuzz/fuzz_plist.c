/* fuzz_plist: an Info.plist, XML or binary (appread_ios_plist: the nesting
 * measured before libplist parses it, then NSPinnedDomains and TrustKit's
 * TSKConfiguration read). An accepted plist gives a build that keeps the
 * reader's contract (fuzz_build_check.h). */
#include "tests/fuzz/fuzz_build_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_build b = { 0 };

	if (appread_ios_plist(&b, data, size, "fuzz") == 0)
		fuzz_build_check(&b);
	app_build_free(&b);
	return 0;
}
