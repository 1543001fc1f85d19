/* fuzz_serial: serial_canonical (common/output.c), the parser of every SERIAL
 * argument. An accepted serial must come out as lowercase hex of whole bytes,
 * at most 20 bytes, without a leading zero byte, and be a fixed point. */
#include <ctype.h>
#include <stdio.h>

#include "common/err.h"
#include "common/output.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);
	char out[65], again[65];
	int rc = serial_canonical(in, out, sizeof(out));

	if (rc == RC_OK) {
		size_t n = strlen(out);
		FUZZ_ASSERT(n >= 2 && n <= 40 && n % 2 == 0);
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(isdigit((unsigned char)out[i]) || (out[i] >= 'a' && out[i] <= 'f'));
		FUZZ_ASSERT(n == 2 || !(out[0] == '0' && out[1] == '0'));
		FUZZ_ASSERT(serial_canonical(out, again, sizeof(again)) == RC_OK);
		FUZZ_ASSERT(strcmp(out, again) == 0);
	} else {
		FUZZ_ASSERT(rc == RC_USAGE);
	}
	free(in);
	return 0;
}
