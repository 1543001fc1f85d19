/* fuzz_csr_names: the names a CSR asks for (leaf_request_names_from_csr,
 * issue/leaf.c). The CSR's signature is no barrier (anyone can sign a hostile
 * CSR with their own key), so this reads the request without verifying it
 * and lets the SAN reader and the name lints loose on whatever it holds. */
#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/err.h"
#include "issue/leaf.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct leaf_request req;
	const unsigned char *p = data;
	X509_REQ *csr = NULL;

	if (size > 0 && data[0] == '-') {
		BIO *b = BIO_new_mem_buf(data, (int)size);
		csr = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		csr = d2i_X509_REQ(NULL, &p, (long)size);
	}
	if (csr != NULL) {
		memset(&req, 0, sizeof(req));
		int rc = leaf_request_names_from_csr(&req, csr);
		FUZZ_ASSERT(req.ndns >= 0 && req.nip >= 0 && req.ndns + req.nip <= LEAF_MAX_NAMES);
		for (int i = 0; rc == RC_OK && i < req.ndns; i++)
			FUZZ_ASSERT(req.dns[i] != NULL && strlen(req.dns[i]) <= 253);
		leaf_request_clear(&req);
		X509_REQ_free(csr);
	}
	ERR_clear_error();
	return 0;
}
