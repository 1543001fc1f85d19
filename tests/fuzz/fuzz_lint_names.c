/* fuzz_lint_names: lint_dns_name and lint_ip_address (issue/lint.c), which
 * every requested leaf name goes through (--dns, --ip, batch lines, CSR SANs).
 * An accepted DNS name comes out lowercase, printable LDH (plus one leading
 * "*." wildcard), at most 253 octets, and is a fixed point; an accepted IP
 * comes out in the canonical text that inet_pton reads back to the same bytes. */
#include <arpa/inet.h>
#include <ctype.h>

#include "common/err.h"
#include "issue/lint.h"
#include "tests/fuzz/fuzz.h"

static void
check_dns(const char *in)
{
	char out[256], again[256];

	if (lint_dns_name(in, out, sizeof(out)) != RC_OK)
		return;
	size_t n = strlen(out);
	FUZZ_ASSERT(n > 0 && n <= 253 && n == strlen(in));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		FUZZ_ASSERT(islower(c) || isdigit(c) || c == '-' || c == '.' || (c == '*' && i == 0));
	}
	FUZZ_ASSERT(out[0] != '.' && out[n - 1] != '.' && out[n - 1] != '-' && strstr(out, "..") == NULL);
	/* Never an IP literal: the last label has a letter or a hyphen. */
	const char *last = strrchr(out, '.') ? strrchr(out, '.') + 1 : out;
	FUZZ_ASSERT(strspn(last, "0123456789") < strlen(last));
	FUZZ_ASSERT(lint_dns_name(out, again, sizeof(again)) == RC_OK && strcmp(out, again) == 0);
	/* A short output buffer is refused, never overrun. */
	char small[4];
	if (n >= sizeof(small))
		FUZZ_ASSERT(lint_dns_name(in, small, sizeof(small)) != RC_OK);
}

static void
check_ip(const char *in)
{
	char out[64], again[64];
	unsigned char a[16], b[16];

	if (lint_ip_address(in, out, sizeof(out)) != RC_OK)
		return;
	FUZZ_ASSERT(lint_ip_address(out, again, sizeof(again)) == RC_OK && strcmp(out, again) == 0);
	FUZZ_ASSERT(strcmp(out, "0.0.0.0") && strcmp(out, "255.255.255.255") && strcmp(out, "::"));
	if (inet_pton(AF_INET, in, a) == 1)
		FUZZ_ASSERT(inet_pton(AF_INET, out, b) == 1 && memcmp(a, b, 4) == 0);
	else
		FUZZ_ASSERT(inet_pton(AF_INET6, in, a) == 1 && inet_pton(AF_INET6, out, b) == 1 &&
		    memcmp(a, b, 16) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);

	check_dns(in);
	check_ip(in);
	free(in);
	return 0;
}
