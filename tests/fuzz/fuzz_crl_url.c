/* fuzz_crl_url: crl_url_valid (ca/crl_url.c), the check on every CRL URL
 * (init --crl-url, ca intermediate --crl-url, ca set-crl-url) before it is
 * written into certificates as one URI. An accepted URL starts "http://",
 * has something after it, is at most 1024 characters, and holds only
 * printable ASCII other than space and comma. */
#include "ca/crl_url.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);
	const char *why = NULL;
	size_t len = strlen(in);

	if (crl_url_valid(in, &why)) {
		FUZZ_ASSERT(strncmp(in, "http://", 7) == 0 && len > 7 && len <= 1024);
		for (size_t i = 0; i < len; i++)
			FUZZ_ASSERT(in[i] > ' ' && in[i] < 0x7f && in[i] != ',');
	} else {
		FUZZ_ASSERT(why != NULL && *why != '\0');
	}
	free(in);
	return 0;
}
