/* audit: the append-only, hash-chained log of every state change. Each
 * record's hash is SHA-256 over the previous hash and the record's canonical
 * JSON (sorted keys, compact), so editing or dropping any row breaks the chain
 * from that row on. Triggers refuse UPDATE and DELETE. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/err.h"
#include "common/output.h"
#include "db/store.h"
#include "db/store_internal.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* The command line as the audit log records it: set once by main, never
 * truncated (a long --dns list is part of what happened). */
static char audit_command_default[] = "pinca";
static char *audit_command = audit_command_default;

#define REDACTED "[redacted]"

/* Options whose whole value may hold a secret: a deploy hook's command line
 * often carries a token or a password (curl -u, an API key). */
static const char *const audit_secret_opts[] = { "--exec", NULL };

/* Copies arg into out with what may be a credential inside it replaced by
 * REDACTED: a URL's password (scheme://user:PASSWORD@host), an RFC 7512
 * PKCS#11 URI's pin-value, and a libpq conninfo's password=. */
static void
audit_redact_arg(const char *arg, char *out, size_t size)
{
	static const char *const keys[] = { "pin-value=", "password=", NULL };
	const char *p = arg, *scheme = strstr(arg, "://");
	size_t o = 0;

	while (*p && o + 1 < size) {
		const char *at, *colon, *slash;
		size_t klen = 0;
		if (p == scheme) {
			/* userinfo ends at '@' before the first '/' of the path. */
			slash = strchr(p + 3, '/');
			at = strchr(p + 3, '@');
			colon = strchr(p + 3, ':');
			if (at && (!slash || at < slash) && colon && colon < at) {
				o += (size_t)snprintf(out + o, size - o, "%.*s" REDACTED,
				    (int)(colon + 1 - p), p);
				p = at;
				continue;
			}
		}
		for (int k = 0; keys[k] && klen == 0; k++)
			if (strncasecmp(p, keys[k], strlen(keys[k])) == 0)
				klen = strlen(keys[k]);
		if (klen) {
			o += (size_t)snprintf(out + o, size - o, "%.*s" REDACTED, (int)klen, p);
			p += klen + strcspn(p + klen, ";?& '\"");
			continue;
		}
		out[o++] = *p++;
	}
	out[o < size ? o : size - 1] = '\0';
}

void
store_set_command(int argc, char **argv)
{
	char *buf = NULL, *arg;
	size_t size = 0;
	int hide_next = 0;
	FILE *f;

	/* Passphrases never reach argv (files, env or a TTY); what else may
	 * carry a credential is redacted before it can enter the append-only
	 * log, where it could never be removed. */
	if ((f = open_memstream(&buf, &size)) == NULL)
		return;
	for (int i = 0; i < argc; i++) {
		const char *eq = i ? strchr(argv[i], '=') : NULL;
		size_t alen = (i ? strlen(argv[i]) : 5) * 2 + 32;
		int secret_opt = 0;
		if ((arg = malloc(alen)) == NULL)
			break;
		if (hide_next)
			snprintf(arg, alen, REDACTED);
		else
			audit_redact_arg(i == 0 ? "pinca" : argv[i], arg, alen);
		/* getopt_long takes any unambiguous prefix (--exe CMD, --ex=CMD):
		 * every prefix of at least "--e" counts, whatever else it could
		 * mean (over-redacting costs nothing). */
		for (int k = 0; i && audit_secret_opts[k]; k++) {
			size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
			if (n < 3 || n > strlen(audit_secret_opts[k]) ||
			    strncmp(argv[i], audit_secret_opts[k], n) != 0)
				continue;
			if (eq)
				snprintf(arg, alen, "%.*s=" REDACTED, (int)n, argv[i]);
			else
				secret_opt = 1;
		}
		hide_next = secret_opt;
		fprintf(f, "%s%s", i ? " " : "", arg);
		free(arg);
	}
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return;
	}
	if (audit_command != audit_command_default)
		free(audit_command);
	audit_command = buf;
}

const char *
store_command(void)
{
	return audit_command;
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
	sqlite3_stmt *s = NULL;
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
		if (sqlite3_step(s) == SQLITE_ROW) {
			seq = sqlite3_column_int64(s, 0) + 1;
			snprintf(prev, sizeof(prev), "%s", (const char *)sqlite3_column_text(s, 1));
		}
		store_release(s);
		s = NULL;
	}
	if (audit_hash(prev, seq, at, user, host, audit_command, action, objs, hash) != RC_OK) {
		pinca_warnx("cannot hash the audit record");
		goto out;
	}
	if (store_prepare_cached(st, &s, "INSERT INTO audit(seq, at, user, host, command, action, objects, "
	    "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)") != RC_OK)
		goto out;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_text(s, 3, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, audit_command, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, objs, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, hash, -1, SQLITE_STATIC);
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
	sqlite3_stmt *s;
	char expect_prev[65] = GENESIS_HASH, hash[65];
	int64_t expect_seq = 1;
	int rc = RC_OK, step;

	if (store_prepare(st, &s, "SELECT seq, at, user, host, command, action, objects, prev_hash, "
	    "hash FROM audit ORDER BY seq") != RC_OK)
		return RC_FAIL;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct audit_record r;
		int ok;

		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(s, 0);
		r.at = sqlite3_column_int64(s, 1);
		r.user = (char *)sqlite3_column_text(s, 2);
		r.host = (char *)sqlite3_column_text(s, 3);
		r.command = (char *)sqlite3_column_text(s, 4);
		r.action = (char *)sqlite3_column_text(s, 5);
		r.objects = (char *)sqlite3_column_text(s, 6);
		r.prev_hash = (char *)sqlite3_column_text(s, 7);
		r.hash = (char *)sqlite3_column_text(s, 8);
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
	if (rc == RC_OK && step != SQLITE_DONE)
		rc = store_fail(st, "cannot read the audit log");
	sqlite3_finalize(s);
	return rc;
}
