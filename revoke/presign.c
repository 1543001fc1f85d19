/* presign: a series of root CRLs made at one ceremony, each current in its
 * turn. OpenSSL 3.0 refuses a CRL whose thisUpdate is in the future ("CRL
 * is not yet valid"), so each is published only from its thisUpdate on; the
 * 30-day overlap leaves a month to do so before the previous one lapses. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/cadir.h"
#include "common/err.h"
#include "common/output.h"
#include "revoke/presign.h"

int
crl_presign_plan(const char *out_dir, const char *role, int64_t now, long days,
    int64_t ca_not_after, int n, struct presign_item *items)
{
	struct stat sb;
	char name[64], when[32];

	for (int k = 0; k < n; k++) {
		struct crl_request *r = &items[k].req;
		memset(&items[k], 0, sizeof(items[k]));
		r->this_update = now + (int64_t)k * (days - PRESIGN_OVERLAP_DAYS) * 86400;
		r->next_update = r->this_update + (int64_t)days * 86400;
		r->only_ca_certs = 1;
		if (r->this_update >= ca_not_after) {
			time_rfc3339(ca_not_after, when, sizeof(when));
			pinca_warnx("CRL %d would start after the %s certificate expires (%s): "
			    "pre-sign at most %d", k + 1, role, when, k);
			return RC_FAIL;
		}
		/* No promise past the issuer's own notAfter (as `crl` does). */
		if (r->next_update > ca_not_after)
			r->next_update = ca_not_after;
		snprintf(name, sizeof(name), "%s-crl-%d.pem", role, k + 1);
		if (cadir_path(items[k].path, sizeof(items[k].path), out_dir, name) != RC_OK) {
			pinca_warnx("%s: path too long", out_dir);
			return RC_FAIL;
		}
		if (lstat(items[k].path, &sb) == 0 || errno != ENOENT) {
			pinca_warnx("%s already exists: pre-signed CRLs are never replaced",
			    items[k].path);
			return RC_FAIL;
		}
	}
	return RC_OK;
}

/* The audit record of a series: each CRL's number, dates, hash and file. */
static json_t *
crl_presign_audit(int64_t ca_id, int n, const struct presign_item *items)
{
	json_t *arr = json_array();

	for (int k = 0; arr != NULL && k < n; k++)
		if (json_array_append_new(arr, json_pack("{s:I,s:I,s:I,s:I,s:I,s:s,s:s}",
		    "issuer_id", (json_int_t)ca_id, "number", (json_int_t)items[k].req.number,
		    "this_update", (json_int_t)items[k].req.this_update, "next_update",
		    (json_int_t)items[k].req.next_update, "entries", (json_int_t)items[k].crl.entries,
		    "sha256", items[k].crl.sha256, "path", items[k].path)) != 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

int
crl_presign_make(struct store *st, struct signer *sg, int n, struct presign_item *items)
{
	int64_t ca_id = signer_ca_id(sg), made = items[0].req.this_update;
	json_t *objs = NULL;

	if (store_begin(st) != RC_OK)
		return RC_FAIL;
	for (int k = 0; k < n; k++) {
		struct presign_item *it = &items[k];
		if (k == 0 ? crl_number_next(st, ca_id, &it->req.number) != RC_OK :
		    (it->req.number = items[k - 1].req.number + 1) <= 0)
			goto fail;
		if (crl_build_streaming(st, sg, &it->req, &it->crl) != RC_OK ||
		    store_crl_record(st, ca_id, it->req.number, it->req.this_update,
		    it->req.next_update, it->crl.entries, it->crl.sha256) != RC_OK ||
		    store_presigned_insert(st, ca_id, it->req.number, it->path, made) != RC_OK)
			goto fail;
	}
	if ((objs = crl_presign_audit(ca_id, n, items)) == NULL ||
	    store_audit(st, "crl.presign", objs) != RC_OK)
		goto fail;
	json_decref(objs);
	return store_commit(st);
fail:
	json_decref(objs);
	store_rollback(st);
	for (int k = 0; k < n; k++)
		crl_clear(&items[k].crl);
	return RC_FAIL;
}

struct void_walk {
	int64_t revoked, now;
	int (*fn)(const struct presigned_crl *, void *);
	void *arg;
};

/* Passes on the pre-signed CRLs that miss a revocation and are not over. */
static int
crl_void_filter(const struct presigned_crl *p, void *arg)
{
	struct void_walk *w = arg;

	if (p->entries < w->revoked && p->next_update > w->now)
		return w->fn(p, w->arg);
	return 0;
}

int
crl_presigned_void_each(struct store *st, int64_t ca_id, int64_t now,
    int (*fn)(const struct presigned_crl *, void *), void *arg)
{
	struct void_walk w = { 0, now, fn, arg };

	/* Revocations are never removed, so a CRL listing fewer entries than
	 * the CA has revoked was made before at least one of them. */
	if (store_revocation_count(st, ca_id, &w.revoked) != RC_OK)
		return RC_FAIL;
	return store_presigned_each(st, ca_id, crl_void_filter, &w);
}
