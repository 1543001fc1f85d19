/* fuzz_pkcs11_uri: p11_uri_parse (ca/pkcs11.c), the parser of every
 * --key-uri and of the URIs kept in the CA records. Anything it refuses is
 * a usage error; a URI carrying a PIN is always refused; an accepted URI,
 * written back by p11_uri_format, parses again to the same selection. */
#include <strings.h>

#include "ca/pkcs11.h"
#include "common/err.h"
#include "tests/fuzz/fuzz.h"

/* The attributes a formatted URI carries (module-path is not written, and
 * type=private always is). */
#define KEPT (P11_HAS_TOKEN | P11_HAS_MANUFACTURER | P11_HAS_MODEL | P11_HAS_SERIAL | \
    P11_HAS_OBJECT | P11_HAS_ID)

/* Whether an attribute of the URI (in the path, split at ';', or the query,
 * split at '&') is named pin-value or pin-source. */
static int
names_a_pin(const char *uri)
{
	const char *q = strchr(uri, '?');

	for (const char *p = uri + 7; *p; p++) {
		int start = p == uri + 7 || (q && p == q + 1) || (q && p > q ? p[-1] == '&' : p[-1] == ';');
		if (start && (strncmp(p, "pin-value=", 10) == 0 || strncmp(p, "pin-source=", 11) == 0))
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);
	char out[P11_URI_MAX * 4];
	struct p11_uri u, again;
	int rc = p11_uri_parse(in, &u);

	if (rc == RC_OK) {
		FUZZ_ASSERT(strncasecmp(in, "pkcs11:", 7) == 0);
		FUZZ_ASSERT(!names_a_pin(in));
		if (p11_uri_format(&u, out, sizeof(out)) == RC_OK) {
			FUZZ_ASSERT(p11_uri_parse(out, &again) == RC_OK);
			FUZZ_ASSERT((again.has & KEPT) == (u.has & KEPT));
			FUZZ_ASSERT(strcmp(again.token, u.token) == 0);
			FUZZ_ASSERT(strcmp(again.manufacturer, u.manufacturer) == 0);
			FUZZ_ASSERT(strcmp(again.model, u.model) == 0);
			FUZZ_ASSERT(strcmp(again.serial, u.serial) == 0);
			FUZZ_ASSERT(strcmp(again.object, u.object) == 0);
			FUZZ_ASSERT(again.id_len == u.id_len && memcmp(again.id, u.id, u.id_len) == 0);
		}
	} else {
		FUZZ_ASSERT(rc == RC_USAGE);
	}
	free(in);
	return 0;
}
