/* renew: one lineage's renewal (sign, record, commit, then the files), the
 * second chance for a lineage whose files could not be written, the deploy
 * hook and its environment, and the lock that keeps two runs apart. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ca/guard.h"
#include "ca/csr.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"
#include "issue/certjson.h"
#include "issue/renew.h"

int
renew_lock(const char *dir, const struct pinca_report *report)
{
	int fd;

	/* The directory itself is locked: no lock file appears in it, so a
	 * refused renew leaves the directory as it was. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		pinca_warn("cannot open %s", dir);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (errno == EWOULDBLOCK) {
		/* One line, so that cron mail says why this run took long. */
		pinca_report(report, REPORT_NOTE, "another renew is running in %s; waiting for it to "
		    "finish", dir);
		while (flock(fd, LOCK_EX) == -1)
			if (errno != EINTR)
				break;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
	}
	pinca_warn("cannot lock %s for renewal", dir);
	close(fd);
	return -1;
}

void
renew_unlock(int fd)
{
	if (fd != -1)
		close(fd);	/* releases the flock */
}

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
			pinca_warnx("lineage '%s' was issued from a CSR: rotate it with "
			    "'pinca renew %s --csr FILE'", l->name, l->name);
			return run->due_mode ? RC_FAIL : RC_USAGE;
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

/* Checks the lineage's files before anything is signed (outputs.h): its
 * key (kept, or replaced when rotating) and each certificate file. */
static int
renew_check_outputs(struct renew_run *run, const struct lineage_record *l, int rotating)
{
	const char *files[3] = { l->cert_path, l->chain_path, l->fullchain_path };
	struct out_set outs;	/* this lineage's: lineages issued apart may share a chain */
	int rc = RC_FAIL;

	out_set_init(&outs, run->is->ctx->dir);
	if (l->key_path && (out_claim(&outs, l->key_path, l->key_path, OUT_OWN_KEY) != RC_OK ||
	    (rotating && out_probe_dir(l->key_path) != RC_OK)))
		goto out;
	for (int i = 0; i < 3; i++)
		if (files[i] && (out_claim(&outs, files[i], files[i], i == 1 ? OUT_CHAIN : OUT_FILE) !=
		    RC_OK || (!file_is_special_resolved(files[i]) && out_probe_dir(files[i]) != RC_OK)))
			goto out;
	rc = RC_OK;
out:
	out_set_clear(&outs);
	return rc;
}

/* Writes the new key beside the lineage's key under a name no other file
 * has (KEY.next.PID.N); the name goes to next. */
static int
renew_write_next_key(const char *key_path, EVP_PKEY *private, char *next, size_t size)
{
	for (int i = 0; i < FILE_TEMP_ATTEMPTS; i++) {
		snprintf(next, size, "%s.next.%ld.%d", key_path, (long)getpid(), i);
		if (access(next, F_OK) != 0 && errno == ENOENT)
			return key_write(next, private, NULL);
	}
	pinca_warnx("cannot pick a temporary name beside %s", key_path);
	return RC_FAIL;
}

/* Records the renewal in one transaction: the lineage's new key (when it
 * changed), the certificate, the audit record, and that its files are still
 * to be written (and a hook owed, with --exec). */
static int
renew_record(struct renew_run *run, const struct lineage_record *l, struct leaf_request *req,
    struct leaf_result *res, EVP_PKEY *pub, int rotated)
{
	struct issuer *is = run->is;
	struct lineage_record upd = *l;
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	json_t *objs = NULL;
	int ok;

	if (spki_der_of_pkey(pub, &spki, &spki_len) != RC_OK || store_begin(is->ctx->st) != RC_OK) {
		OPENSSL_free(spki);
		return RC_FAIL;
	}
	upd.spki = spki;
	upd.spki_len = spki_len;
	upd.pin = res->pin;
	snprintf(upd.key_type, sizeof(upd.key_type), "%s", key_type_name(req->key_type));
	upd.updated_at = (int64_t)time(NULL);
	objs = json_pack("{s:s,s:s,s:s,s:b,s:b}", "lineage", l->name, "serial", res->serial, "pin",
	    res->pin, "new_key", rotated, "forced", run->force && rotated);
	ok = (!rotated || store_lineage_update_key(is->ctx->st, &upd) == RC_OK) &&
	    leaf_record(is, req, l->id, NULL, NULL, res) == RC_OK &&
	    store_lineage_deploy_begin(is->ctx->st, l->id, run->hook) == RC_OK &&
	    store_audit(is->ctx->st, "renew", objs) == RC_OK;
	json_decref(objs);
	OPENSSL_free(spki);
	if (!ok) {
		store_rollback(is->ctx->st);
		return RC_FAIL;
	}
	return store_commit(is->ctx->st);
}

/* Writes a lineage's certificate files, then records it as deployed, and
 * reports it (a line, or a JSON object). how: "same key", "new key"... */
static int
renew_deploy(struct renew_run *run, const struct lineage_record *l, const struct leaf_result *res,
    const char *how)
{
	struct leaf_paths paths = { l->cert_path, l->chain_path, l->fullchain_path };
	struct issuer *is = run->is;

	if (leaf_write_files(is, res, &paths) != RC_OK ||
	    store_lineage_deployed(is->ctx->st, l->id, res->serial) != RC_OK)
		return RC_FAIL;
	run->renewed++;
	if (run->json) {
		struct cert_record r;
		if (store_cert_get(is->ctx->st, res->serial, &r) == RC_OK) {
			json_array_append_new(run->results, certificate_json(&r, (int64_t)time(NULL)));
			cert_record_clear(&r);
		}
	} else {
		pinca_report(run->report, REPORT_OUT, "%s\t%s\t%s", l->name, res->serial, how);
	}
	return RC_OK;
}

/* The second chance: the lineage's newest certificate was recorded but its
 * files were not all written. Writes them from the database. */
static int
renew_redeploy(struct renew_run *run, const struct lineage_record *l)
{
	char serial[SERIAL_HEX_MAX];
	struct cert_record r;
	struct leaf_result res;
	int rc;

	memset(&res, 0, sizeof(res));
	if ((rc = renew_check_outputs(run, l, 0)) != RC_OK)
		return rc;
	/* With --exec, the hook is owed for these files too. */
	if (run->hook && store_lineage_deploy_begin(run->is->ctx->st, l->id, 1) != RC_OK)
		return RC_FAIL;
	if ((rc = store_lineage_newest_serial(run->is->ctx->st, l->id, serial, sizeof(serial))) != RC_OK ||
	    (rc = store_cert_get(run->is->ctx->st, serial, &r)) != RC_OK) {
		if (rc == STORE_NOT_FOUND)
			pinca_warnx("lineage '%s' has no certificate", l->name);
		return RC_FAIL;
	}
	rc = leaf_result_from_record(&r, &res);
	cert_record_clear(&r);
	if (rc == RC_OK)
		rc = renew_deploy(run, l, &res, "files written again");
	leaf_result_clear(&res);
	return rc;
}

/* Signs, records and deploys a new certificate for l. */
static int
renew_sign(struct renew_run *run, const struct lineage_record *l)
{
	struct issuer *is = run->is;
	struct leaf_request req;
	struct leaf_result res;
	struct ca_record root = { 0 };
	EVP_PKEY *pub = NULL, *private = NULL;
	char next_key[4200] = "", what[128];
	const char *before[4], *after[4];
	int rc, rotated = 0;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.name = l->name;
	req.profile = l->profile;
	req.days = run->days ? run->days : l->days;
	if ((rc = renew_key(run, l, &pub, &private, &req.key_type)) != RC_OK ||
	    (rc = renew_request(l, &req)) != RC_OK ||
	    (rc = renew_check_outputs(run, l, private != NULL)) != RC_OK)
		goto out;
	req.pub = pub;
	if ((rc = leaf_build(is, &req, &res)) != RC_OK)
		goto out;
	if ((rotated = strcmp(res.pin, l->pin) != 0)) {
		chain_pins(is, before + 1, &root);
		before[0] = l->pin;
		after[0] = res.pin;
		after[1] = before[1];
		after[2] = before[2];
		snprintf(what, sizeof(what), "a new key for lineage '%s'", l->name);
		if ((rc = guard_check_transition(is->ctx, before, 3, after, 3, run->force, what)) != RC_OK)
			goto out;
	}
	/* The new key waits beside the old one until the commit. */
	rc = RC_FAIL;
	if (private && renew_write_next_key(l->key_path, private, next_key, sizeof(next_key)) != RC_OK) {
		next_key[0] = '\0';
		goto out;
	}
	if (renew_record(run, l, &req, &res, pub, rotated) != RC_OK)
		goto out;
	if (next_key[0] && rename(next_key, l->key_path) == -1) {
		pinca_warn("cannot move the new key into %s (it is in %s)", l->key_path, next_key);
		next_key[0] = '\0';
		goto out;
	}
	next_key[0] = '\0';
	rc = renew_deploy(run, l, &res, rotated ? "new key" : "same key");
out:
	if (next_key[0])
		unlink(next_key);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(private);
	leaf_request_clear(&req);
	leaf_result_clear(&res);
	ca_record_clear(&root);
	return rc;
}

int
renew_lineage(struct renew_run *run, const struct lineage_record *l)
{
	int rc;

	if (run->due_mode && l->deploy_pending && !run->new_key)
		rc = renew_redeploy(run, l);
	else
		rc = renew_sign(run, l);
	if (rc != RC_OK && run->failed++ == 0)
		run->first_error = rc;
	if (rc != RC_OK)
		pinca_report_error(run->report);	/* one line per failed lineage */
	return rc;
}

/* store_lineage_each_hook_pending callback: keeps the lineage's id, name
 * and paths in a JSON array. */
static int
hook_collect(const struct lineage_record *l, void *arg)
{
	json_t *o = json_pack("{s:I,s:s,s:s?,s:s?,s:s?,s:s?}", "id", (json_int_t)l->id, "name",
	    l->name, "cert", l->cert_path, "chain", l->chain_path, "fullchain", l->fullchain_path,
	    "key", l->key_path);

	return o == NULL || json_array_append_new(arg, o) != 0 ? RC_FAIL : RC_OK;
}

/* In the hook's process: PINCA_RENEWED (the names, space-separated),
 * PINCA_RENEWED_COUNT, and for the i-th lineage (from 1)
 * PINCA_RENEWED_<i>_NAME, _CERT, _CHAIN, _FULLCHAIN and _KEY (empty when the
 * lineage has no such file). */
static void
hook_environment(json_t *list)
{
	static const char *const fields[] = { "NAME", "CERT", "CHAIN", "FULLCHAIN", "KEY" };
	static const char *const keys[] = { "name", "cert", "chain", "fullchain", "key" };
	char var[64], count[32], *names;
	size_t i, total = 1, used = 0;
	json_t *o;

	/* PINCA_RENEWED holds every name, however many: sized, not cut. */
	json_array_foreach(list, i, o)
		total += strlen(json_string_value(json_object_get(o, "name"))) + 1;
	if ((names = malloc(total)) == NULL) {
		pinca_warnx("out of memory");
		pinca_err_print();	/* the hook's child ends here */
		_exit(127);
	}
	names[0] = '\0';
	json_array_foreach(list, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		used += (size_t)snprintf(names + used, total - used, "%s%s", i ? " " : "", name);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			const char *v = json_string_value(json_object_get(o, keys[f]));
			snprintf(var, sizeof(var), "PINCA_RENEWED_%zu_%s", i + 1, fields[f]);
			setenv(var, v ? v : "", 1);
		}
	}
	snprintf(count, sizeof(count), "%zu", json_array_size(list));
	setenv("PINCA_RENEWED", names, 1);
	setenv("PINCA_RENEWED_COUNT", count, 1);
	free(names);
}

/* Runs cmd with /bin/sh -c and the lineages of list in its environment. */
static int
hook_exec(const char *cmd, json_t *list)
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		pinca_warn("cannot run the deploy hook");
		return RC_FAIL;
	}
	if (pid == 0) {
		hook_environment(list);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			pinca_warn("cannot wait for the deploy hook");
			return RC_FAIL;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		pinca_warnx("the deploy hook failed (%s %d); it runs again on the next renew --exec: %s",
		    WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), cmd);
		return RC_FAIL;
	}
	return RC_OK;
}

int
renew_run_hook(struct renew_run *run, const char *cmd)
{
	struct store *st = run->is->ctx->st;
	json_t *list = json_array(), *o;
	size_t i;
	int rc = RC_FAIL;

	if (list == NULL || store_lineage_each_hook_pending(st, hook_collect, list) != RC_OK)
		goto out;
	rc = RC_OK;
	if (json_array_size(list) == 0 || (rc = hook_exec(cmd, list)) != RC_OK)
		goto out;
	json_array_foreach(list, i, o)
		if (store_lineage_hook_done(st, (int64_t)json_integer_value(json_object_get(o, "id"))) !=
		    RC_OK)
			rc = RC_FAIL;
out:
	json_decref(list);
	return rc;
}

void
renew_print_hook_pending(struct store *st, const char *cmd, const struct pinca_report *report)
{
	json_t *list = json_array();
	char *line = NULL;
	size_t size = 0, i;
	FILE *f;

	if (list && store_lineage_each_hook_pending(st, hook_collect, list) == RC_OK &&
	    json_array_size(list) > 0 && (f = open_memstream(&line, &size)) != NULL) {
		fputs("would run the deploy hook again for", f);
		for (i = 0; i < json_array_size(list); i++)
			fprintf(f, " %s", json_string_value(json_object_get(json_array_get(list, i), "name")));
		fprintf(f, ": %s", cmd);
		if (fclose(f) == 0)
			pinca_report_text(report, REPORT_OUT, line);
	}
	free(line);
	json_decref(list);
}
