/* nonce: RFC 8555 §6.5 anti-replay nonces. A nonce is a sequence number
 * and a MAC of it under a key made at start-up, so nothing per nonce is
 * stored until it is used; a bitmap over the last NONCE_WINDOW numbers
 * records use. A nonce older than the window, from an earlier run, or
 * used once already is refused (badNonce), and clients ask for another. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <jose/b64.h>

#include "acme/acme.h"

#define NONCE_MAC 16

int
nonce_pool_init(struct nonce_pool *np)
{
	memset(np, 0, sizeof(*np));
	if (RAND_bytes(np->key, sizeof(np->key)) != 1 ||
	    (np->used = calloc(NONCE_WINDOW / 8, 1)) == NULL)
		return -1;
	np->next = 1;
	return pthread_mutex_init(&np->mu, NULL) == 0 ? 0 : -1;
}

void
nonce_pool_free(struct nonce_pool *np)
{
	OPENSSL_cleanse(np->key, sizeof(np->key));
	free(np->used);
	np->used = NULL;
	pthread_mutex_destroy(&np->mu);
}

/* The raw nonce: 8 bytes of sequence number, then its truncated MAC. */
static void
nonce_raw(const struct nonce_pool *np, uint64_t seq, unsigned char raw[8 + NONCE_MAC])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	for (int i = 0; i < 8; i++)
		raw[i] = (unsigned char)(seq >> (56 - 8 * i));
	HMAC(EVP_sha256(), np->key, sizeof(np->key), raw, 8, mac, &mac_len);
	memcpy(raw + 8, mac, NONCE_MAC);
}

void
nonce_new(struct nonce_pool *np, char out[64])
{
	unsigned char raw[8 + NONCE_MAC];
	uint64_t seq;
	size_t n;

	pthread_mutex_lock(&np->mu);
	seq = np->next++;
	/* The slot the window moves onto is free again. */
	np->used[(seq % NONCE_WINDOW) / 8] &= (unsigned char)~(1u << (seq % 8));
	pthread_mutex_unlock(&np->mu);
	nonce_raw(np, seq, raw);
	n = jose_b64_enc_buf(raw, sizeof(raw), out, 63);
	out[n == SIZE_MAX ? 0 : n] = '\0';
}

int
nonce_use(struct nonce_pool *np, const char *nonce)
{
	unsigned char raw[8 + NONCE_MAC + 4], want[8 + NONCE_MAC];
	size_t len = strlen(nonce), n;
	uint64_t seq = 0;
	int ok = 0;

	if (len == 0 || len > 40)
		return 0;
	n = jose_b64_dec_buf(nonce, len, NULL, 0);
	if (n != 8 + NONCE_MAC || jose_b64_dec_buf(nonce, len, raw, sizeof(raw)) != n)
		return 0;
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | raw[i];
	nonce_raw(np, seq, want);
	if (CRYPTO_memcmp(raw, want, sizeof(want)) != 0)
		return 0;
	pthread_mutex_lock(&np->mu);
	if (seq < np->next && np->next - seq <= NONCE_WINDOW) {
		unsigned char *byte = &np->used[(seq % NONCE_WINDOW) / 8], bit = (unsigned char)(1u << (seq % 8));
		ok = !(*byte & bit);
		*byte |= bit;
	}
	pthread_mutex_unlock(&np->mu);
	return ok;
}
