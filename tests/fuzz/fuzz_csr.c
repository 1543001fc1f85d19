/* fuzz_csr: csr_parse (ca/csr.c) on PEM or DER bytes. An accepted CSR must
 * come with its public key and one of the four key types pinca allows. */
#include <stdio.h>
#include <unistd.h>

#include <openssl/err.h>

#include "ca/csr.h"
#include "common/err.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_REQ *req = NULL;
	EVP_PKEY *pub = NULL;
	enum key_type type;
	int rc = csr_parse(data, size, "fuzz input", &req, &pub, &type);

	if (rc == RC_OK) {
		FUZZ_ASSERT(req != NULL && pub != NULL);
		FUZZ_ASSERT(type == KEY_EC_P256 || type == KEY_EC_P384 || type == KEY_RSA_2048 ||
		    type == KEY_RSA_4096);
		FUZZ_ASSERT(X509_REQ_verify(req, pub) == 1);
	} else {
		FUZZ_ASSERT(req == NULL && pub == NULL);
		FUZZ_ASSERT(rc == RC_FAIL || rc == RC_POLICY);
	}
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	ERR_clear_error();
	return 0;
}
