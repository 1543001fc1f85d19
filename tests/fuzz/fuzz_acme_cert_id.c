/* fuzz_acme_cert_id: an RFC 9773 certificate ID from a renewalInfo URL or an
 * order's replaces (acme/renewal_info.c). An accepted ID gives a serial in
 * pinca's canonical form (lowercase hex) and a key identifier that fits. */
#include "acme/acme.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *id = fuzz_cstring(data, size), serial[128];
	unsigned char aki[64];
	size_t aki_len = sizeof(aki);

	if (acme_cert_id_serial(id, serial, sizeof(serial), aki, &aki_len) == 0) {
		FUZZ_ASSERT(aki_len > 0 && aki_len <= sizeof(aki));
		FUZZ_ASSERT(serial[0] != '\0' && strspn(serial, "0123456789abcdef") == strlen(serial));
	}
	free(id);
	return 0;
}
