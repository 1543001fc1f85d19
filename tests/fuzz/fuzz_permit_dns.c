/* fuzz_permit_dns: permit_dns_valid (ca/authority.c), the check on every
 * --permit-dns name constraint. An accepted name is LDH labels of 1 to 63
 * characters, not starting or ending with '-', at most 253 characters. */
#include <ctype.h>

#include "ca/authority.h"
#include "tests/fuzz/fuzz.h"

/* The same rule written independently of the code under test. */
static int
reference_valid(const char *d)
{
	size_t len = strlen(d);
	const char *label = d;

	if (len == 0 || len > 253)
		return 0;
	for (;;) {
		const char *dot = strchr(label, '.');
		size_t n = dot ? (size_t)(dot - label) : strlen(label);
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!(isalnum((unsigned char)label[i]) || label[i] == '-'))
				return 0;
		if (dot == NULL)
			return 1;
		label = dot + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);

	FUZZ_ASSERT(!permit_dns_valid(in) == !reference_valid(in));
	free(in);
	return 0;
}
