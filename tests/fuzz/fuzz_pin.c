/* fuzz_pin: pin_is_valid (ca/cert.c), which guards every --pin. A valid pin
 * is "sha256/" plus the padded base64 of exactly 32 bytes, and re-encoding
 * those bytes gives the same text. */
#include <openssl/evp.h>

#include "ca/cert.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);

	if (pin_is_valid(in)) {
		unsigned char raw[48];
		unsigned char text[64];
		FUZZ_ASSERT(strlen(in) == 51 && strncmp(in, "sha256/", 7) == 0);
		FUZZ_ASSERT(EVP_DecodeBlock(raw, (const unsigned char *)in + 7, 44) == 33);
		FUZZ_ASSERT(EVP_EncodeBlock(text, raw, 32) == 44);
		FUZZ_ASSERT(memcmp(text, in + 7, 44) == 0);
	}
	free(in);
	return 0;
}
