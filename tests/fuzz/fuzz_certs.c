/* fuzz_certs: certs_parse (ca/cert.c, what certs_load_file reads), then the
 * per-certificate helpers every command runs on what it loaded: pin,
 * fingerprint, serial, subject CN and SAN names. */
#include <stdio.h>

#include <openssl/err.h>

#include "ca/cert.h"
#include "common/err.h"
#include "tests/fuzz/fuzz.h"

/* Runs the helpers on one certificate and checks their output forms. */
static void
fuzz_one_cert(X509 *x)
{
	char pin[PIN_LEN], fp[65], serial[SERIAL_HEX_MAX], cn[256];
	char *dns = NULL, *ip = NULL;

	if (pin_of_cert(x, pin) == RC_OK)
		FUZZ_ASSERT(pin_is_valid(pin));
	if (cert_fingerprint(x, fp) == RC_OK)
		FUZZ_ASSERT(strlen(fp) == 64);
	if (cert_serial_hex(x, serial) == RC_OK)
		FUZZ_ASSERT(strlen(serial) < SERIAL_HEX_MAX);
	cert_subject_cn(x, cn, sizeof(cn));
	FUZZ_ASSERT(strlen(cn) < sizeof(cn));
	if (cert_names_json(x, &dns, &ip) == RC_OK)
		FUZZ_ASSERT(dns != NULL && ip != NULL && dns[0] == '[' && ip[0] == '[');
	free(dns);
	free(ip);
	(void)asn1_time_unix(X509_get0_notBefore(x));
	(void)asn1_time_unix(X509_get0_notAfter(x));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *certs = certs_parse(data, size, "fuzz input");

	if (certs != NULL) {
		FUZZ_ASSERT(sk_X509_num(certs) > 0);
		for (int i = 0; i < sk_X509_num(certs) && i < 8; i++)
			fuzz_one_cert(sk_X509_value(certs, i));
	}
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return 0;
}
