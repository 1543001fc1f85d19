/* digest: fetched-once message digests (see digest.h). */
#include "common/digest.h"

const EVP_MD *
digest_md(enum digest_alg alg)
{
	static const char *const names[] = { "SHA1", "SHA256", "SHA384", "SHA512" };
	static EVP_MD *fetched[4];

	if ((unsigned)alg >= sizeof(names) / sizeof(names[0]))
		return NULL;
	if (fetched[alg] == NULL)
		fetched[alg] = EVP_MD_fetch(NULL, names[alg], NULL);
	return fetched[alg];
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
