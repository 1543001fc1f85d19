/* crypto_init: process-wide OpenSSL settings, made once at start-up.
 *
 * The random generator. OpenSSL 3.0's default DRBG is CTR_DRBG with
 * AES-256-CTR; instantiating it fetches a cipher, and the first cipher fetch
 * of a process builds every cipher of the provider (about a third of the CPU
 * time of `pinca issue`). pinca makes no other use of a cipher when the CA
 * key is unencrypted, but it always fetches SHA-256. So the DRBGs are
 * Hash_DRBG with SHA-256 instead: like CTR_DRBG(AES-256) an SP 800-90A
 * Rev. 1 mechanism at a 256-bit security strength, seeded the same way (the
 * operating system's entropy source), and offered by the FIPS provider too.
 * openssl.cnf is still loaded: a [random] section there is applied after
 * this choice and wins, as do its provider settings.
 *
 * No clean-up at exit. OpenSSL's atexit handler frees every provider, name
 * map and cache it built (a twentieth of an issuance) just before the kernel
 * takes the whole address space back. pinca frees and wipes its own keys and
 * secrets itself (EVP_PKEY_free, secret_free) before it exits, and the
 * kernel never hands a freed page to another process without zeroing it. */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "common/crypto_init.h"

void
crypto_init(void)
{
	/* First: the atexit handler is registered by the first initialisation. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	/* Only fails if a DRBG already exists; OpenSSL's default then stays. */
	ERR_set_mark();
	RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256");
	ERR_pop_to_mark();
}
