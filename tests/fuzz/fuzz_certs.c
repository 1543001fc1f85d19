/* fuzz_certs: certs_parse (ca/cert.c, what certs_load_file reads), then the
 * per-certificate helpers every command runs on what it loaded: pin,
 * fingerprint, serial, subject CN and SAN names. The input is also given to
 * der_direct_read_cert_ec (ca/der_direct_cert.c, the signer's and db
 * check's reader) as DER: whatever it returns, d2i_X509 must read from the same bytes as the
 * same certificate with the same public key. */
#include <stdio.h>

#include <openssl/err.h>

#include "ca/cert.h"
#include "ca/der_direct.h"
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

/* The direct certificate reader gives the same certificate as d2i_X509, or none. */
static void
fuzz_cert_direct(const uint8_t *data, size_t size)
{
	X509 *fast = der_direct_read_cert_ec(data, size), *ref;
	const unsigned char *p = data;

	if (fast == NULL)
		return;
	ref = d2i_X509(NULL, &p, (long)size);
	FUZZ_ASSERT(ref != NULL && p == data + size);
	FUZZ_ASSERT(X509_cmp(fast, ref) == 0);
	FUZZ_ASSERT(EVP_PKEY_eq(X509_get0_pubkey(fast), X509_get0_pubkey(ref)) == 1);
	FUZZ_ASSERT(X509_NAME_cmp(X509_get_subject_name(fast), X509_get_subject_name(ref)) == 0);
	fuzz_one_cert(fast);
	X509_free(ref);
	X509_free(fast);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *certs = certs_parse(data, size, "fuzz input");

	fuzz_cert_direct(data, size);

	if (certs != NULL) {
		FUZZ_ASSERT(sk_X509_num(certs) > 0);
		for (int i = 0; i < sk_X509_num(certs) && i < 8; i++)
			fuzz_one_cert(sk_X509_value(certs, i));
	}
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return 0;
}
