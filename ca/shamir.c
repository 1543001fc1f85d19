/* shamir: the arithmetic of the backup shares, compatible with ssss 0.5 so
 * that Debian's `ssss-combine -x` recombines pinca's shares.
 *
 * The facts it follows (ssss's documented and observed behaviour):
 *  - the secret is one element of GF(2^256), the field GF(2)[x] modulo
 *    x^256 + x^10 + x^5 + x^2 + 1; a share is the point (i, P(i)) for
 *    i = 1..n, with i read as a field element;
 *  - P(x) = x^t + c[t-1] x^(t-1) + ... + c[1] x + c[0]: ssss adds a monic
 *    x^t term (it neither adds nor removes security; recombination takes it
 *    off again), c[1..t-1] are random;
 *  - c[0] is not the secret itself but the secret after a "diffusion
 *    layer" (ssss 0.2 and later, for fields of 64 bits and more): the
 *    32 bytes, laid out as 16-bit big-endian words least significant word
 *    first, are run through 640 overlapping 64-bit XTEA encryptions with
 *    an all-zero key, at byte offsets 0, 2, 4, ... modulo 32. Recombining
 *    undoes them in reverse order.
 * Field elements are four 64-bit limbs, least significant first; every
 * operation on them is branch-free in the data. */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ca/shares.h"

typedef struct {
	uint64_t w[4];
} gf256;

/* Reads a 32-byte big-endian element. */
static void
gf_from_bytes(gf256 *a, const unsigned char b[32])
{
	for (int limb = 0; limb < 4; limb++) {
		uint64_t v = 0;
		for (int i = 0; i < 8; i++)
			v = v << 8 | b[(3 - limb) * 8 + i];
		a->w[limb] = v;
	}
}

/* Writes an element as 32 big-endian bytes. */
static void
gf_to_bytes(const gf256 *a, unsigned char b[32])
{
	for (int limb = 0; limb < 4; limb++)
		for (int i = 0; i < 8; i++)
			b[(3 - limb) * 8 + i] = (unsigned char)(a->w[limb] >> (56 - 8 * i));
}

static void
gf_add(gf256 *r, const gf256 *a)
{
	for (int i = 0; i < 4; i++)
		r->w[i] ^= a->w[i];
}

/* r = a * b: shift-and-add from b's top bit down, reducing by
 * x^256 = x^10 + x^5 + x^2 + 1 (0x425) at each shift. r may alias a or b. */
static void
gf_mul(gf256 *r, const gf256 *a, const gf256 *b)
{
	gf256 acc = { { 0, 0, 0, 0 } }, aa = *a, bb = *b;

	for (int bit = 255; bit >= 0; bit--) {
		uint64_t carry = acc.w[3] >> 63, take;
		acc.w[3] = acc.w[3] << 1 | acc.w[2] >> 63;
		acc.w[2] = acc.w[2] << 1 | acc.w[1] >> 63;
		acc.w[1] = acc.w[1] << 1 | acc.w[0] >> 63;
		acc.w[0] = acc.w[0] << 1 ^ (0x425 & (0 - carry));
		take = 0 - ((bb.w[bit / 64] >> (bit % 64)) & 1);
		for (int i = 0; i < 4; i++)
			acc.w[i] ^= aa.w[i] & take;
	}
	*r = acc;
	OPENSSL_cleanse(&aa, sizeof(aa));
	OPENSSL_cleanse(&bb, sizeof(bb));
}

/* r = a^-1 = a^(2^256 - 2) (Fermat); a must not be zero. */
static void
gf_inv(gf256 *r, const gf256 *a)
{
	gf256 t = *a;

	/* t = a^(2^k - 1) for k = 1..255, then one more squaring. */
	for (int k = 1; k < 255; k++) {
		gf_mul(&t, &t, &t);
		gf_mul(&t, &t, a);
	}
	gf_mul(r, &t, &t);
}

static void
gf_small(gf256 *r, int v)
{
	memset(r, 0, sizeof(*r));
	r->w[0] = (uint64_t)v;
}

/* 32 rounds of XTEA with an all-zero key on one 64-bit block (v[0] v[1]). */
static void
xtea0_encrypt(uint32_t v[2])
{
	uint32_t sum = 0;

	for (int i = 0; i < 32; i++) {
		v[0] += (((v[1] << 4) ^ (v[1] >> 5)) + v[1]) ^ sum;
		sum += 0x9E3779B9u;
		v[1] += (((v[0] << 4) ^ (v[0] >> 5)) + v[0]) ^ sum;
	}
}

static void
xtea0_decrypt(uint32_t v[2])
{
	uint32_t sum = 0x9E3779B9u * 32;

	for (int i = 0; i < 32; i++) {
		v[1] -= (((v[0] << 4) ^ (v[0] >> 5)) + v[0]) ^ sum;
		sum -= 0x9E3779B9u;
		v[0] -= (((v[1] << 4) ^ (v[1] >> 5)) + v[1]) ^ sum;
	}
}

/* Runs the block cipher on the 8 bytes of v at offset off (wrapping). */
static void
diffuse_slice(unsigned char v[32], int off, int decrypt)
{
	uint32_t blk[2];

	for (int h = 0; h < 2; h++) {
		blk[h] = 0;
		for (int i = 0; i < 4; i++)
			blk[h] = blk[h] << 8 | v[(off + 4 * h + i) % 32];
	}
	if (decrypt)
		xtea0_decrypt(blk);
	else
		xtea0_encrypt(blk);
	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 4; i++)
			v[(off + 4 * h + i) % 32] = (unsigned char)(blk[h] >> (24 - 8 * i));
	OPENSSL_cleanse(blk, sizeof(blk));
}

/* The diffusion layer on a big-endian 32-byte value, in place. */
static void
diffuse(unsigned char b[32], int decrypt)
{
	unsigned char v[32];

	/* 16-bit words, least significant first, each big-endian. */
	for (int k = 0; k < 16; k++) {
		v[2 * k] = b[30 - 2 * k];
		v[2 * k + 1] = b[31 - 2 * k];
	}
	if (decrypt)
		for (int off = 40 * 32 - 2; off >= 0; off -= 2)
			diffuse_slice(v, off, 1);
	else
		for (int off = 0; off < 40 * 32; off += 2)
			diffuse_slice(v, off, 0);
	for (int k = 0; k < 16; k++) {
		b[30 - 2 * k] = v[2 * k];
		b[31 - 2 * k] = v[2 * k + 1];
	}
	OPENSSL_cleanse(v, sizeof(v));
}

int
shares_split(const unsigned char secret[SHARES_SECRET_LEN], int count, int threshold,
    const char *backup_id, struct share *out)
{
	unsigned char bytes[SHARES_SECRET_LEN];
	gf256 coeff[SHARES_MAX], x, y;
	int rc = -1;

	if (threshold < 2 || count < threshold || count > SHARES_MAX ||
	    strlen(backup_id) != SHARES_ID_HEX)
		return -1;
	memcpy(bytes, secret, sizeof(bytes));
	diffuse(bytes, 0);
	gf_from_bytes(&coeff[0], bytes);
	for (int k = 1; k < threshold; k++) {
		if (RAND_priv_bytes(bytes, sizeof(bytes)) != 1)
			goto out;
		gf_from_bytes(&coeff[k], bytes);
	}
	for (int i = 0; i < count; i++) {
		/* Horner with the leading x^t: y = (..((x + c[t-1]) x + c[t-2]) x ..) x + c[0] */
		gf_small(&x, i + 1);
		y = x;
		for (int k = threshold - 1; k >= 1; k--) {
			gf_add(&y, &coeff[k]);
			gf_mul(&y, &y, &x);
		}
		gf_add(&y, &coeff[0]);
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].backup_id, backup_id, SHARES_ID_HEX + 1);
		out[i].index = i + 1;
		out[i].count = count;
		out[i].threshold = threshold;
		gf_to_bytes(&y, out[i].y);
	}
	rc = 0;
out:
	OPENSSL_cleanse(coeff, sizeof(coeff));
	OPENSSL_cleanse(bytes, sizeof(bytes));
	OPENSSL_cleanse(&y, sizeof(y));
	return rc;
}

int
shares_combine(const struct share *sh, int n, unsigned char secret[SHARES_SECRET_LEN])
{
	int t = n > 0 ? sh[0].threshold : 0;
	gf256 sum = { { 0, 0, 0, 0 } }, xi, xj, yi, num, den, xt, tmp;

	if (t < 2 || n < t)
		return -1;
	for (int i = 0; i < t; i++)
		for (int j = i + 1; j < t; j++)
			if (sh[i].index == sh[j].index || sh[i].index < 1)
				return -1;
	/* Lagrange at 0 over the first t points, each y less its x^t term:
	 * c[0] = sum_i (y_i + x_i^t) * prod_{j != i} x_j / (x_j + x_i). */
	for (int i = 0; i < t; i++) {
		gf_small(&xi, sh[i].index);
		gf_from_bytes(&yi, sh[i].y);
		gf_small(&xt, 1);
		for (int k = 0; k < t; k++)
			gf_mul(&xt, &xt, &xi);
		gf_add(&yi, &xt);
		gf_small(&num, 1);
		gf_small(&den, 1);
		for (int j = 0; j < t; j++) {
			if (j == i)
				continue;
			gf_small(&xj, sh[j].index);
			gf_mul(&num, &num, &xj);
			tmp = xj;
			gf_add(&tmp, &xi);
			gf_mul(&den, &den, &tmp);
		}
		gf_inv(&den, &den);
		gf_mul(&num, &num, &den);
		gf_mul(&yi, &yi, &num);
		gf_add(&sum, &yi);
	}
	gf_to_bytes(&sum, secret);
	diffuse(secret, 1);
	OPENSSL_cleanse(&sum, sizeof(sum));
	OPENSSL_cleanse(&yi, sizeof(yi));
	return 0;
}
