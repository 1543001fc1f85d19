/* fuzz_bundle: bundle_parse (ca/bundle.c, what `ca import` reads), then
 * bundle_prove_roots with the pin of each root in the file. Whatever the
 * input, a proof that succeeds must name as primary the root with the pin
 * asked for, and every root in the file must be that primary or the one
 * standby. */
#include <openssl/err.h>

#include "ca/bundle.h"
#include "ca/cert.h"
#include "common/err.h"
#include "tests/fuzz/fuzz.h"

/* Checks the contract of one successful proof. */
static void
fuzz_check_proof(const struct bundle *b, const char *pin, X509 *primary, X509 *standby)
{
	char have[PIN_LEN];

	FUZZ_ASSERT(primary != NULL && pin_of_cert(primary, have) == RC_OK && strcmp(have, pin) == 0);
	FUZZ_ASSERT(b->transcript != NULL && b->sig != NULL);
	for (int i = 1; i < sk_X509_num(b->certs); i++) {
		X509 *x = sk_X509_value(b->certs, i);
		FUZZ_ASSERT(X509_cmp(x, primary) == 0 || (standby && X509_cmp(x, standby) == 0));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle b;
	char pin[PIN_LEN];

	if (bundle_parse(data, size, "fuzz input", &b) != RC_OK) {
		ERR_clear_error();
		return 0;
	}
	FUZZ_ASSERT(sk_X509_num(b.certs) > 0);
	FUZZ_ASSERT(b.transcript == NULL || strlen(b.transcript) == b.transcript_len);
	for (int i = 1; i < sk_X509_num(b.certs) && i < 4; i++) {
		X509 *primary = NULL, *standby = NULL;
		if (pin_of_cert(sk_X509_value(b.certs, i), pin) != RC_OK)
			continue;
		if (bundle_prove_roots(&b, "fuzz input", pin, &primary, &standby) == RC_OK)
			fuzz_check_proof(&b, pin, primary, standby);
		else
			FUZZ_ASSERT(primary == NULL && standby == NULL);
	}
	bundle_clear(&b);
	ERR_clear_error();
	return 0;
}
