/* digest: fetched-once message digests (see digest.h). */
#include <pthread.h>

#include "common/digest.h"

static const char *const digest_names[] = { "SHA1", "SHA256", "SHA384", "SHA512" };
#define DIGEST_COUNT (sizeof(digest_names) / sizeof(digest_names[0]))
/* Fetched once for the process (pthread_once: the server's threads hash at
 * the same time), then only read. */
static EVP_MD *digest_fetched[DIGEST_COUNT];
static pthread_once_t digest_once = PTHREAD_ONCE_INIT;

/* Fetches every implementation (pthread_once routine). */
static void
digest_fetch_all(void)
{
	for (size_t i = 0; i < DIGEST_COUNT; i++)
		digest_fetched[i] = EVP_MD_fetch(NULL, digest_names[i], NULL);
}

const EVP_MD *
digest_md(enum digest_alg alg)
{
	if ((unsigned)alg >= DIGEST_COUNT || pthread_once(&digest_once, digest_fetch_all) != 0)
		return NULL;
	return digest_fetched[alg];
}

size_t
digest(enum digest_alg alg, const void *data, size_t len, unsigned char *out)
{
	const EVP_MD *md = digest_md(alg);
	unsigned int n = 0;

	if (md == NULL || !EVP_Digest(data, len, out, &n, md, NULL))
		return 0;
	return n;
}
