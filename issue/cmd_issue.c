/* cmd_issue: `pinca issue`: one leaf from flags, or many from JSON lines
 * (`--batch FILE`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "issue/batch.h"
#include "issue/certjson.h"
#include "issue/cmd.h"
#include "issue/job.h"

enum { OPT_NAME = 20, OPT_DNS, OPT_IP, OPT_CSR, OPT_KEY_OUT, OPT_KEY, OPT_DAYS, OPT_PROFILE,
	OPT_CERT_OUT, OPT_CHAIN_OUT, OPT_FULLCHAIN_OUT, OPT_BATCH };

static const struct opt_spec issue_opts[] = {
	OPT_SPEC_DIR,
	{ "name", 1, OPT_NAME, "NAME", "lineage name: renewals keep its names and paths (required)" },
	{ "dns", 1, OPT_DNS, "HOST", "DNS name (repeatable; '*.example.com' for a wildcard)" },
	{ "ip", 1, OPT_IP, "ADDR", "IP address (repeatable)" },
	{ "csr", 1, OPT_CSR, "FILE", "certify the key of this CSR (only its key, and its names if no --dns/--ip)" },
	{ "key-out", 1, OPT_KEY_OUT, "FILE", "make a new key and write it here (0600)" },
	{ "key", 1, OPT_KEY, "TYPE", "type of a new key: ec-p256 (default), ec-p384, rsa-2048, rsa-4096" },
	{ "days", 1, OPT_DAYS, "N", "validity in days (default and maximum 825)" },
	{ "profile", 1, OPT_PROFILE, "P", "server (default) or client" },
	{ "cert-out", 1, OPT_CERT_OUT, "FILE", "write the certificate here" },
	{ "chain-out", 1, OPT_CHAIN_OUT, "FILE", "write the intermediate(s) here, without the root" },
	{ "fullchain-out", 1, OPT_FULLCHAIN_OUT, "FILE", "write the certificate and the intermediate(s) here" },
	{ "batch", 1, OPT_BATCH, "FILE", "issue one certificate per JSON line of FILE ('-': stdin)" },
	OPT_SPEC_SIGNER,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help issue_help = {
	"issue", "--name NAME --dns HOST... [--ip ADDR]... (--csr FILE | --key-out FILE)\n"
	"           [--key TYPE] [--days N] [--profile server|client] [--cert-out FILE]\n"
	"           [--chain-out FILE] [--fullchain-out FILE] | --batch FILE",
	"Issues a leaf certificate from this directory's intermediate. Every leaf\n"
	"passes the platform lints before it is signed (exit 3 names the rule); it\n"
	"is recorded in the database before any file is written. Every output is\n"
	"checked first: writable, not another output of the command or batch, not\n"
	"a key file, not one of the CA directory's files. If a file still fails,\n"
	"running the same command again writes the recorded certificate's files.",
	issue_opts,
};

/* The files written, as a JSON object (key, cert, chain, fullchain). */
static json_t *
written_json(const struct issue_job *job)
{
	return json_pack("{s:s?,s:s?,s:s?,s:s?}", "key", job->resume ? NULL : job->abs_key, "cert",
	    job->abs_cert, "chain", job->abs_chain, "fullchain", job->abs_fullchain);
}

/* Says which files were written: "wrote key F, certificate F..." */
static void
print_written(const struct issue_job *job)
{
	const char *what[] = { "key", "certificate", "chain", "fullchain" };
	const char *path[] = { job->resume ? NULL : job->key_out, job->cert_out, job->chain_out,
		job->fullchain_out };
	int n = 0;

	for (int i = 0; i < 4; i++)
		if (path[i])
			fprintf(stderr, "%s%s %s", n++ ? ", " : "wrote ", what[i], path[i]);
	fprintf(stderr, n ? "\n" : "wrote no file (no --cert-out)\n");
}

/* Prints the issued certificate as text or JSON, with the files written:
 * on a terminal, a line each on stderr (stdout keeps the serial alone, for
 * scripts, and stderr stays empty for cron); in JSON, a "files" member. */
static int
print_issued(struct issuer *is, struct issue_job *job, int json)
{
	struct cert_record r;
	json_t *o;
	char na[32];
	int rc;

	if (!json) {
		time_rfc3339(job->res.not_after, na, sizeof(na));
		printf("%s\n", job->res.serial);
		if (isatty(STDERR_FILENO)) {
			fprintf(stderr, "%s %s for '%s' until %s, pin %s\n",
			    job->resume ? "finished writing the files of" : "issued",
			    job->res.serial, job->req.name, na, job->res.pin);
			print_written(job);
		}
		return RC_OK;
	}
	if ((rc = store_cert_get(is->ctx->st, job->res.serial, &r)) != RC_OK)
		return RC_FAIL;
	o = certificate_json(&r, (int64_t)time(NULL));
	if (o)
		json_object_set_new(o, "files", written_json(job));
	rc = json_print(o);
	cert_record_clear(&r);
	return rc;
}

/* Applies one option to a job; returns 1 if it was an issuance option. */
static int
job_option(struct issue_job *job, int id, const char *arg, int *rc)
{
	long days;

	*rc = RC_OK;
	switch (id) {
	case OPT_NAME: job->req.name = arg; return 1;
	case OPT_CSR: job->csr_path = arg; return 1;
	case OPT_KEY_OUT: job->key_out = arg; return 1;
	case OPT_CERT_OUT: job->cert_out = arg; return 1;
	case OPT_CHAIN_OUT: job->chain_out = arg; return 1;
	case OPT_FULLCHAIN_OUT: job->fullchain_out = arg; return 1;
	case OPT_DNS: *rc = leaf_request_add_dns(&job->req, arg); return 1;
	case OPT_IP: *rc = leaf_request_add_ip(&job->req, arg); return 1;
	case OPT_KEY:
		*rc = key_type_parse(arg, &job->req.key_type);
		job->key_type_set = 1;
		return 1;
	case OPT_DAYS:
		*rc = opts_parse_long(&issue_help, "days", arg, 1, 100000, &days);
		job->req.days = days;
		return 1;
	case OPT_PROFILE:
		if (strcmp(arg, "server") && strcmp(arg, "client"))
			*rc = opts_usage_error(&issue_help, "--profile takes 'server' or 'client'");
		job->req.profile = strcmp(arg, "client") == 0 ? "client" : "server";
		return 1;
	}
	return 0;
}

/* Reads issue's options into job, src, *flag_dir, *batch and *json, and
 * checks what a single issue needs before the CA directory is opened.
 * RC_OK, or the usage or policy code with its line written. */
static int
issue_parse(int argc, char **argv, struct issue_job *job, struct pass_source *src,
    const char **flag_dir, const char **batch, int *json)
{
	const char *arg;
	struct opts o;
	int id, rc = RC_OK;

	opts_init(&o, argc, argv, &issue_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(src, id, arg) || job_option(job, id, arg, &rc)) {
			if (rc != RC_OK)
				return rc;
			continue;
		}
		if (id == OPT_DIR)
			*flag_dir = arg;
		else if (id == OPT_JSON)
			*json = 1;
		else if (id == OPT_BATCH)
			*batch = arg;
	}
	if (*batch) {
		if (job->req.name || job->csr_path || job->key_out || job->req.ndns || job->req.nip)
			return opts_usage_error(&issue_help, "--batch takes its requests from FILE, not flags");
		return RC_OK;
	}
	if (job->req.name == NULL)
		return opts_usage_error(&issue_help, "--name NAME is required");
	if (job->csr_path && job->key_type_set)
		return opts_usage_error(&issue_help, "--key applies to --key-out, not to a CSR's key");
	if (job->csr_path == NULL && job->key_out == NULL)
		return opts_usage_error(&issue_help, "give --csr FILE or --key-out FILE");
	if (job->csr_path == NULL && job->req.ndns == 0 && job->req.nip == 0) {
		pinca_warnx("lint san-present: a leaf needs at least one --dns or --ip");
		return RC_POLICY;
	}
	return RC_OK;
}

/* pinca issue: one leaf (job_issue) or a batch (batch_issue), then what it
 * issued. */
int
cmd_issue(int argc, char **argv)
{
	const char *flag_dir = NULL, *batch = NULL;
	struct pass_source src = { 0 };
	struct ca_context ctx = { 0 };
	struct issuer is;
	struct issue_job job;
	int rc, json = 0;

	memset(&is, 0, sizeof(is));
	memset(&job, 0, sizeof(job));
	job.req.profile = "server";
	job.req.days = LEAF_DEFAULT_DAYS;
	job.req.key_type = KEY_EC_P256;
	if ((rc = issue_parse(argc, argv, &job, &src, &flag_dir, &batch, &json)) != RC_OK ||
	    (rc = ca_context_open(flag_dir, &ctx)) != RC_OK) {
		leaf_request_clear(&job.req);
		return rc_exit(rc);
	}
	if ((rc = issuer_open(&ctx, &src, &is)) == RC_OK)
		rc = batch ? batch_issue(&is, batch, &pinca_report_stdio) : job_issue(&is, &job);
	if (rc == RC_OK && batch == NULL)
		rc = print_issued(&is, &job, json);
	job_clear(&job);
	issuer_close(&is);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
