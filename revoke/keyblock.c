/* keyblock: revoking and blocking a compromised key (RFC 5280 keyCompromise
 * applies to the key, not to one certificate: renewal keeps the key, so a
 * lineage can hold several valid certificates with it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/output.h"
#include "revoke/crl.h"
#include "revoke/keyblock.h"

int
keyblock_check(struct store *st, const char *pin)
{
	struct key_block b;
	char when[32];
	int rc = store_key_blocked(st, pin, &b);

	if (rc == STORE_NOT_FOUND)
		return RC_OK;
	if (rc != RC_OK)
		return RC_FAIL;
	time_rfc3339(b.blocked_at, when, sizeof(when));
	pinca_warnx("key %s is blocked (revoked %s on %s): certify a new key "
	    "('renew --new-key', or a new CSR)", pin, crl_reason_name(b.reason), when);
	return RC_POLICY;
}

/* The leaves of a key, gathered before anything is written (the walk must
 * not see its own inserts). */
struct key_certs {
	struct revocation_target *v;
	size_t n, cap, already;
	const char *except;
};

/* Collects one leaf of the key (copies what outlives the call). */
static int
key_certs_add(const struct revocation_target *t, int revoked, void *arg)
{
	struct key_certs *kc = arg;
	struct revocation_target *grown;

	if (kc->except && strcmp(t->serial, kc->except) == 0)
		return 0;
	if (revoked) {
		kc->already++;
		return 0;
	}
	if (kc->n == kc->cap) {
		size_t cap = kc->cap ? kc->cap * 2 : 16;
		if ((grown = realloc(kc->v, cap * sizeof(*grown))) == NULL) {
			pinca_warnx("out of memory");
			return RC_FAIL;
		}
		kc->v = grown;
		kc->cap = cap;
	}
	kc->v[kc->n] = *t;
	kc->v[kc->n].name = t->name ? strdup(t->name) : NULL;
	kc->n++;
	return 0;
}

/* Frees what key_certs_add gathered. */
static void
key_certs_clear(struct key_certs *kc)
{
	for (size_t i = 0; i < kc->n; i++)
		free(kc->v[i].name);
	free(kc->v);
	memset(kc, 0, sizeof(*kc));
}

int
keyblock_count_others(struct store *st, const char *pin, const char *except_serial,
    size_t *total, size_t *unrevoked)
{
	struct key_certs kc = { .except = except_serial };
	int rc = store_key_certs_each(st, pin, key_certs_add, &kc);

	*unrevoked = kc.n;
	*total = kc.n + kc.already;
	key_certs_clear(&kc);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

/* Refuses a key that is blocked already or that belongs to a CA here: a
 * CA key is rotated (docs/rotation.md), not blocked for leaves. */
static int
keyblock_precheck(struct store *st, const char *pin)
{
	struct key_block b;
	struct ca_record ca;
	char when[32];
	int rc;

	if ((rc = store_key_blocked(st, pin, &b)) == RC_OK) {
		time_rfc3339(b.blocked_at, when, sizeof(when));
		pinca_warnx("key %s was already blocked on %s (reason %s)", pin, when,
		    crl_reason_name(b.reason));
		return RC_FAIL;
	}
	if (rc != STORE_NOT_FOUND)
		return RC_FAIL;
	if ((rc = store_ca_find_pin(st, pin, &ca)) == RC_OK) {
		pinca_warnx("%s is the key of the %s '%s': rotate that CA (docs/rotation.md) and "
		    "revoke its certificate by serial", pin, ca.role, ca.cn);
		ca_record_clear(&ca);
		return RC_FAIL;
	}
	return rc == STORE_NOT_FOUND ? RC_OK : RC_FAIL;
}

/* Appends the audit record: the block, then each certificate revoked. */
static int
keyblock_audit(struct store *st, const char *pin, int reason, const struct key_certs *kc,
    int64_t at)
{
	json_t *objs = json_pack("[{s:s,s:s,s:s,s:I}]", "kind", "key", "pin", pin, "reason",
	    crl_reason_name(reason), "blocked_at", (json_int_t)at);
	int rc = RC_FAIL;

	for (size_t i = 0; objs && i < kc->n; i++)
		if (json_array_append_new(objs, json_pack("{s:s,s:s,s:s?,s:s,s:I,s:I}", "serial",
		    kc->v[i].serial, "kind", "leaf", "name", kc->v[i].name, "reason",
		    crl_reason_name(reason), "revoked_at", (json_int_t)at, "issuer_id",
		    (json_int_t)kc->v[i].issuer_id)) != 0)
			goto out;
	if (objs)
		rc = store_audit(st, "revoke-key", objs);
out:
	json_decref(objs);
	return rc;
}

int
keyblock_revoke_key(struct store *st, const char *pin, int reason, struct keyblock_result *res)
{
	struct key_certs kc = { 0 };
	struct key_block b;
	int rc = RC_FAIL;

	memset(res, 0, sizeof(*res));
	res->at = (int64_t)time(NULL);
	if (keyblock_precheck(st, pin) != RC_OK ||
	    store_key_certs_each(st, pin, key_certs_add, &kc) != RC_OK ||
	    (res->serials = json_array()) == NULL)
		goto out;
	for (size_t i = 0; i < kc.n; i++) {
		struct revocation_record rec = { .issuer_id = kc.v[i].issuer_id,
			.revoked_at = res->at, .reason = reason, .not_after = kc.v[i].not_after };
		snprintf(rec.serial, sizeof(rec.serial), "%s", kc.v[i].serial);
		if (store_revocation_insert(st, &rec) != RC_OK ||
		    json_array_append_new(res->serials, json_string(kc.v[i].serial)) != 0)
			goto out;
	}
	memset(&b, 0, sizeof(b));
	snprintf(b.pin, sizeof(b.pin), "%s", pin);
	b.blocked_at = res->at;
	b.reason = reason;
	if (store_key_block(st, &b) != RC_OK || keyblock_audit(st, pin, reason, &kc, res->at) != RC_OK)
		goto out;
	res->revoked = kc.n;
	res->already = kc.already;
	rc = RC_OK;
out:
	if (rc != RC_OK) {
		json_decref(res->serials);
		res->serials = NULL;
	}
	key_certs_clear(&kc);
	return rc;
}
