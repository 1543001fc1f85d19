/* cmd_db_verify: `db check`, `db audit` and `db backup`: the commands that
 * say whether the CA's memory can be trusted, and copy it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ca/context.h"
#include "ca/dbcheck.h"
#include "common/cadir.h"
#include "common/cadir_db.h"
#include "common/dburl.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"
#include "db/backup_pg.h"
#include "db/cmd.h"

enum { OPT_DATABASE_ONLY = 20, OPT_CRL };
static const struct opt_spec check_opts[] = {
	OPT_SPEC_DIR,
	{ "database-only", 0, OPT_DATABASE_ONLY, NULL, "check the database alone (a backup copy "
	    "without keys/): skip the file checks" },
	{ "crl", 1, OPT_CRL, "FILE", "also check that every serial this published CRL lists is "
	    "revoked in the store (after a restore)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help check_help = {
	"db check", "[--database-only] [--crl FILE] [--json]",
	"Verifies the database: SQLite's integrity_check and foreign_key_check,\n"
	"then every CA and certificate row re-parsed from its DER and compared\n"
	"with its columns (serial, names, pin, fingerprint, dates), every\n"
	"signature verified with the issuer's key, every revocation matched with\n"
	"its certificate, and the audit hash chain; then the files: the CA\n"
	"directory and keys/ 0700, every key held here present and 0600\n"
	"(--database-only skips these, for a backup copy alone in a directory).\n"
	"--crl FILE (the last CRL published, PEM or DER) adds one problem per\n"
	"serial it lists that the store does not hold as revoked: a store\n"
	"restored from an older backup would leave it out of the next CRL.\n"
	"Prints one line per problem and a summary; exits 1 if there was any.",
	check_opts,
};

struct check_output {
	int json;
	json_t *problems;
};

/* Prints (text) or collects (JSON) one problem. */
static int
check_report(const char *line, void *arg)
{
	struct check_output *out = arg;

	char safe[2048];

	/* A problem line quotes stored data: escaped, and never malformed UTF-8
	 * (jansson would drop it). */
	line = text_safe(line, safe, sizeof(safe));
	if (out->json)
		json_array_append_new(out->problems, json_string(line));
	else
		printf("%s\n", line);
	return 0;
}

/* Prints db check's summary: the CRL's entries checked (--crl), then the
 * counts (or the --json document). RC_OK or RC_FAIL. */
static int
check_summary(const struct db_check *c, const struct check_output *out, const char *crl,
    long crl_entries)
{
	if (crl && !out->json)
		printf("checked the %ld entries of %s against the store's revocations\n",
		    crl_entries, crl);
	if (out->json)
		return json_print(json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:O}", "ok", c->problems == 0,
		    "cas", (json_int_t)c->cas, "certificates", (json_int_t)c->certificates,
		    "revocations", (json_int_t)c->revocations, "audit_records",
		    (json_int_t)c->audit_records, "problem_count", (json_int_t)c->problems,
		    "problems", out->problems));
	printf("checked %ld CAs, %ld certificates, %ld revocations, %ld audit records: "
	    "%ld problem%s\n", c->cas, c->certificates, c->revocations, c->audit_records,
	    c->problems, c->problems == 1 ? "" : "s");
	return RC_OK;
}

int
cmd_db_check(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg, *crl = NULL;
	struct check_output out = { 0, NULL };
	long crl_entries = 0;
	struct ca_context ctx;
	struct db_check c;
	struct opts o;
	char **rest;
	int id, rc, database_only = 0;

	opts_init(&o, argc, argv, &check_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			out.json = 1;
		else if (id == OPT_DATABASE_ONLY)
			database_only = 1;
		else if (id == OPT_CRL)
			crl = arg;
	}
	if (opts_rest(&o, &rest) != 0)
		return rc_exit(opts_usage_error(&check_help, "db check takes no arguments"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if (out.json && (out.problems = json_array()) == NULL) {
		pinca_warnx("out of memory");
		ca_context_close(&ctx);
		return rc_exit(RC_FAIL);
	}
	memset(&c, 0, sizeof(c));
	c.st = ctx.st;
	c.dir = database_only ? NULL : ctx.dir;
	c.report = check_report;
	c.arg = &out;
	if ((rc = db_check_run(&c)) == RC_OK && crl)
		rc = db_check_crl(&c, crl, &crl_entries);
	if (rc == RC_OK)
		rc = check_summary(&c, &out, crl, crl_entries);
	if (rc == RC_OK && fflush(stdout) == EOF) {
		pinca_warnx("cannot write to standard output");
		rc = RC_FAIL;
	}
	if (rc == RC_OK && c.problems) {
		pinca_warnx("%s: %ld problem%s found (listed on standard output)", store_path(ctx.st),
		    c.problems, c.problems == 1 ? "" : "s");
		rc = RC_FAIL;
	}
	json_decref(out.problems);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

enum { OPT_EXPECT = 20 };
static const struct opt_spec audit_opts[] = {
	OPT_SPEC_DIR,
	{ "expect", 1, OPT_EXPECT, "HASH", "fail unless the record with this hash still verifies" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help audit_help = {
	"db audit", "[--expect HASH] [--json]",
	"Prints the audit log, one record per state change (time, user, host,\n"
	"command, action, objects), and verifies its hash chain from the first\n"
	"record to the last. A record that was edited, inserted or removed breaks\n"
	"the chain there; exits 1 if it is broken. --json prints the records as\n"
	"one JSON array, each with \"ok\" saying whether its link verifies.\n"
	"A chain whose newest records were removed is still a valid chain: keep\n"
	"the last hash printed (the text form's last line) where the CA host\n"
	"cannot write, and pass it to --expect later; exits 1 if no record with\n"
	"that hash verifies any more.",
	audit_opts,
};

struct audit_output {
	int json;
	struct db_json_stream js;
	long records, broken;
	int64_t first_broken;
	char last_hash[65];
	const char *expect;	/* lowercase hex, or NULL */
	int64_t expect_seq;	/* the record that has it (and verifies), or 0 */
};

/* A record as JSON: objects parsed back into JSON, time as RFC 3339. */
static json_t *
audit_json(const struct audit_record *r, int ok)
{
	char at[32];
	json_t *objects = json_loads(r->objects ? r->objects : "null", 0, NULL);

	time_rfc3339(r->at, at, sizeof(at));
	return json_pack("{s:I,s:s,s:s?,s:s?,s:s?,s:s?,s:o,s:s?,s:s?,s:b}", "seq",
	    (json_int_t)r->seq, "at", at, "user", r->user, "host", r->host, "command", r->command,
	    "action", r->action, "objects", objects ? objects : json_string(r->objects ? r->objects : ""),
	    "prev_hash", r->prev_hash, "hash", r->hash, "ok", ok);
}

/* Prints one record and counts breaks. */
static int
audit_one(const struct audit_record *r, int ok, void *arg)
{
	struct audit_output *out = arg;
	char at[32], user[TEXT_SAFE_NAME], host[TEXT_SAFE_NAME], action[TEXT_SAFE_NAME];

	out->records++;
	if (!ok && out->broken++ == 0)
		out->first_broken = r->seq;
	snprintf(out->last_hash, sizeof(out->last_hash), "%s", r->hash ? r->hash : "");
	if (ok && out->expect && r->hash && strcmp(r->hash, out->expect) == 0)
		out->expect_seq = r->seq;
	if (out->json)
		return db_json_stream_item(&out->js, audit_json(r, ok));
	time_rfc3339(r->at, at, sizeof(at));
	/* Every column is stored text, some of it from outside (a command line,
	 * names from a CSR): escaped, so a record cannot fake another. */
	printf("%6lld  %s  %s@%s  %-15s  ", (long long)r->seq, at,
	    r->user ? text_safe(r->user, user, sizeof(user)) : "?",
	    r->host ? text_safe(r->host, host, sizeof(host)) : "?",
	    r->action ? text_safe(r->action, action, sizeof(action)) : "?");
	text_fputs(r->command ? r->command : "?", stdout);
	fputs("\n        ", stdout);
	text_fputs(r->objects ? r->objects : "", stdout);
	putchar('\n');
	if (!ok)
		printf("        ^ the hash chain breaks here: record %lld was edited, inserted or "
		    "follows a removed record\n", (long long)r->seq);
	return 0;
}

/* A record hash as given on the command line: 64 hex digits, either case,
 * into lowercase (as stored). */
static int
audit_parse_hash(const char *s, char out[65])
{
	size_t i;

	for (i = 0; i < 64 && s[i] != '\0'; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[i] = '\0';
	return i == 64 && s[i] == '\0' ? 0 : -1;
}

int
cmd_db_audit(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct audit_output out;
	struct ca_context ctx;
	char expect[65];
	struct opts o;
	char **rest;
	int id, rc;

	memset(&out, 0, sizeof(out));
	opts_init(&o, argc, argv, &audit_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			out.json = 1;
		else if (id == OPT_EXPECT) {
			if (audit_parse_hash(arg, expect) != 0)
				return rc_exit(opts_usage_error(&audit_help, "--expect takes a record "
				    "hash: 64 hexadecimal digits, as db audit prints it"));
			out.expect = expect;
		}
	}
	if (opts_rest(&o, &rest) != 0)
		return rc_exit(opts_usage_error(&audit_help, "db audit takes no arguments"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	rc = store_audit_each(ctx.st, audit_one, &out);
	if (rc == RC_OK && out.json)
		rc = db_json_stream_end(&out.js);
	else if (rc == RC_OK) {
		/* The last line is always the summary, so scripts can take
		 * the last hash from it with or without --expect. */
		if (out.expect && out.expect_seq)
			printf("expected hash: record %lld (%lld record%s after it)\n",
			    (long long)out.expect_seq, (long long)(out.records - out.expect_seq),
			    out.records - out.expect_seq == 1 ? "" : "s");
		printf("%ld records; %s; last hash %s\n", out.records,
		    out.broken ? "hash chain BROKEN" : "hash chain intact",
		    out.last_hash[0] ? out.last_hash : "-");
	}
	if (rc == RC_OK && fflush(stdout) == EOF) {
		pinca_warnx("cannot write to standard output");
		rc = RC_FAIL;
	}
	if (rc == RC_OK && out.broken) {
		pinca_warnx("the audit log's hash chain breaks at record %lld (%ld bad link%s)%s",
		    (long long)out.first_broken, out.broken, out.broken == 1 ? "" : "s",
		    out.expect && out.expect_seq == 0 ? ", and no record that verifies has the "
		    "expected hash" : "");
		rc = RC_FAIL;
	} else if (rc == RC_OK && out.expect && out.expect_seq == 0) {
		pinca_warnx("no record of the audit log has the expected hash %s: records were "
		    "removed from its end or the log was replaced", out.expect);
		rc = RC_FAIL;
	}
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec backup_opts[] = { OPT_SPEC_DIR, OPT_END_SPEC };
static const struct cmd_help backup_help = {
	"db backup", "FILE",
	"Copies the database to FILE with SQLite's online backup API, while\n"
	"issuers keep running; the copy is a consistent snapshot. FILE must not\n"
	"exist. The copy holds no private keys: back up keys/ as well. To\n"
	"restore, put the copy as pinca.db (and keys/) into an empty CA\n"
	"directory and run 'pinca db check'. A store in PostgreSQL is dumped with\n"
	"pg_dump -Fc into FILE (mode 0600; pg_restore reads it); the password\n"
	"comes from ~/.pgpass, and a URL that carries one is refused.",
	backup_opts,
};

int
cmd_db_backup(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg, *dir;
	char target[CADIR_TARGET_MAX], shown[CADIR_TARGET_MAX];
	struct ca_context ctx;
	struct opts o;
	struct stat sb;
	char **rest;
	int id, rc, is_pg = 0;

	opts_init(&o, argc, argv, &backup_help);
	while ((id = opts_next(&o, &arg)) != 0)
		if (id == OPT_DIR)
			flag_dir = arg;
	if (opts_rest(&o, &rest) != 1)
		return rc_exit(opts_usage_error(&backup_help, "name the FILE to write the copy to"));
	/* Refuse early, before the database is opened; store_backup refuses
	 * again with O_EXCL, so a file that appears meanwhile is not replaced. */
	if (lstat(rest[0], &sb) == 0) {
		pinca_warnx("%s already exists; refusing to overwrite it", rest[0]);
		return rc_exit(RC_FAIL);
	}
	if (file_check_parent(rest[0]) != RC_OK)
		return rc_exit(RC_FAIL);
	/* A store in PostgreSQL is dumped by PostgreSQL's own tool. */
	if ((dir = cadir_resolve(flag_dir)) == NULL)
		return PINCA_EXIT_USAGE;
	if ((rc = cadir_db_target(dir, target, sizeof(target), &is_pg)) != RC_OK)
		return rc_exit(rc);
	if (is_pg) {
		if ((rc = backup_pg_dump(target, rest[0])) == RC_OK && stat(rest[0], &sb) == 0)
			printf("dumped %s to %s with pg_dump -Fc (%lld bytes; restore with pg_restore)\n",
			    (dburl_redact(target, shown, sizeof(shown)), shown), rest[0], (long long)sb.st_size);
		return rc_exit(rc);
	}
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = store_backup(ctx.st, rest[0])) == RC_OK && stat(rest[0], &sb) == 0)
		printf("copied %s to %s (%lld bytes)\n", store_path(ctx.st), rest[0],
		    (long long)sb.st_size);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
