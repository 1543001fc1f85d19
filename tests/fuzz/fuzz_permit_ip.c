/* fuzz_permit_ip: permit_ip_parse (ca/constraints.c), the check on every
 * --permit-ip name constraint. An accepted range is an IPv4 or IPv6 address,
 * optionally "/" and a prefix no longer than the address, with no address
 * bit set past the prefix; its mask is that many leading one bits. */
#include <arpa/inet.h>

#include "ca/constraints.h"
#include "common/err.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size), *slash;
	struct permit_ip r;
	const char *why = NULL;
	unsigned char raw[16];
	int ones = 0, seen_zero = 0;

	if (permit_ip_parse(in, &r, &why) == RC_OK) {
		FUZZ_ASSERT(r.len == 4 || r.len == 16);
		if ((slash = strchr(in, '/')) != NULL)
			*slash = '\0';
		FUZZ_ASSERT(inet_pton(r.len == 4 ? AF_INET : AF_INET6, in, raw) == 1);
		FUZZ_ASSERT(memcmp(raw, r.addr, (size_t)r.len) == 0);
		for (int i = 0; i < r.len * 8; i++) {
			int bit = (r.mask[i / 8] >> (7 - i % 8)) & 1;
			FUZZ_ASSERT(!(bit && seen_zero));	/* contiguous mask */
			seen_zero |= !bit;
			ones += bit;
			FUZZ_ASSERT(bit || !((r.addr[i / 8] >> (7 - i % 8)) & 1));
		}
		FUZZ_ASSERT(slash != NULL || ones == r.len * 8);
	} else {
		FUZZ_ASSERT(why != NULL && *why != '\0');
	}
	free(in);
	return 0;
}
