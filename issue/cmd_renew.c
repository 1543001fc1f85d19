/* cmd_renew: `pinca renew NAME` and `pinca renew --due DAYS`: a new
 * certificate for a lineage, for the same public key unless --new-key (or
 * --csr) rotates it. Renewal reads no leaf private key: the stored SPKI is
 * signed again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ca/cmd.h"
#include "ca/csr.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"
#include "issue/certjson.h"
#include "issue/cmd.h"
#include "issue/leaf.h"

enum { OPT_DUE = 20, OPT_NEW_KEY, OPT_EXEC, OPT_CSR, OPT_DAYS };

static const struct opt_spec renew_opts[] = {
	OPT_SPEC_DIR,
	{ "due", 1, OPT_DUE, "DAYS", "renew every lineage whose certificate ends within DAYS" },
	{ "new-key", 0, OPT_NEW_KEY, NULL, "rotate the key (pinca-made keys; the pin guard applies)" },
	{ "csr", 1, OPT_CSR, "FILE", "rotate to the key of this CSR (lineages issued from a CSR)" },
	{ "days", 1, OPT_DAYS, "N", "validity in days (default: the lineage's)" },
	{ "exec", 1, OPT_EXEC, "CMD", "after renewals, run CMD with /bin/sh -c (once, if any renewed)" },
	{ "force", 0, OPT_FORCE, NULL, "override the pin guard (recorded in the audit log)" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_SPEC_MODULE,
	OPT_SPEC_PIN_FILE,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help renew_help = {
	"renew", "(NAME | --due DAYS) [--new-key | --csr FILE] [--days N] [--exec CMD]",
	"Renews a lineage: same names, same files, same key unless --new-key. For\n"
	"cron: 'pinca renew --due 30 --exec \"systemctl reload nginx\"' renews what\n"
	"expires within 30 days and runs the hook once if anything was renewed.\n"
	"The hook sees PINCA_RENEWED (the renewed lineage names) in its environment.",
	renew_opts,
};

struct renew_run {
	struct issuer *is;
	int new_key, force, json;
	long days;
	const char *csr_path;
	int renewed, failed;
	int first_error;	/* the RC_* of the first failure: its exit status is ours */
	char names[4096];	/* space-separated renewed lineages, for the hook */
	json_t *results;
};

/* The pins of the chain this directory serves above the leaf. */
static void
chain_pins(struct issuer *is, const char *set[3], struct ca_record *root)
{
	set[0] = is->ca.pin;
	set[1] = store_ca_get(is->ctx->st, is->ca.issuer_id, root) == RC_OK ? root->pin : NULL;
	set[2] = NULL;
}

/* Decides the key of the renewed certificate: the stored SPKI, a new key, or
 * a CSR's key. *private is set only for a new pinca-made key. */
static int
renew_key(struct renew_run *run, const struct lineage_record *l, EVP_PKEY **pub,
    EVP_PKEY **private, enum key_type *type)
{
	const unsigned char *p = l->spki;
	int rc;

	*pub = *private = NULL;
	if (run->csr_path) {
		X509_REQ *csr = NULL;
		rc = csr_load(run->csr_path, &csr, pub, type);
		X509_REQ_free(csr);
		return rc;
	}
	if (key_type_parse(l->key_type, type) != RC_OK)
		return RC_FAIL;
	if (run->new_key) {
		if (l->key_path == NULL) {
			pinca_warnx("lineage '%s' was issued from a CSR: rotate it with --csr FILE", l->name);
			return RC_USAGE;
		}
		if ((*private = key_generate(*type)) == NULL)
			return RC_FAIL;
		EVP_PKEY_up_ref(*private);
		*pub = *private;
		return RC_OK;
	}
	if ((*pub = d2i_PUBKEY(NULL, &p, (long)l->spki_len)) == NULL) {
		pinca_warn_ssl("the stored key of lineage '%s' is damaged", l->name);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Fills a leaf request from the lineage's stored names. */
static int
renew_request(const struct lineage_record *l, struct leaf_request *req)
{
	json_t *dns = json_loads(l->dns_json, 0, NULL), *ip = json_loads(l->ip_json, 0, NULL), *v;
	size_t i;
	int rc = RC_OK;

	json_array_foreach(dns, i, v)
		if (rc == RC_OK)
			rc = leaf_request_add_dns(req, json_string_value(v) ? json_string_value(v) : "");
	json_array_foreach(ip, i, v)
		if (rc == RC_OK)
			rc = leaf_request_add_ip(req, json_string_value(v) ? json_string_value(v) : "");
	json_decref(dns);
	json_decref(ip);
	return rc;
}

/* Renews one lineage: sign, record, commit, then move the new key and the
 * files into place. */
static int
lineage_renew(struct renew_run *run, const struct lineage_record *l)
{
	struct issuer *is = run->is;
	struct leaf_request req;
	struct leaf_result res;
	struct lineage_record upd = *l;
	struct ca_record root = { 0 };
	EVP_PKEY *pub = NULL, *private = NULL;
	char next_key[4200] = "";
	const char *before[4], *after[4];
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	int rc, rotated = 0, next_written = 0;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.name = l->name;
	req.profile = l->profile;
	req.days = run->days ? run->days : l->days;
	if ((rc = renew_key(run, l, &pub, &private, &req.key_type)) != RC_OK ||
	    (rc = renew_request(l, &req)) != RC_OK)
		goto out;
	req.pub = pub;
	if ((rc = leaf_build(is, &req, &res)) != RC_OK)
		goto out;
	rotated = strcmp(res.pin, l->pin) != 0;
	if (rotated) {
		chain_pins(is, before + 1, &root);
		before[0] = l->pin;
		after[0] = res.pin;
		after[1] = before[1];
		after[2] = before[2];
		char what[128];
		snprintf(what, sizeof(what), "a new key for lineage '%s'", l->name);
		if ((rc = guard_check_transition(is->ctx, before, 3, after, 3, run->force, what)) != RC_OK)
			goto out;
	}
	rc = RC_FAIL;
	if (private) {
		/* The new key waits beside the old one until the commit. */
		snprintf(next_key, sizeof(next_key), "%s.next", l->key_path);
		unlink(next_key);
		if (key_write(next_key, private, NULL) != RC_OK)
			goto out;
		next_written = 1;
	}
	if (spki_der_of_pkey(pub, &spki, &spki_len) != RC_OK || store_begin(is->ctx->st) != RC_OK)
		goto out;
	upd.spki = spki;
	upd.spki_len = spki_len;
	upd.pin = res.pin;
	snprintf(upd.key_type, sizeof(upd.key_type), "%s", key_type_name(req.key_type));
	upd.updated_at = (int64_t)time(NULL);
	{
		json_t *objs = json_pack("{s:s,s:s,s:s,s:b,s:b}", "lineage", l->name, "serial",
		    res.serial, "pin", res.pin, "new_key", rotated, "forced", run->force && rotated);
		int ok = (!rotated || store_lineage_update_key(is->ctx->st, &upd) == RC_OK) &&
		    leaf_record(is, &req, l->id, NULL, NULL, &res) == RC_OK &&
		    store_audit(is->ctx->st, "renew", objs) == RC_OK;
		json_decref(objs);
		if (!ok) {
			store_rollback(is->ctx->st);
			goto out;
		}
	}
	if (store_commit(is->ctx->st) != RC_OK)
		goto out;
	if (next_written && rename(next_key, l->key_path) == -1) {
		pinca_warn("cannot move the new key into %s (it is in %s)", l->key_path, next_key);
		next_written = 0;
		goto out;
	}
	next_written = 0;
	{
		struct leaf_paths paths = { l->cert_path, l->chain_path, l->fullchain_path };
		if (leaf_write_files(is, &res, &paths) != RC_OK)
			goto out;
	}
	rc = RC_OK;
	run->renewed++;
	if (strlen(run->names) + strlen(l->name) + 2 < sizeof(run->names))
		snprintf(run->names + strlen(run->names), sizeof(run->names) - strlen(run->names),
		    "%s%s", run->names[0] ? " " : "", l->name);
	if (run->json) {
		struct cert_record r;
		if (store_cert_get(is->ctx->st, res.serial, &r) == RC_OK) {
			json_array_append_new(run->results, certificate_json(&r, (int64_t)time(NULL)));
			cert_record_clear(&r);
		}
	} else {
		printf("%s\t%s\t%s\n", l->name, res.serial, rotated ? "new key" : "same key");
	}
out:
	if (next_written)
		unlink(next_key);
	OPENSSL_free(spki);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(private);
	leaf_request_clear(&req);
	leaf_result_clear(&res);
	ca_record_clear(&root);
	if (rc != RC_OK && run->failed++ == 0)
		run->first_error = rc;
	return rc;
}

static int
renew_due_one(const struct lineage_record *l, void *arg)
{
	lineage_renew(arg, l);
	return 0;	/* one failure does not stop the others */
}

/* Runs the deploy hook with the renewed lineages in its environment. */
static int
run_hook(const char *cmd, const char *names)
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		pinca_warn("cannot run the deploy hook");
		return RC_FAIL;
	}
	if (pid == 0) {
		setenv("PINCA_RENEWED", names, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		pinca_warnx("the deploy hook failed (%s %d): %s", WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), cmd);
		return RC_FAIL;
	}
	return RC_OK;
}

int
cmd_renew(int argc, char **argv)
{
	const char *flag_dir = NULL, *exec_cmd = NULL, *arg;
	struct pass_source src = { 0 };
	struct ca_context ctx = { 0 };
	struct issuer is;
	struct renew_run run;
	struct lineage_record l;
	long due = -1;
	char **rest;
	int id, rc, nrest;
	struct opts o;

	memset(&run, 0, sizeof(run));
	memset(&is, 0, sizeof(is));
	opts_init(&o, argc, argv, &renew_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_JSON: run.json = 1; break;
		case OPT_FORCE: run.force = 1; break;
		case OPT_NEW_KEY: run.new_key = 1; break;
		case OPT_CSR: run.csr_path = arg; break;
		case OPT_EXEC: exec_cmd = arg; break;
		case OPT_DUE:
			if (opts_parse_long(&renew_help, "due", arg, 0, 100000, &due) != RC_OK)
				return PINCA_EXIT_USAGE;
			break;
		case OPT_DAYS:
			if (opts_parse_long(&renew_help, "days", arg, 1, 100000, &run.days) != RC_OK)
				return PINCA_EXIT_USAGE;
			break;
		}
	}
	nrest = opts_rest(&o, &rest);
	if ((due >= 0) == (nrest == 1) || nrest > 1)
		return rc_exit(opts_usage_error(&renew_help, "name one lineage, or give --due DAYS"));
	if (run.new_key && run.csr_path)
		return rc_exit(opts_usage_error(&renew_help, "--new-key and --csr exclude each other"));
	if (due >= 0 && run.csr_path)
		return rc_exit(opts_usage_error(&renew_help, "--csr renews one lineage, not --due"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if (nrest == 1 && (rc = store_lineage_get(ctx.st, rest[0], &l)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("no lineage '%s' (see 'pinca db list')", rest[0]);
		rc = RC_FAIL;
		goto out;
	}
	if ((rc = issuer_open(&ctx, &src, &is)) != RC_OK) {
		if (nrest == 1)
			lineage_record_clear(&l);
		goto out;
	}
	run.is = &is;
	run.results = json_array();
	if (nrest == 1) {
		lineage_renew(&run, &l);
		lineage_record_clear(&l);
	} else if (store_lineage_each_due(ctx.st, (int64_t)time(NULL) + (int64_t)due * 86400,
	    renew_due_one, &run) < 0) {
		run.failed++;
	}
	if (run.json)
		json_print(json_incref(run.results));
	else if (nrest == 0 && run.renewed == 0 && run.failed == 0 && isatty(STDOUT_FILENO))
		printf("nothing due within %ld days\n", due);	/* cron mails any output: stay quiet */
	rc = run.failed ? (run.first_error ? run.first_error : RC_FAIL) : RC_OK;
	if (exec_cmd && run.renewed > 0 && run_hook(exec_cmd, run.names) != RC_OK)
		rc = RC_FAIL;
	if (run.failed && run.renewed)
		pinca_warnx("%d lineage(s) renewed, %d failed", run.renewed, run.failed);
out:
	json_decref(run.results);
	issuer_close(&is);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
