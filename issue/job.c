/* job: issuance of one leaf with a new lineage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca/csr.h"
#include "ca/der_direct.h"
#include "common/err.h"
#include "common/fileio.h"
#include "issue/job.h"
#include "issue/lineage_issue.h"
#include "issue/outputs.h"
#include "issue/stage.h"

/* Lineage names become file and unit names in users' scripts: keep them tame. */
static int
lineage_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return name[0] != '.' && name[0] != '-';
}

/* Loads the CSR (only its key and, when no names were given, its SAN). A
 * P-256 CSR takes the fast parser; anything it does not take, including
 * every malformed or badly signed CSR, goes to csr_parse, which explains. */
static int
job_key_from_csr(struct issue_job *job)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *csr = NULL;
	unsigned char *data;
	size_t len;
	int rc;

	if (file_read_all(job->csr_path, 1 << 20, &data, &len) != RC_OK)
		return RC_FAIL;
	if (der_direct_read_csr_p256(data, len, &job->key, &exts, job->spki)) {
		free(data);
		job->req.key_type = KEY_EC_P256;
		job->req.pub_normalized = 1;
		job->req.spki = job->spki;
		job->req.spki_len = sizeof(job->spki);
		if (job->req.ndns == 0 && job->req.nip == 0)
			rc = leaf_request_names_from_exts(&job->req, exts);
		else
			rc = RC_OK;
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		return rc;
	}
	rc = csr_parse(data, len, job->csr_path, &csr, &job->key, &job->req.key_type);
	free(data);
	if (rc != RC_OK)
		return rc;
	job->req.pub_normalized = 1;	/* csr_parse normalised it */
	if (job->req.ndns == 0 && job->req.nip == 0)
		rc = leaf_request_names_from_csr(&job->req, csr);
	X509_REQ_free(csr);
	return rc;
}

/* Checks that an output path's directory exists and takes a new file
 * (once per directory per batch group). */
static int
job_check_parent(const struct issue_job *job, const char *path)
{
	if (path == NULL || dir_memo_holds(job->memo, path))
		return RC_OK;
	return out_probe_dir(path);
}

/* Sets *abs to an output path made absolute for the lineage record. */
static int
job_resolve(const struct issue_job *job, const char *path, char **abs)
{
	if (path == NULL)
		return RC_OK;
	return (*abs = leaf_abs_path(path, job->memo)) != NULL ? RC_OK : RC_FAIL;
}

/* Claims one output in the command's set (outputs.h). */
static int
job_claim(struct issue_job *job, const char *path, const char *abs, enum out_kind kind)
{
	if (path == NULL || job->outs == NULL)
		return RC_OK;
	return out_claim(job->outs, path, abs, kind);
}

/* Checks every output before anything is signed: its directory takes a new
 * file, it is no other output of the command, no key and none of the CA
 * directory's files; resolves them for the lineage record. */
static int
job_check_outputs(struct issue_job *job)
{
	if (job_check_parent(job, job->key_out) != RC_OK ||
	    job_check_parent(job, job->cert_out) != RC_OK ||
	    job_check_parent(job, job->chain_out) != RC_OK ||
	    job_check_parent(job, job->fullchain_out) != RC_OK)
		return RC_FAIL;
	if (job_resolve(job, job->key_out, &job->abs_key) != RC_OK ||
	    job_resolve(job, job->cert_out, &job->abs_cert) != RC_OK ||
	    job_resolve(job, job->chain_out, &job->abs_chain) != RC_OK ||
	    job_resolve(job, job->fullchain_out, &job->abs_fullchain) != RC_OK)
		return RC_FAIL;
	if (job_claim(job, job->key_out, job->abs_key, job->resume ? OUT_OWN_KEY : OUT_NEW_KEY) != RC_OK ||
	    job_claim(job, job->cert_out, job->abs_cert, OUT_FILE) != RC_OK ||
	    job_claim(job, job->chain_out, job->abs_chain, OUT_CHAIN) != RC_OK ||
	    job_claim(job, job->fullchain_out, job->abs_fullchain, OUT_FILE) != RC_OK)
		return RC_FAIL;
	return RC_OK;
}

/* Whether two optional paths are the same. */
static int
same_path(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* An existing lineage: refused, unless it was issued and recorded but its
 * files were never written (the run failed after the commit) and this
 * request names the same outputs: the job then writes the recorded
 * certificate (job->resume) instead of signing another. */
static int
job_existing(struct issuer *is, struct issue_job *job, struct lineage_record *l)
{
	char serial[SERIAL_HEX_MAX];
	struct cert_record r;
	int rc;

	if (!l->deploy_pending || l->deployed_serial != NULL ||
	    !same_path(job->abs_key, l->key_path) || !same_path(job->abs_cert, l->cert_path) ||
	    !same_path(job->abs_chain, l->chain_path) ||
	    !same_path(job->abs_fullchain, l->fullchain_path)) {
		pinca_warnx("lineage '%s' exists already; renew it with 'pinca renew %s'",
		    job->req.name, job->req.name);
		return RC_FAIL;
	}
	if (job->key_out && access(job->key_out, F_OK) != 0) {
		pinca_warn("lineage '%s' was recorded but its key %s is missing", job->req.name,
		    job->key_out);
		return RC_FAIL;
	}
	if ((rc = store_lineage_newest_serial(is->ctx->st, l->id, serial, sizeof(serial))) != RC_OK ||
	    (rc = store_cert_get(is->ctx->st, serial, &r)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("lineage '%s' has no certificate", l->name);
		return RC_FAIL;
	}
	rc = leaf_result_from_record(&r, &job->res);
	cert_record_clear(&r);
	job->lineage_id = l->id;
	job->resume = 1;
	return rc;
}

/* Names the temporary file of a new key: key_out, ".pending." and this
 * process's id and a counter, a name no other file has, so that no
 * unrelated file is ever removed. */
static int
job_pending_name(struct issue_job *job)
{
	size_t n = strlen(job->key_out) + sizeof(".pending.") + 32;

	if ((job->key_pending = malloc(n)) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	for (int i = 0; i < FILE_TEMP_ATTEMPTS; i++) {
		snprintf(job->key_pending, n, "%s.pending.%ld.%d", job->key_out, (long)getpid(), i);
		if (access(job->key_pending, F_OK) != 0 && errno == ENOENT)
			return RC_OK;
	}
	pinca_warnx("cannot pick a temporary name beside %s", job->key_out);
	return RC_FAIL;
}

int
job_prepare(struct issuer *is, struct issue_job *job)
{
	struct lineage_record existing;
	int rc;

	if (!lineage_name_valid(job->req.name)) {
		pinca_warnx("'%s' is not a lineage name (letters, digits, '-', '_', '.'; at most 64)",
		    job->req.name);
		return RC_USAGE;
	}
	if ((job->csr_path == NULL) == (job->key_out == NULL)) {
		pinca_warnx("give --csr FILE or --key-out FILE (one of them)");
		return RC_USAGE;
	}
	if ((rc = store_lineage_get(is->ctx->st, job->req.name, &existing)) != STORE_NOT_FOUND) {
		if (rc == RC_OK) {
			/* Paths first: a resumed issue must name the same ones. */
			job->resume = 1;
			if ((rc = job_check_outputs(job)) == RC_OK)
				rc = job_existing(is, job, &existing);
		}
		lineage_record_clear(&existing);
		return rc == RC_OK ? RC_OK : RC_FAIL;
	}
	/* Every output is checked before anything is signed or recorded. */
	if (job_check_outputs(job) != RC_OK)
		return RC_FAIL;
	if (job->csr_path)
		rc = job_key_from_csr(job);
	else
		rc = (job->key = key_generate(job->req.key_type)) ? RC_OK : RC_FAIL;
	if (rc != RC_OK)
		return rc;
	job->req.pub = job->key;
	if ((rc = leaf_build(is, &job->req, &job->res)) != RC_OK)
		return rc;
	if (job->key_out) {
		/* The key waits under a temporary name until its certificate is
		 * committed: a crash before then leaves no file at key_out, so the
		 * same request can simply run again. */
		if (job_pending_name(job) != RC_OK || key_write(job->key_pending, job->key, NULL) != RC_OK)
			return RC_FAIL;
		job->key_written = 1;
	}
	return RC_OK;
}

/* After the commit: moves the new key to key_out (never over a file). */
static int
job_place_key(struct issue_job *job)
{
	if (!job->key_written)
		return RC_OK;
	job->key_written = 0;	/* recorded: the key belongs to the lineage now */
	if (link(job->key_pending, job->key_out) == -1) {
		pinca_warn("cannot move the new key to %s (it is in %s)", job->key_out, job->key_pending);
		return RC_FAIL;
	}
	unlink(job->key_pending);
	return file_sync_parent(job->key_out);
}

/* Records the lineage (with its files), the certificate and the audit
 * record through lineage_issue_record, as every issuance does. */
int
job_record(struct issuer *is, struct issue_job *job)
{
	struct lineage_issue_opts opts = {
		.new_only = 1, .key_source = job->csr_path ? "csr" : "generated",
		.key_path = job->abs_key, .cert_path = job->abs_cert, .chain_path = job->abs_chain,
		.fullchain_path = job->abs_fullchain,
	};
	int renewed;

	if (job->resume)
		return RC_OK;	/* recorded by the run whose files failed */
	return lineage_issue_record(is, &job->req, &opts, &renewed, &job->lineage_id, &job->res);
}

int
job_write(struct issuer *is, struct issue_job *job)
{
	struct leaf_paths paths = { job->cert_out, job->chain_out, job->fullchain_out };

	if (job_place_key(job) != RC_OK)
		return RC_FAIL;
	return leaf_write_files(is, &job->res, &paths);
}

int
job_stage(struct issuer *is, struct issue_job *job, struct stage *s, int owner)
{
	const char *pem = job->res.cert_pem, *chain = is->chain_pem;
	size_t clen = strlen(pem), chlen = strlen(chain);
	char *full;
	int rc = RC_OK;

	if (job_place_key(job) != RC_OK)
		return RC_FAIL;
	if (job->cert_out &&
	    stage_add(s, job->cert_out, job->abs_cert, pem, clen, 0644, owner) != RC_OK)
		rc = RC_FAIL;
	if (job->chain_out &&
	    stage_add(s, job->chain_out, job->abs_chain, chain, chlen, 0644, owner) != RC_OK)
		rc = RC_FAIL;
	if (job->fullchain_out) {
		if ((full = malloc(clen + chlen + 1)) == NULL) {
			pinca_warnx("out of memory");
			return RC_FAIL;
		}
		memcpy(full, pem, clen);
		memcpy(full + clen, chain, chlen + 1);
		if (stage_add(s, job->fullchain_out, job->abs_fullchain, full, clen + chlen, 0644,
		    owner) != RC_OK)
			rc = RC_FAIL;
		free(full);
	}
	return rc;
}

void
job_abort(struct issue_job *job)
{
	if (job->key_written)
		unlink(job->key_pending);
	job->key_written = 0;
}

void
job_clear(struct issue_job *job)
{
	job_abort(job);
	leaf_request_clear(&job->req);
	leaf_result_clear(&job->res);
	EVP_PKEY_free(job->key);
	free(job->abs_key);
	free(job->abs_cert);
	free(job->abs_chain);
	free(job->abs_fullchain);
	free(job->key_pending);
	job->key_pending = NULL;
	job->key = NULL;
	job->abs_key = job->abs_cert = job->abs_chain = job->abs_fullchain = NULL;
}

/* One single issue, start to files (job.h). */
int
job_issue(struct issuer *is, struct issue_job *job)
{
	struct out_set outs;
	int rc;

	memset(&outs, 0, sizeof(outs));
	out_set_init(&outs, is->ctx->dir);
	job->outs = &outs;
	if ((rc = job_prepare(is, job)) != RC_OK || (rc = store_begin(is->ctx->st)) != RC_OK)
		goto out;
	if ((rc = job_record(is, job)) != RC_OK) {
		store_rollback(is->ctx->st);
		goto out;
	}
	if ((rc = store_commit(is->ctx->st)) != RC_OK)
		goto out;
	/* The lineage stays due (renew --due, or this command again) until
	 * its files are on disk. */
	if ((rc = job_write(is, job)) == RC_OK)
		rc = store_lineage_deployed(is->ctx->st, job->lineage_id, job->res.serial);
out:
	out_set_clear(&outs);
	job->outs = NULL;
	return rc;
}
