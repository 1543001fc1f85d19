/* cmd_db: `pinca db ...`: the dispatcher of the db subcommands and the read
 * side, `db list` and `db show`. (check, audit and backup are in
 * cmd_db_verify.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca/authority.h"
#include "ca/cert.h"
#include "ca/context.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/subcommand.h"
#include "common/text.h"
#include "db/cmd.h"
#include "db/list_row.h"
#include "issue/certjson.h"
#include "revoke/crl.h"

#define SECONDS_PER_DAY 86400

int
db_json_stream_item(struct db_json_stream *js, json_t *item)
{
	int rc = RC_OK;

	if (item == NULL) {
		pinca_warnx("out of memory building JSON");
		return RC_FAIL;
	}
	if (fputs(js->count ? ",\n  " : "[\n  ", stdout) == EOF ||
	    json_dumpf(item, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == -1) {
		pinca_warnx("cannot write JSON to standard output");
		rc = RC_FAIL;
	}
	js->count++;
	json_decref(item);
	return rc;
}

int
db_json_stream_end(struct db_json_stream *js)
{
	if (fputs(js->count ? "\n]\n" : "[]\n", stdout) == EOF || fflush(stdout) == EOF) {
		pinca_warnx("cannot write JSON to standard output");
		return RC_FAIL;
	}
	return RC_OK;
}

enum { OPT_EXPIRING = 20, OPT_STATUS, OPT_NAME, OPT_PEM };

static const struct opt_spec list_opts[] = {
	OPT_SPEC_DIR,
	{ "expiring", 1, OPT_EXPIRING, "DAYS", "only certificates that expire within DAYS days (not yet expired)" },
	{ "status", 1, OPT_STATUS, "STATUS", "only 'valid', 'revoked' or 'expired' certificates" },
	{ "name", 1, OPT_NAME, "LINEAGE", "only the certificates of this lineage" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help list_help = {
	"db list", "[--expiring DAYS] [--status valid|revoked|expired] [--name LINEAGE] [--json]",
	"Lists the leaf certificates in the database, soonest expiry first. The\n"
	"filters combine (AND). --json prints one JSON array of certificate\n"
	"objects; the text form is a table, one certificate per line.",
	list_opts,
};

struct list_state {
	int json;
	int64_t now;
	struct db_json_stream js;
};

/* The names of a certificate as "a.example.com,b.example.com,10.0.0.1":
 * all of them (up to 100 names of 253 octets), as a new string (caller
 * frees), or NULL when out of memory. */
static char *
names_text(const struct cert_record *r)
{
	const char *lists[2] = { r->dns_json, r->ip_json };
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return NULL;
	for (int l = 0; l < 2; l++) {
		json_t *arr = json_loads(lists[l] ? lists[l] : "[]", 0, NULL);
		size_t i;
		json_t *v;

		json_array_foreach(arr, i, v) {
			fprintf(f, "%s%s", ftell(f) ? "," : "",
			    json_string_value(v) ? json_string_value(v) : "?");
		}
		json_decref(arr);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Writes len bytes of a row to standard output. */
static int
list_write(const char *row, size_t len)
{
	if (fwrite_unlocked(row, 1, len, stdout) != len) {
		pinca_warnx("cannot write to standard output");
		return RC_FAIL;
	}
	return 0;
}

/* One row of `db list`: for the table, the fast formatter (list_row.c) when
 * it takes the row, else the general path, which prints the same bytes. */
static int
list_one(const struct cert_record *r, void *arg)
{
	struct list_state *ls = arg;
	const char *status = certificate_status(r, ls->now);
	char na[32], *names, row[4096], serial[TEXT_SAFE_NAME], name[TEXT_SAFE_NAME];
	size_t len;
	int n;

	/* JSON is made by jansson only (SPEC: never by hand). */
	if (ls->json)
		return db_json_stream_item(&ls->js, certificate_json(r, ls->now));
	if (list_row_text(r, status, row, sizeof(row), &len) == 0)
		return list_write(row, len);
	time_rfc3339(r->not_after, na, sizeof(na));
	if ((names = names_text(r)) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	/* The names are escaped however long the list is (text_fputs). */
	n = printf("%-32s  %-7s  %-20s  %-16s  ", text_safe(r->serial, serial, sizeof(serial)),
	    status, na, r->name ? text_safe(r->name, name, sizeof(name)) : "-");
	if (n >= 0) {
		text_fputs(names, stdout);
		n = putchar('\n') == EOF ? -1 : n;
	}
	free(names);
	if (n < 0) {
		pinca_warnx("cannot write to standard output");
		return RC_FAIL;
	}
	return 0;
}

int
cmd_db_list(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct cert_filter f;
	struct list_state ls;
	struct ca_context ctx;
	struct opts o;
	char **rest;
	long days = -1;
	int id, rc;

	memset(&f, 0, sizeof(f));
	memset(&ls, 0, sizeof(ls));
	opts_init(&o, argc, argv, &list_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			ls.json = 1;
		else if (id == OPT_NAME)
			f.lineage = arg;
		else if (id == OPT_EXPIRING) {
			if ((rc = opts_parse_long(&list_help, "expiring", arg, 0, 100000, &days)) != RC_OK)
				return rc_exit(rc);
		} else if (id == OPT_STATUS) {
			if (strcmp(arg, "valid") && strcmp(arg, "revoked") && strcmp(arg, "expired"))
				return rc_exit(opts_usage_error(&list_help,
				    "--status takes 'valid', 'revoked' or 'expired', not '%s'", arg));
			f.status = arg;
		}
	}
	if (opts_rest(&o, &rest) != 0)
		return rc_exit(opts_usage_error(&list_help, "db list takes no arguments"));
	ls.now = f.now = (int64_t)time(NULL);
	if (days >= 0)
		f.expiring_before = f.now + (int64_t)days * SECONDS_PER_DAY;
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	/* Tens of thousands of lines: write them 64 KiB at a time, not a
	 * pipe's 4 KiB (a terminal keeps its line buffering). */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!ls.json)
		printf("%-32s  %-7s  %-20s  %-16s  %s\n", "SERIAL", "STATUS", "NOT_AFTER", "NAME",
		    "NAMES");
	rc = store_cert_each(ctx.st, &f, list_one, &ls);
	if (rc == RC_OK && ls.json)
		rc = db_json_stream_end(&ls.js);
	else if (rc == RC_OK && fflush(stdout) == EOF) {
		pinca_warnx("cannot write to standard output");
		rc = RC_FAIL;
	}
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec show_opts[] = {
	OPT_SPEC_DIR,
	OPT_SPEC_JSON,
	{ "pem", 0, OPT_PEM, NULL, "print the certificate alone, as PEM" },
	OPT_END_SPEC,
};
static const struct cmd_help show_help = {
	"db show", "SERIAL [--pem|--json]",
	"Shows one certificate by serial: a leaf, or a CA this directory knows.\n"
	"SERIAL is hex in any case, with or without colons (as 'openssl x509\n"
	"-serial' prints it). --pem prints only the certificate.",
	show_opts,
};

/* Prints a DER certificate as PEM. */
static int
print_pem(const unsigned char *der, size_t len, const char *what)
{
	X509 *x = der ? cert_from_der(der, len) : NULL;
	char *text = x ? cert_to_pem(x) : NULL;
	int rc = RC_FAIL;

	if (der == NULL)
		pinca_warnx("%s has no certificate yet (its CSR is out for signing)", what);
	else if (text == NULL)
		pinca_warn_ssl("the stored certificate of %s is damaged (run 'pinca db check')", what);
	else if (fputs(text, stdout) == EOF)
		pinca_warnx("cannot write to standard output");
	else
		rc = RC_OK;
	free(text);
	X509_free(x);
	return rc;
}

/* `db show` of a leaf. */
static int
show_leaf(struct ca_context *ctx, const struct cert_record *r, int json, int pem)
{
	struct ca_record issuer = { 0 };
	char nb[32], na[32], ia[32], *names = NULL, safe[4][TEXT_SAFE_NAME];
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (pem)
		return print_pem(r->der, r->der_len, r->serial);
	if ((rc = store_ca_get(ctx->st, r->issuer_id, &issuer)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("certificate %s names issuer %lld, which is not in the database "
			    "(run 'pinca db check')", r->serial, (long long)r->issuer_id);
		return RC_FAIL;
	}
	if (json) {
		json_t *o = certificate_json(r, now);
		if (o)
			json_object_set_new(o, "issuer_serial", json_string(issuer.serial ? issuer.serial : ""));
		rc = json_print(o);
	} else {
		time_rfc3339(r->not_before, nb, sizeof(nb));
		time_rfc3339(r->not_after, na, sizeof(na));
		time_rfc3339(r->issued_at, ia, sizeof(ia));
		if ((names = names_text(r)) == NULL) {
			pinca_warnx("out of memory");
			ca_record_clear(&issuer);
			return RC_FAIL;
		}
		printf("serial       %s\nname         %s\nstatus       %s\nprofile      %s\n"
		    "subject      %s\nnames        ", text_safe(r->serial, safe[0], sizeof(safe[0])),
		    r->name ? text_safe(r->name, safe[1], sizeof(safe[1])) : "-",
		    certificate_status(r, now), r->profile, text_safe(r->subject, safe[2], sizeof(safe[2])));
		text_fputs(names, stdout);
		printf("\nnot before   %s\nnot after    %s\n"
		    "issued at    %s\npin          %s\nsha256       %s\nissuer       %s (%s)\n",
		    nb, na, ia, r->pin, r->sha256_fingerprint,
		    text_safe(issuer.cn, safe[3], sizeof(safe[3])), issuer.serial ? issuer.serial : "pending");
		free(names);
		if (r->revoked) {
			time_rfc3339(r->revoked_at, ia, sizeof(ia));
			printf("revoked at   %s\nreason code  %d (%s)\n", ia, r->reason,
			    crl_reason_name(r->reason));
		}
		rc = RC_OK;
	}
	ca_record_clear(&issuer);
	return rc;
}

/* `db show` of a CA. */
static int
show_ca(const struct ca_record *r, int json, int pem)
{
	char nb[32] = "-", na[32] = "-", cn[TEXT_SAFE_NAME];

	if (pem)
		return print_pem(r->der, r->der_len, r->cn);
	if (json)
		return json_print(ca_record_json(r));
	if (r->not_before)
		time_rfc3339(r->not_before, nb, sizeof(nb));
	if (r->not_after)
		time_rfc3339(r->not_after, na, sizeof(na));
	printf("serial       %s\nrole         %s\nstate        %s\ncn           %s\n"
	    "key type     %s\nkey          %s\nnot before   %s\nnot after    %s\n"
	    "pin          %s\nsha256       %s\n", r->serial ? r->serial : "(pending)", r->role,
	    r->state, text_safe(r->cn, cn, sizeof(cn)), r->key_type,
	    r->key_path ? r->key_path : "(not held here)", nb, na,
	    r->pin, r->sha256_fingerprint ? r->sha256_fingerprint : "-");
	return RC_OK;
}

int
cmd_db_show(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_context ctx;
	struct cert_record cert;
	struct ca_record ca;
	struct opts o;
	char **rest, serial[72];
	int id, rc, json = 0, pem = 0;

	memset(&cert, 0, sizeof(cert));
	memset(&ca, 0, sizeof(ca));
	opts_init(&o, argc, argv, &show_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			json = 1;
		else if (id == OPT_PEM)
			pem = 1;
	}
	if (opts_rest(&o, &rest) != 1)
		return rc_exit(opts_usage_error(&show_help, "name one certificate by its SERIAL"));
	if (json && pem)
		return rc_exit(opts_usage_error(&show_help, "--json and --pem exclude each other"));
	if ((rc = serial_canonical(rest[0], serial, sizeof(serial))) != RC_OK)
		return rc_exit(rc);
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = store_cert_get(ctx.st, serial, &cert)) == RC_OK) {
		rc = show_leaf(&ctx, &cert, json, pem);
	} else if (rc == STORE_NOT_FOUND) {
		if ((rc = store_ca_find_serial(ctx.st, serial, &ca)) == RC_OK)
			rc = show_ca(&ca, json, pem);
		else if (rc == STORE_NOT_FOUND) {
			pinca_warnx("no certificate with serial %s in %s", serial, ctx.dir);
			rc = RC_FAIL;
		}
	}
	cert_record_clear(&cert);
	ca_record_clear(&ca);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

/* The db subcommands. */
static const struct subcommand db_commands[] = {
	{ "list", cmd_db_list, "list leaf certificates (filters: expiring, status, lineage)" },
	{ "show", cmd_db_show, "show one certificate by serial (leaf or CA)" },
	{ "check", cmd_db_check, "verify the database: integrity, every row against its DER" },
	{ "audit", cmd_db_audit, "verify the hash chain of the audit log; print the records" },
	{ "backup", cmd_db_backup, "copy the database online to a new file" },
	{ "migrate", cmd_db_migrate, "copy a SQLite store into an empty PostgreSQL database" },
	{ NULL, NULL, NULL },
};

int
cmd_db(int argc, char **argv)
{
	return subcommand_dispatch("db", db_commands, argc, argv);
}
