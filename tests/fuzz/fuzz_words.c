/* fuzz_words: the option words with fixed vocabularies: --reason
 * (crl_reason_parse, revoke/crl.c), --key (key_type_parse, ca/keys.c) and
 * pins --format (pin_format_parse, ca/pin_formats.c). An accepted word maps
 * to a valid code whose name parses back to the same code. */
#include <strings.h>

#include "ca/keys.h"
#include "ca/pin_formats.h"
#include "common/err.h"
#include "revoke/crl.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);
	enum key_type kt;
	enum pin_format pf;
	int code = crl_reason_parse(in), rc;

	if (code >= 0) {
		/* RFC 5280 5.3.1: 0..10, and 7 is not used. */
		FUZZ_ASSERT(code <= 10 && code != 7);
		FUZZ_ASSERT(strcasecmp(crl_reason_name(code), in) == 0);
		FUZZ_ASSERT(crl_reason_parse(crl_reason_name(code)) == code);
	} else {
		FUZZ_ASSERT(code == -1);
	}
	rc = key_type_parse(in, &kt);
	if (rc == RC_OK)
		FUZZ_ASSERT(strcasecmp(key_type_name(kt), in) == 0);
	else
		FUZZ_ASSERT(rc == RC_USAGE || rc == RC_POLICY);
	if (pin_format_parse(in, &pf) == RC_OK)
		FUZZ_ASSERT(pf >= PIN_FORMAT_TEXT && pf <= PIN_FORMAT_HPKP);
	free(in);
	return 0;
}
