/* fuzz_der_direct_csr: the direct reader of P-256 CSRs (ca/der_direct_csr.c,
 * the batch fast path) against the reference reader (csr_parse). The
 * direct reader may decline anything, but what it accepts the reference must
 * accept too, with the same public key: a hostile CSR must never get through
 * the direct reader alone, and the SPKI it hands to the leaf encoder must be
 * the reference key's normal form. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "ca/csr.h"
#include "common/err.h"
#include "ca/der_direct.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *fast = NULL, *ref = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = NULL;
	enum key_type type;
	unsigned char *a = NULL, *b = NULL, spki[DER_DIRECT_P256_SPKI_LEN];
	size_t alen = 0, blen = 0;

	pinca_err_clear();
	if (der_direct_read_csr_p256(data, size, &fast, &exts, spki) == 1) {
		FUZZ_ASSERT(fast != NULL);
		FUZZ_ASSERT(csr_parse(data, size, "fuzz input", &req, &ref, &type) == RC_OK);
		FUZZ_ASSERT(type == KEY_EC_P256);
		FUZZ_ASSERT(spki_der_of_pkey(fast, &a, &alen) == RC_OK);
		FUZZ_ASSERT(spki_der_of_pkey(ref, &b, &blen) == RC_OK);
		FUZZ_ASSERT(alen == blen && memcmp(a, b, alen) == 0);
		/* The SPKI the leaf will carry is the reference key's, normalised. */
		FUZZ_ASSERT(blen == sizeof(spki) && memcmp(spki, b, blen) == 0);
	}
	pinca_err_clear();	/* a line the parsers recorded: the input was bad, no more */
	OPENSSL_free(a);
	OPENSSL_free(b);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	EVP_PKEY_free(fast);
	EVP_PKEY_free(ref);
	ERR_clear_error();
	return 0;
}
