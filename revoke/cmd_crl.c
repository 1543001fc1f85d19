/* cmd_crl: `pinca crl`: makes, records and writes the CRL of one CA whose key
 * this directory holds (the active intermediate, else the root, or the CA
 * named by --ca). The CRL's number, dates, size and hash are recorded with an
 * audit record in one transaction; the file is written after the commit, so
 * a published CRL is always one the database knows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ca/context.h"
#include "ca/signer.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"
#include "revoke/cmd.h"
#include "revoke/crl.h"
#include "revoke/crl_make.h"
#include "revoke/presign.h"

enum { OPT_DAYS = 20, OPT_OUT, OPT_DER, OPT_CA, OPT_IF_DUE, OPT_PRESIGN, OPT_OUT_DIR };

static const struct opt_spec crl_opts[] = {
	OPT_SPEC_DIR,
	{ "days", 1, OPT_DAYS, "N", "nextUpdate N days after now (default 7 for an intermediate, "
	    "365 for a root; never past the CA's notAfter)" },
	{ "out", 1, OPT_OUT, "FILE", "write the CRL to FILE atomically (default: standard output)" },
	{ "der", 0, OPT_DER, NULL, "write DER instead of PEM" },
	{ "ca", 1, OPT_CA, "WHICH", "root, standby, intermediate or a CA serial (default: the "
	    "active intermediate held here, else the root)" },
	{ "if-due", 1, OPT_IF_DUE, "HOURS", "do nothing unless the latest CRL's nextUpdate is "
	    "within HOURS (or FILE is missing); for cron" },
	{ "presign", 1, OPT_PRESIGN, "N", "a root: make N consecutive CRLs now, CRL k valid from "
	    "now + (k-1)(D-30) days for D = --days (31..365, default 365) days" },
	{ "out-dir", 1, OPT_OUT_DIR, "DIR", "with --presign: write DIR/root-crl-1.pem ... "
	    "(standby-crl-K.pem for the standby)" },
	OPT_SPEC_SIGNER,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help crl_help = {
	"crl", "[--days N] [--out FILE] [--der] [--ca WHICH] [--if-due HOURS] [--pass-file FILE]\n"
	"       pinca crl --ca root --presign N [--days D] --out-dir DIR [--pass-file FILE]",
	"Makes a CRL v2 (RFC 5280) of every certificate the CA revoked, signed with its\n"
	"key (the passphrase is read if the key is encrypted), with a cRLNumber above\n"
	"the last and at least the time in microseconds since 1970 (so a copy restored\n"
	"from a backup still numbers above its original), the AKI, thisUpdate and\n"
	"nextUpdate, and each entry's revocationDate and reasonCode. Expired\n"
	"certificates stay listed. With --out it prints one summary line (--json: an\n"
	"object); with --if-due and nothing due it prints nothing and exits 0.\n"
	"--presign makes a root's CRLs for years ahead and prints their schedule:\n"
	"publish each only from its thisUpdate on. A root's revocation voids the\n"
	"pre-signed CRLs not yet published: the next crl of that root numbers above\n"
	"them and names the void files.",
	crl_opts,
};

struct crl_args {
	const char *flag_dir, *out, *which, *out_dir;
	long days, if_due_hours, presign;
	int der, json;
	struct pass_source src;
};

/* Parses the command line; returns RC_OK or RC_USAGE (message printed). */
static int
crl_parse(int argc, char **argv, struct crl_args *a)
{
	const char *arg;
	struct opts o;
	char **rest;
	int id;

	memset(a, 0, sizeof(*a));
	a->if_due_hours = -1;
	opts_init(&o, argc, argv, &crl_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&a->src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: a->flag_dir = arg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_OUT: a->out = arg; break;
		case OPT_DER: a->der = 1; break;
		case OPT_CA: a->which = arg; break;
		case OPT_DAYS:
			if (opts_parse_long(&crl_help, "days", arg, 1, 3650, &a->days) != RC_OK)
				return RC_USAGE;
			break;
		case OPT_IF_DUE:
			if (opts_parse_long(&crl_help, "if-due", arg, 0, 87600, &a->if_due_hours) != RC_OK)
				return RC_USAGE;
			break;
		case OPT_PRESIGN:
			if (opts_parse_long(&crl_help, "presign", arg, 1, PRESIGN_MAX, &a->presign) != RC_OK)
				return RC_USAGE;
			break;
		case OPT_OUT_DIR: a->out_dir = arg; break;
		}
	}
	if (opts_rest(&o, &rest) != 0)
		return opts_usage_error(&crl_help, "unexpected argument '%s'", rest[0]);
	if ((a->presign != 0) != (a->out_dir != NULL))
		return opts_usage_error(&crl_help, "--presign N and --out-dir DIR go together");
	if (a->presign && (a->out || a->der || a->if_due_hours >= 0))
		return opts_usage_error(&crl_help, "--presign writes PEM files into --out-dir: no "
		    "--out, --der or --if-due");
	if (a->presign && a->days != 0 && (a->days < PRESIGN_DAYS_MIN || a->days > PRESIGN_DAYS_MAX))
		return opts_usage_error(&crl_help, "--days with --presign takes %d..%d (windows "
		    "overlap by %d days; a root's CRL lasts at most a year)", PRESIGN_DAYS_MIN,
		    PRESIGN_DAYS_MAX, PRESIGN_OVERLAP_DAYS);
	if (a->presign)
		return RC_OK;
	if (a->json && a->out == NULL)
		return opts_usage_error(&crl_help, "--json describes a CRL written with --out");
	return RC_OK;
}

/* With --if-due: 1 when the CA's latest CRL is still good for more than the
 * given hours and the output file exists (nothing to do), else 0. */
static int
crl_not_due(struct ca_context *ctx, const struct crl_args *a, int64_t ca_id, int64_t now)
{
	int64_t number, this_update, next_update;
	struct stat sb;

	if (a->if_due_hours < 0)
		return 0;
	if (a->out && stat(a->out, &sb) == -1 && errno == ENOENT)
		return 0;
	if (store_crl_latest(ctx->st, ca_id, &number, &this_update, &next_update) != RC_OK)
		return 0;
	return next_update - now > (int64_t)a->if_due_hours * 3600;
}

/* Writes the committed CRL where it was asked for and reports it, with the
 * pre-signed CRLs of this CA that a revocation has made void (on stderr
 * when the CRL itself goes to standard output). */
static int
crl_output(struct ca_context *ctx, const struct crl_args *a, const struct ca_record *ca,
    const struct crl_request *req, const struct crl *c)
{
	char next[32], cn[TEXT_SAFE_NAME];
	json_t *voids;

	/* --out /dev/stdout is standard output: the CRL alone, as without --out. */
	if (a->out == NULL || file_is_stdout(a->out)) {
		if (crl_emit(stdout, c, a->der) != RC_OK || fflush(stdout) == EOF) {
			pinca_warn("cannot write the CRL to standard output");
			return RC_FAIL;
		}
		return crl_void_report(ctx, ca->id, req->this_update, stderr, NULL);
	}
	if (crl_write_file(a->out, c, a->der) != RC_OK)
		return RC_FAIL;
	time_rfc3339(req->next_update, next, sizeof(next));
	if (a->json) {
		if ((voids = json_array()) == NULL ||
		    crl_void_report(ctx, ca->id, req->this_update, NULL, voids) != RC_OK) {
			json_decref(voids);
			return RC_FAIL;
		}
		return json_print(json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:o}", "number",
		    (json_int_t)req->number, "issuer", ca->cn, "issuer_serial", ca->serial,
		    "entries", (json_int_t)c->entries, "next_update", next, "sha256", c->sha256,
		    "path", a->out, "void", voids));
	}
	printf("CRL %lld of %s '%s': %lld entries, next update %s, written to %s\n",
	    (long long)req->number, ca->role, text_safe(ca->cn, cn, sizeof(cn)),
	    (long long)c->entries, next, a->out);
	return crl_void_report(ctx, ca->id, req->this_update, stdout, NULL);
}

/* The CA whose CRL is made: --ca's, else the one that signs here; it must
 * have its certificate. A --out file must not be one of the CA directory's
 * own files. */
static int
crl_find_ca(struct ca_context *ctx, const struct crl_args *a, struct ca_record *ca)
{
	int rc;

	if (a->out && !file_is_stdout(a->out)) {
		/* Never over the database, a key or the CA directory's files. */
		struct file_guard g;
		file_guard_init(&g, ctx->dir);
		if (file_guard_check(&g, a->out, NULL, 0) != RC_OK)
			return RC_FAIL;
	}
	rc = a->which ? ca_find_named(ctx, a->which, ca) : ca_find_signing(ctx, ca);
	if (rc != RC_OK)
		return rc == STORE_NOT_FOUND ? RC_FAIL : rc;
	if (ca->der == NULL) {
		pinca_warnx("%s '%s' has no certificate yet (its CSR is out for signing)", ca->role,
		    ca->cn);
		return RC_FAIL;
	}
	return RC_OK;
}

/* pinca crl: the CA's CRL made (crl_make_signed) or pre-signed, then
 * written and reported. */
int
cmd_crl(int argc, char **argv)
{
	struct crl_args a;
	struct ca_context ctx;
	struct ca_record ca = { 0 };
	struct crl_request req = { 0 };
	struct crl c = { 0 };
	int64_t now;
	int rc;

	if ((rc = crl_parse(argc, argv, &a)) != RC_OK)
		return rc_exit(rc);
	/* A bad --out fails here, before any passphrase or state change. */
	if (a.out && file_check_parent(a.out) != RC_OK)
		return PINCA_EXIT_FAIL;
	if ((rc = ca_context_open(a.flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = crl_find_ca(&ctx, &a, &ca)) != RC_OK)
		goto out;
	if (a.presign) {
		rc = cmd_crl_presign(&ctx, &ca, &a.src, (int)a.presign, a.days, a.out_dir, a.json);
		goto out;
	}
	now = (int64_t)time(NULL);
	if (crl_not_due(&ctx, &a, ca.id, now))
		goto out;	/* rc is RC_OK: nothing to do */
	crl_request_for(&req, &ca, a.days, now);
	if ((rc = crl_make_signed(&ctx, &ca, &a.src, &req, &c)) == RC_OK)
		rc = crl_output(&ctx, &a, &ca, &req, &c);
out:
	crl_clear(&c);
	ca_record_clear(&ca);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
