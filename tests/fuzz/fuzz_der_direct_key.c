/* fuzz_der_direct_key: the direct readers of CA keys and certificates
 * (ca/der_direct_key.c, ca/der_direct_cert.c) against OpenSSL's general
 * ones. Each may decline anything, but what it accepts the general reader
 * must accept too, with the same public key (keys) or the same certificate
 * (certificates). The same bytes go to both: as a PEM key file, and as
 * certificate DER. */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/der_direct.h"
#include "tests/fuzz/fuzz.h"

/* The key reader's key, if it takes one, must be the key OpenSSL reads. */
static void
check_key(const uint8_t *data, size_t size)
{
	EVP_PKEY *fast = NULL, *ref = NULL;
	BIO *bio;

	if (der_direct_read_key_ec(data, size, &fast) != DER_DIRECT_KEY_OK)
		return;
	FUZZ_ASSERT(fast != NULL);
	bio = BIO_new_mem_buf(data, (int)size);
	ref = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	FUZZ_ASSERT(ref != NULL && EVP_PKEY_eq(fast, ref) == 1);
	BIO_free(bio);
	EVP_PKEY_free(ref);
	EVP_PKEY_free(fast);
}

/* The certificate reader's certificate, if it makes one, must be d2i_X509's. */
static void
check_cert(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	unsigned char *der = NULL;
	X509 *fast = der_direct_read_cert_ec(data, size), *ref;
	int n;

	if (fast == NULL)
		return;
	ref = d2i_X509(NULL, &p, (long)size);
	FUZZ_ASSERT(ref != NULL && p == data + size && X509_cmp(fast, ref) == 0);
	n = i2d_X509(fast, &der);
	FUZZ_ASSERT(n > 0 && (size_t)n == size && memcmp(der, data, size) == 0);
	OPENSSL_free(der);
	X509_free(ref);
	X509_free(fast);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_key(data, size);
	check_cert(data, size);
	ERR_clear_error();
	return 0;
}
