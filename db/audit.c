/* audit: the append-only, hash-chained log of every state change. Each
 * record's hash is SHA-256 over the previous hash and the record's canonical
 * JSON (sorted keys, compact), so editing or dropping any row breaks the chain
 * from that row on. Triggers refuse UPDATE and DELETE. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/err.h"
#include "common/output.h"
#include "db/store.h"
#include "db/store_internal.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

int
store_set_audit_command(struct store *st, const char *command)
{
	char *copy;

	if ((copy = strdup(command)) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	free(st->command);
	st->command = copy;
	return RC_OK;
}

const char *
store_audit_command(const struct store *st)
{
	return st->command ? st->command : "pinca";
}

/* hash = SHA-256(prev_hash || "\n" || canonical JSON of the record). */
static int
audit_hash(const char *prev, int64_t seq, int64_t at, const char *user, const char *host,
    const char *command, const char *action, const char *objects, char out[65])
{
	unsigned char md[32];
	json_t *rec;
	char *canon;
	int rc = RC_FAIL;

	rec = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "seq", (json_int_t)seq, "at",
	    (json_int_t)at, "user", user, "host", host, "command", command, "action", action,
	    "objects", objects);
	if (rec == NULL)
		return RC_FAIL;
	canon = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(rec);
	if (canon == NULL)
		return RC_FAIL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestInit_ex(ctx, digest_md(DIGEST_SHA256), NULL) &&
	    EVP_DigestUpdate(ctx, prev, strlen(prev)) && EVP_DigestUpdate(ctx, "\n", 1) &&
	    EVP_DigestUpdate(ctx, canon, strlen(canon)) && EVP_DigestFinal_ex(ctx, md, NULL)) {
		hex_encode(md, 32, out);
		rc = RC_OK;
	}
	EVP_MD_CTX_free(ctx);
	free(canon);
	return rc;
}

int
store_audit(struct store *st, const char *action, json_t *objects)
{
	/* Who and where, looked up once per process (a batch audits every row). */
	static char user[256], host[256];
	struct sql_stmt *s = NULL;
	char prev[65] = GENESIS_HASH, hash[65];
	struct passwd *pw;
	char *objs = NULL;
	int64_t seq = 1, at = (int64_t)time(NULL);
	int rc = RC_FAIL;

	if (user[0] == '\0') {
		snprintf(user, sizeof(user), "%s", (pw = getpwuid(geteuid())) ? pw->pw_name : "unknown");
		if (gethostname(host, sizeof(host) - 1) != 0)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
	}
	objs = objects ? json_dumps(objects, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
	if (objs == NULL)
		goto out;
	if (st->in_tx && st->audit_tail) {
		/* Appended by this transaction: no other writer can have followed. */
		seq = st->audit_seq + 1;
		memcpy(prev, st->audit_hash, sizeof(prev));
	} else {
		if (store_prepare_cached(st, &s, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") != RC_OK)
			goto out;
		if (sql_step(s) == SQL_ROW) {
			seq = sql_col_int64(s, 0) + 1;
			snprintf(prev, sizeof(prev), "%s", sql_col_text(s, 1));
		}
		store_release(s);
		s = NULL;
	}
	if (audit_hash(prev, seq, at, user, host, store_audit_command(st), action, objs, hash) != RC_OK) {
		pinca_warnx("cannot hash the audit record");
		goto out;
	}
	if (store_prepare_cached(st, &s, "INSERT INTO audit(seq, at, \"user\", host, command, action, objects, "
	    "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)") != RC_OK)
		goto out;
	sql_bind_int64(s, 1, seq);
	sql_bind_int64(s, 2, at);
	sql_bind_text(s, 3, user);
	sql_bind_text(s, 4, host);
	sql_bind_text(s, 5, store_audit_command(st));
	sql_bind_text(s, 6, action);
	sql_bind_text(s, 7, objs);
	sql_bind_text(s, 8, prev);
	sql_bind_text(s, 9, hash);
	rc = store_step_write(st, s, "cannot append to the audit log") == RC_OK ? RC_OK : RC_FAIL;
	if (rc == RC_OK && st->in_tx) {
		st->audit_tail = 1;
		st->audit_seq = seq;
		memcpy(st->audit_hash, hash, sizeof(st->audit_hash));
	}
out:
	if (s)
		store_release(s);
	free(objs);
	return rc;
}

int
store_audit_each(struct store *st, int (*fn)(const struct audit_record *, int ok, void *),
    void *arg)
{
	struct sql_stmt *s;
	char expect_prev[65] = GENESIS_HASH, hash[65];
	int64_t expect_seq = 1;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT seq, at, \"user\", host, command, action, objects, prev_hash, "
	    "hash FROM audit ORDER BY seq") != RC_OK)
		return RC_FAIL;
	while ((step = sql_step(s)) == SQL_ROW) {
		struct audit_record r;
		int ok;

		memset(&r, 0, sizeof(r));
		r.seq = sql_col_int64(s, 0);
		r.at = sql_col_int64(s, 1);
		r.user = (char *)sql_col_text(s, 2);
		r.host = (char *)sql_col_text(s, 3);
		r.command = (char *)sql_col_text(s, 4);
		r.action = (char *)sql_col_text(s, 5);
		r.objects = (char *)sql_col_text(s, 6);
		r.prev_hash = (char *)sql_col_text(s, 7);
		r.hash = (char *)sql_col_text(s, 8);
		ok = r.user && r.host && r.command && r.action && r.objects && r.prev_hash && r.hash &&
		    r.seq == expect_seq && strcmp(r.prev_hash, expect_prev) == 0 &&
		    audit_hash(r.prev_hash, r.seq, r.at, r.user, r.host, r.command, r.action,
		    r.objects, hash) == RC_OK && strcmp(hash, r.hash) == 0;
		if ((rc = fn(&r, ok, arg)) != 0)
			break;
		/* Continue from what the row claims, so one bad row is reported once. */
		snprintf(expect_prev, sizeof(expect_prev), "%s", r.hash ? r.hash : "");
		expect_seq = r.seq + 1;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot read the audit log");
	sql_finalize(s);
	return rc;
}
