/* seed: bench-only database seeder. Copies one real certificate that pinca
 * issued (its DER, names, pin, fingerprint) into N new rows with distinct
 * serials (counter + random bytes) and not_after spread uniformly over [now-30d, now+825d],
 * through pinca's own store code (store_lineage_insert, store_cert_insert),
 * in transactions of 10,000 rows. Every K rows share one new lineage, so the
 * rows look like lineages with renewal history. No audit records are written:
 * the seeded rows are a load for the benchmark, not state changes.
 *
 * usage: bench-seed DB TEMPLATE_SERIAL N PER_LINEAGE [NAME_PREFIX]
 * The DER of a seeded row is the template's, so its serial differs from the
 * one inside the DER; `db check` would flag that (bench databases only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common/err.h"
#include "common/output.h"
#include "db/store.h"

#define TX_ROWS 10000
#define DAY 86400

/* A positive 16-byte serial in canonical lowercase hex: a 4-byte counter
 * then 12 random bytes, so rows go into the serial B-tree in order (seeding
 * a million random keys takes minutes) and stay distinct. */
static int
seed_serial(long i, char out[48])
{
	unsigned char raw[16];
	unsigned long c = 0x20000000ul + (unsigned long)i;

	if (RAND_bytes(raw + 4, sizeof(raw) - 4) != 1)
		return RC_FAIL;
	raw[0] = (unsigned char)(c >> 24);
	raw[1] = (unsigned char)(c >> 16);
	raw[2] = (unsigned char)(c >> 8);
	raw[3] = (unsigned char)c;
	hex_encode(raw, sizeof(raw), out);
	return RC_OK;
}

/* Inserts one lineage modelled on tpl; sets *id. */
static int
seed_lineage(struct store *st, const struct lineage_record *tpl, const char *prefix, long i,
    int64_t now, int64_t *id)
{
	struct lineage_record l = *tpl;
	char name[80];

	snprintf(name, sizeof(name), "%s%ld", prefix, i);
	l.name = name;
	l.key_path = l.cert_path = l.chain_path = l.fullchain_path = NULL;
	l.created_at = l.updated_at = now;
	if (store_lineage_insert(st, &l) != RC_OK)
		return RC_FAIL;
	*id = l.id;
	return RC_OK;
}

/* Inserts N rows; returns RC_OK or RC_FAIL. */
static int
seed(struct store *st, struct cert_record *tpl, const struct lineage_record *ltpl, long n,
    long per_lineage, const char *prefix)
{
	int64_t now = (int64_t)time(NULL), lineage = 0;
	struct cert_record r = *tpl;
	unsigned int rnd;

	for (long i = 0; i < n; i++) {
		if (i % TX_ROWS == 0 && store_begin(st) != RC_OK)
			return RC_FAIL;
		if (i % per_lineage == 0 && seed_lineage(st, ltpl, prefix, i / per_lineage, now,
		    &lineage) != RC_OK)
			goto fail;
		if (seed_serial(i, r.serial) != RC_OK || RAND_bytes((unsigned char *)&rnd, 4) != 1)
			goto fail;
		r.lineage_id = lineage;
		r.not_after = now - 30 * DAY + (int64_t)(rnd % (855u * DAY));
		r.not_before = r.not_after - 825 * DAY;
		r.issued_at = r.not_before + 3600;
		if (store_cert_insert(st, &r) != RC_OK)
			goto fail;
		if ((i + 1) % TX_ROWS == 0 || i + 1 == n) {
			if (store_commit(st) != RC_OK)
				return RC_FAIL;
		}
	}
	return RC_OK;
fail:
	store_rollback(st);
	return RC_FAIL;
}

int
main(int argc, char **argv)
{
	struct store *st = NULL;
	struct cert_record tpl;
	struct lineage_record ltpl;
	long n, per;
	int rc = RC_FAIL;

	if (argc < 5 || (n = atol(argv[3])) < 0 || (per = atol(argv[4])) < 1) {
		fprintf(stderr, "usage: bench-seed DB TEMPLATE_SERIAL N PER_LINEAGE [NAME_PREFIX]\n");
		return 2;
	}
	memset(&tpl, 0, sizeof(tpl));
	memset(&ltpl, 0, sizeof(ltpl));
	if (store_open(argv[1], 0, &st) != RC_OK)
		return 1;
	if (store_cert_get(st, argv[2], &tpl) != RC_OK ||
	    store_lineage_get_id(st, tpl.lineage_id, &ltpl) != RC_OK) {
		fprintf(stderr, "bench-seed: no certificate %s with a lineage\n", argv[2]);
		goto out;
	}
	rc = seed(st, &tpl, &ltpl, n, per, argc > 5 ? argv[5] : "seed-");
out:
	cert_record_clear(&tpl);
	lineage_record_clear(&ltpl);
	store_close(st);
	return rc == RC_OK ? 0 : 1;
}
