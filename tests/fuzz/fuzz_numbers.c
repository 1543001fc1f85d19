/* fuzz_numbers: the small option-value parsers every command uses:
 * opts_parse_long (--days and friends, common/opts.c) and date_parse
 * (--expiration YYYY-MM-DD, common/output.c). An accepted number is within
 * its bounds; an accepted date is ten characters and falls on midnight UTC. */
#include <stdio.h>

#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "tests/fuzz/fuzz.h"

static const struct opt_spec fuzz_opts[] = { OPT_END_SPEC };
static const struct cmd_help fuzz_help = { "fuzz", "", "", fuzz_opts };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);
	long v = 0;
	int64_t t = 0;

	if (opts_parse_long(&fuzz_help, "days", in, 1, 36500, &v) == RC_OK)
		FUZZ_ASSERT(v >= 1 && v <= 36500);
	if (date_parse(in, &t) == RC_OK) {
		/* strptime rolls "2026-02-30" over to March and takes " 1" for
		 * "01"; pins --expiration refuses a date that does not print back
		 * as given, so only midnight UTC is asserted here. */
		char back[32];
		time_rfc3339(t, back, sizeof(back));
		FUZZ_ASSERT(strlen(in) == 10);
		FUZZ_ASSERT(strcmp(back + strlen(back) - 10, "T00:00:00Z") == 0);
	}
	free(in);
	return 0;
}
