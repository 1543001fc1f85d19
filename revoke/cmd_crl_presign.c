/* cmd_crl_presign: `pinca crl --presign N`: a root's CRLs for the years
 * ahead, made at the ceremony, with the schedule on which to publish them;
 * and the note every later `crl` of that root prints about pre-signed CRLs
 * a revocation has made void. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/context.h"
#include "ca/signer.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"
#include "revoke/cmd.h"
#include "revoke/presign.h"

struct void_report {
	FILE *fp;		/* text lines go here (NULL with JSON) */
	json_t *arr;		/* JSON: the void files */
	const char *prefix;	/* "" on stdout, "pinca: warning: " on stderr */
};

/* Prints (or collects) one void pre-signed CRL. */
static int
crl_void_note(const struct presigned_crl *p, void *arg)
{
	struct void_report *r = arg;
	char from[32];

	time_rfc3339(p->this_update, from, sizeof(from));
	if (r->arr)
		return json_array_append_new(r->arr, json_pack("{s:s,s:I,s:s}", "path", p->path,
		    "number", (json_int_t)p->number, "this_update", from)) == 0 ? 0 : RC_FAIL;
	fprintf(r->fp, "%svoid: %s (pre-signed CRL %lld, from %s) does not list the latest "
	    "revocations: never publish it\n", r->prefix, p->path, (long long)p->number, from);
	return 0;
}

int
crl_void_report(struct ca_context *ctx, int64_t ca_id, int64_t now, FILE *fp, json_t *arr)
{
	struct void_report r = { arr ? NULL : fp, arr, fp == stderr ? "pinca: warning: " : "" };

	return crl_presigned_void_each(ctx->st, ca_id, now, crl_void_note, &r) == 0 ? RC_OK : RC_FAIL;
}

/* Prints the schedule: text, or JSON with the void files of before. */
static int
crl_presign_print(struct ca_context *ctx, const struct ca_record *ca, int n,
    const struct presign_item *items, int64_t now, int json)
{
	char from[32], until[32];
	json_t *arr, *voids;

	if (json) {
		arr = json_array();
		voids = json_array();
		for (int k = 0; k < n; k++) {
			time_rfc3339(items[k].req.this_update, from, sizeof(from));
			time_rfc3339(items[k].req.next_update, until, sizeof(until));
			json_array_append_new(arr, json_pack("{s:s,s:I,s:s,s:s,s:s}", "path",
			    items[k].path, "number", (json_int_t)items[k].req.number, "this_update", from,
			    "next_update", until, "sha256", items[k].crl.sha256));
		}
		if (crl_void_report(ctx, ca->id, now, NULL, voids) != RC_OK) {
			json_decref(arr);
			json_decref(voids);
			return RC_FAIL;
		}
		return json_print(json_pack("{s:s,s:s,s:o,s:o}", "issuer", ca->cn, "issuer_serial",
		    ca->serial, "crls", arr, "void", voids));
	}
	printf("%d pre-signed CRLs of %s '%s'. Publish each only from its thisUpdate on: OpenSSL "
	    "refuses a CRL whose thisUpdate is in the future.\n", n, ca->role, ca->cn);
	for (int k = 0; k < n; k++) {
		time_rfc3339(items[k].req.this_update, from, sizeof(from));
		time_rfc3339(items[k].req.next_update, until, sizeof(until));
		printf("  %s  number %lld  valid %s to %s  publish %s%s\n", items[k].path,
		    (long long)items[k].req.number, from, until, k ? "from " : "now", k ? from : "");
	}
	return crl_void_report(ctx, ca->id, now, stdout, NULL);
}

int
cmd_crl_presign(struct ca_context *ctx, const struct ca_record *ca, const struct pass_source *src,
    int n, long days, const char *out_dir, int json)
{
	struct presign_item items[PRESIGN_MAX];
	struct signer *sg = NULL;
	char abs_dir[PATH_MAX];
	int64_t now = (int64_t)time(NULL);
	int rc = RC_FAIL, made = 0;

	memset(items, 0, sizeof(items));
	if (strcmp(ca->role, "intermediate") == 0) {
		pinca_warnx("pre-signed CRLs are for an offline root; '%s' is an intermediate: run "
		    "'pinca crl' from cron instead", ca->cn);
		return RC_FAIL;
	}
	/* The database records where the files went, by a path that means the
	 * same thing from any working directory. */
	if (dir_create(out_dir, 0755, 0) != RC_OK)
		return RC_FAIL;
	if (realpath(out_dir, abs_dir) == NULL) {
		pinca_warn("cannot resolve %s", out_dir);
		return RC_FAIL;
	}
	if (crl_presign_plan(abs_dir, ca->role, now, days ? days : PRESIGN_DAYS_MAX, ca->not_after,
	    n, items) != RC_OK)
		return RC_FAIL;
	if ((sg = signer_open(ctx->dir, ca, src, NULL, &rc)) == NULL)
		goto out;
	rc = RC_FAIL;
	if (crl_presign_make(ctx->st, sg, n, items) != RC_OK)
		goto out;
	made = 1;
	for (int k = 0; k < n; k++)
		if (crl_write_file(items[k].path, &items[k].crl, 0) != RC_OK)
			goto out;
	rc = crl_presign_print(ctx, ca, n, items, now, json);
out:
	if (made)
		for (int k = 0; k < n; k++)
			crl_clear(&items[k].crl);
	signer_free(sg);
	return rc;
}
