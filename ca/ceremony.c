/* ceremony: the one-machine ceremonies (the roots, an intermediate signed
 * by a root held here), the keys a ceremony makes, and the look-ups the
 * ceremony files share (which root signs, which constraints). Nothing here
 * prints: see ca/ceremony.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/ceremony.h"
#include "ca/crl_url.h"
#include "ca/guard.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"
#include "issue/lint.h"

/* Deletes the key files of a ceremony that did not commit (ceremony.h). */
void
ceremony_unlink_keys(const char *dir, const char *a, const char *b)
{
	char path[4096];

	if (a && !signer_key_uri_is(a) && cadir_path(path, sizeof(path), dir, a) == RC_OK)
		unlink(path);
	if (b && !signer_key_uri_is(b) && cadir_path(path, sizeof(path), dir, b) == RC_OK)
		unlink(path);
}

/* Generates a CA key of type, writes it encrypted under keys/, and returns
 * the key with its relative path in rel. */
EVP_PKEY *
ca_new_key_file(const char *dir, const char *role, enum key_type type,
    const struct secret *pass, char *rel, size_t rel_size)
{
	char pin[PIN_LEN], path[4096];
	EVP_PKEY *key;

	if ((key = key_generate(type)) == NULL)
		return NULL;
	if (spki_normalize(key) != RC_OK || pin_of_pkey(key, pin) != RC_OK ||
	    ca_key_relpath(role, pin, rel, rel_size) != RC_OK ||
	    cadir_path(path, sizeof(path), dir, rel) != RC_OK ||
	    dir_create_keys(dir) != RC_OK || key_write(path, key, pass) != RC_OK) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* A new CA key in a file or on a token (ca/ceremony.h). */
EVP_PKEY *
ca_new_key(const char *dir, const char *role, enum key_type type, const struct secret *pass,
    const char *uri, const struct pass_source *src, struct signer **token, char *rel,
    size_t rel_size, int *rc)
{
	EVP_PKEY *pub = NULL;

	*token = NULL;
	if (uri == NULL)
		return ca_new_key_file(dir, role, type, pass, rel, rel_size);
	*token = signer_generate_on_token(uri, src, type, &pub, rel, rel_size, rc);
	return pub;
}

/* Makes DIR/keys (0700); RC_OK when it exists already. */
int
dir_create_keys(const char *dir)
{
	char path[4096];

	if (cadir_path(path, sizeof(path), dir, CADIR_KEYS) != RC_OK)
		return RC_FAIL;
	return dir_create(path, 0700, 0);
}

/* Whether the root of role was retired; if so, one line saying what to
 * use instead (ca/ceremony.h). */
int
ca_root_retired_note(struct ca_context *ctx, const char *role)
{
	struct ca_record r = { 0 }, o = { 0 };
	char reason[16], when[32];
	int64_t at;
	int said = 0;

	if (store_ca_find(ctx->st, role, NULL, &r) == RC_OK && strcmp(r.state, "retired") == 0 &&
	    store_ca_retirement(ctx->st, r.id, reason, sizeof(reason), &at) == RC_OK) {
		time_rfc3339(at, when, sizeof(when));
		int other = store_ca_find(ctx->st, strcmp(role, "root") == 0 ? "standby" : "root",
		    "active", &o) == RC_OK;
		if (other)
			pinca_warnx("the %s root '%s' was retired as %s on %s: it signs nothing more; use "
			    "'--root %s'", strcmp(role, "root") == 0 ? "primary" : "standby", r.cn, reason,
			    when, strcmp(role, "root") == 0 ? "standby" : "primary");
		else
			pinca_warnx("every root in %s is retired (the %s as %s on %s): run a new ceremony "
			    "('pinca ca root' in a new CA directory)", ctx->dir, strcmp(role, "root") == 0 ?
			    "primary" : "standby", reason, when);
		said = 1;
	}
	ca_record_clear(&r);
	ca_record_clear(&o);
	return said;
}

/* The root that signs an intermediate here, or RC_FAIL with one line. */
int
ceremony_find_root(struct ca_context *ctx, const char *which, const char *missing,
    struct ca_record *root)
{
	if (store_ca_find_held(ctx->st, which, root) == RC_OK)
		return RC_OK;
	if (!ca_root_retired_note(ctx, which))
		pinca_warnx("no %s root key in %s: %s", which, ctx->dir, missing);
	return RC_FAIL;
}

/* The next intermediate's constraints and the root's CRL URL, into p. */
int
ceremony_constraints(struct ca_context *ctx, const struct ca_record *root,
    struct intermediate_params *p, struct constraints_choice *choice, char **root_crl_url)
{
	if (constraints_choose(ctx, p->permit_dns, p->npermit, p->permit_ip, p->npermit_ip,
	    p->no_constraints, choice) != RC_OK || ca_crl_url_get(ctx, root->id, root_crl_url) != RC_OK)
		return RC_FAIL;
	p->nc = choice->nc;
	p->crl_url = *root_crl_url;
	return RC_OK;
}

/* Frees a result (ca/ceremony.h). */
void
ceremony_result_clear(struct ceremony_result *res)
{
	for (int i = 0; i < 2; i++)
		ca_record_clear(&res->cas[i]);
	ca_record_clear(&res->root);
	json_decref(res->signing);
	free(res->crl_url);
	memset(res, 0, sizeof(*res));
}

/* A root ceremony while it runs: what to undo if it does not commit. */
struct root_work {
	struct ca_context ctx;
	struct secret *pass;
	struct signer *sg, *token[2];
	EVP_PKEY *keys[2];
	X509 *certs[2];
	char rel[2][1024];
	json_t *entries;
	int keys_written, transcript_made;
};

/* Makes both keys (files or token keys), both self-signed roots and their
 * records (into res->cas). */
static int
root_make(struct root_work *w, const struct ceremony_root_req *req, struct ceremony_result *res)
{
	static const char *const role[2] = { "root", "standby" };
	const char *cn[2] = { req->cn, req->standby_cn };
	char serial[SERIAL_HEX_MAX];
	int rc = RC_FAIL;

	for (int i = 0; i < 2; i++) {
		if ((w->keys[i] = ca_new_key(w->ctx.dir, role[i], req->type, w->pass, req->key_uri[i],
		    req->src, &w->token[i], w->rel[i], sizeof(w->rel[i]), &rc)) == NULL)
			return rc;
		w->keys_written = i + 1;
	}
	for (int i = 0; i < 2; i++)
		if ((w->certs[i] = root_build_with(w->token[i], w->keys[i], cn[i], req->days,
		    serial)) == NULL)
			return RC_FAIL;
	for (int i = 0; i < 2; i++)
		if (ca_record_from_cert(&res->cas[i], w->certs[i], role[i], "active", req->type,
		    w->rel[i], 0) != RC_OK)
			return RC_FAIL;
	return RC_OK;
}

/* Records both roots, the CRL URL default and the audit record, and writes
 * the transcript signed by the primary, in one transaction. */
static int
root_record(struct root_work *w, struct ceremony_result *res)
{
	struct store *st = w->ctx.st;
	struct signer *primary;

	if (store_begin(st) != RC_OK)
		return RC_FAIL;
	if (store_ca_insert(st, &res->cas[0]) != RC_OK || store_ca_insert(st, &res->cas[1]) != RC_OK ||
	    ca_crl_url_adopt(&w->ctx, res->cas[0].id, NULL, NULL) != RC_OK)
		goto rollback;
	w->entries = json_pack("[o,o]", transcript_cert_entry(&res->cas[0]),
	    transcript_cert_entry(&res->cas[1]));
	if (w->token[0])
		signer_set_cert(w->token[0], w->certs[0]);
	if (store_audit(st, "ca.root", w->entries) != RC_OK ||
	    (w->token[0] == NULL && (w->sg = signer_from_key(w->keys[0], w->certs[0])) == NULL))
		goto rollback;
	primary = w->token[0] ? w->token[0] : w->sg;
	if (transcript_write(&w->ctx, primary, res->cas[0].id, "root", w->entries, res->transcript,
	    sizeof(res->transcript)) != RC_OK)
		goto rollback;
	w->transcript_made = 1;
	if (store_commit(st) != RC_OK)
		return RC_FAIL;
	w->keys_written = w->transcript_made = 0;
	return RC_OK;
rollback:
	store_rollback(st);
	return RC_FAIL;
}

/* Undoes what did not commit and frees the work. */
static void
root_work_clear(struct root_work *w, const struct ceremony_result *res)
{
	if (w->transcript_made)
		transcript_discard(res->transcript);
	if (w->keys_written)
		ceremony_unlink_keys(w->ctx.dir, w->rel[0], w->keys_written > 1 ? w->rel[1] : NULL);
	for (int i = 0; i < w->keys_written; i++)
		signer_discard_key(w->token[i]);
	json_decref(w->entries);
	signer_free(w->sg);
	for (int i = 0; i < 2; i++) {
		signer_free(w->token[i]);
		EVP_PKEY_free(w->keys[i]);
		X509_free(w->certs[i]);
	}
	secret_free(w->pass);
	ca_context_close(&w->ctx);
}

/* The root ceremony (ca/ceremony.h). */
int
ceremony_root(const struct ceremony_root_req *req, struct ceremony_result *res)
{
	struct root_work w = { 0 };
	struct ca_record existing = { 0 };
	int rc;

	if ((rc = lint_ca_name("--cn", req->cn, strlen(req->cn))) != RC_OK ||
	    (rc = lint_ca_name("--standby-cn", req->standby_cn, strlen(req->standby_cn))) != RC_OK)
		return rc;
	if ((rc = ca_context_open(req->dir, &w.ctx)) != RC_OK)
		return rc;
	rc = RC_FAIL;
	if (store_ca_find(w.ctx.st, "root", NULL, &existing) != STORE_NOT_FOUND) {
		if (existing.cn)
			pinca_warnx("%s already has a root ('%s'); a CA directory holds one ceremony",
			    w.ctx.dir, existing.cn);
		ca_record_clear(&existing);
		goto out;
	}
	/* A passphrase only for a key kept in a file. */
	if ((req->key_uri[0] == NULL || req->key_uri[1] == NULL) &&
	    (rc = secret_read(req->src, "the new root keys", 1, &w.pass)) != RC_OK)
		goto out;
	if ((rc = root_make(&w, req, res)) != RC_OK || (rc = root_record(&w, res)) != RC_OK)
		goto out;
	res->ncas = 2;
out:
	root_work_clear(&w, res);
	return rc;
}

/* An intermediate ceremony while it runs. */
struct inter_work {
	struct ca_context ctx;
	struct intermediate_params p;
	struct ca_record root, old;
	struct constraints_choice choice;
	char *root_crl_url;
	struct secret *pass;
	struct signer *sg, *token;
	EVP_PKEY *key;
	X509 *cert;
	char rel[1024];
	json_t *objs, *entries;
	int key_written, transcript_made;
};

/* Opens the root's signer and makes the new key. One passphrase serves
 * both keys unless req->root_src says otherwise; it is read once (an
 * environment variable is scrubbed after reading). */
static int
inter_keys(struct inter_work *w, const struct ceremony_intermediate_req *req)
{
	int rc = RC_FAIL;

	if (req->root_src && (w->sg = signer_open(w->ctx.dir, &w->root, req->root_src, NULL,
	    &rc)) == NULL)
		return rc;
	if (req->key_uri == NULL &&
	    (rc = secret_read(req->src, "the new intermediate key", 1, &w->pass)) != RC_OK)
		return rc;
	rc = RC_FAIL;
	if (req->root_src == NULL &&
	    (w->sg = signer_open(w->ctx.dir, &w->root, req->src, w->pass, &rc)) == NULL)
		return rc;
	if ((w->key = ca_new_key(w->ctx.dir, "intermediate", req->type, w->pass, req->key_uri,
	    req->src, &w->token, w->rel, sizeof(w->rel), &rc)) == NULL)
		return rc;
	w->key_written = 1;
	return RC_OK;
}

/* Signs the intermediate and, in one transaction, retires the previous one,
 * records the new one with its CRL URL and audit record, and writes the
 * transcript signed by the root. */
static int
inter_record(struct inter_work *w, const struct ceremony_intermediate_req *req,
    struct ceremony_result *res)
{
	struct ca_record *rec = &res->cas[0];
	struct store *st = w->ctx.st;
	char serial[SERIAL_HEX_MAX];
	int have_old;

	if ((w->cert = intermediate_build(w->sg, w->key, &w->p, serial)) == NULL ||
	    ca_record_from_cert(rec, w->cert, "intermediate", "active", req->type, w->rel,
	    w->root.id) != RC_OK)
		return RC_FAIL;
	if (store_begin(st) != RC_OK)
		return RC_FAIL;
	have_old = store_ca_find_held(st, "intermediate", &w->old) == RC_OK;
	if (have_old && store_ca_set_state(st, w->old.id, "retired") != RC_OK)
		goto rollback;
	if (store_ca_insert(st, rec) != RC_OK ||
	    ca_crl_url_adopt(&w->ctx, rec->id, req->crl_url, &res->crl_url) != RC_OK)
		goto rollback;
	if ((res->signing = transcript_signing_json(req->which, &w->root, NULL, &w->choice,
	    w->root_crl_url)) == NULL)
		goto rollback;
	w->objs = json_pack("{s:o,s:s,s:s?,s:b,s:O}", "intermediate", ca_record_json(rec),
	    "signed_by", w->root.serial, "retired", have_old ? w->old.serial : NULL, "forced",
	    req->force, "signing", res->signing);
	w->entries = json_pack("[o]", transcript_cert_entry(rec));
	if (store_audit(st, "ca.intermediate", w->objs) != RC_OK ||
	    transcript_write_signing(&w->ctx, w->sg, rec->id, "sign", w->entries, res->signing,
	    res->transcript, sizeof(res->transcript)) != RC_OK)
		goto rollback;
	w->transcript_made = 1;
	if (store_commit(st) != RC_OK)
		return RC_FAIL;
	w->key_written = w->transcript_made = 0;
	return RC_OK;
rollback:
	store_rollback(st);
	return RC_FAIL;
}

/* Undoes what did not commit and frees the work. */
static void
inter_work_clear(struct inter_work *w, const struct ceremony_result *res)
{
	if (w->transcript_made)
		transcript_discard(res->transcript);
	if (w->key_written) {
		ceremony_unlink_keys(w->ctx.dir, w->rel, NULL);
		signer_discard_key(w->token);
	}
	signer_free(w->token);
	json_decref(w->entries);
	json_decref(w->objs);
	constraints_choice_clear(&w->choice);
	free(w->root_crl_url);
	EVP_PKEY_free(w->key);
	X509_free(w->cert);
	signer_free(w->sg);
	secret_free(w->pass);
	ca_record_clear(&w->root);
	ca_record_clear(&w->old);
	ca_context_close(&w->ctx);
}

/* The one-machine intermediate ceremony (ca/ceremony.h). */
int
ceremony_intermediate(const struct ceremony_intermediate_req *req, struct ceremony_result *res)
{
	struct inter_work w = { .p = req->params };
	struct ceremony_plan plan;
	int rc;

	if ((rc = lint_ca_name("--cn", w.p.cn, strlen(w.p.cn))) != RC_OK)
		return rc;
	if ((rc = ca_context_open(req->dir, &w.ctx)) != RC_OK)
		return rc;
	w.ctx.report = req->report;	/* the pin guard's --force warning */
	if ((rc = ceremony_find_root(&w.ctx, req->which, "run 'pinca ca root' first, or use "
	    "'pinca ca csr' on this host and 'pinca ca sign' on the root's", &w.root)) != RC_OK ||
	    (rc = guard_check_root(&w.ctx, &w.root, req->force)) != RC_OK ||
	    (rc = ceremony_constraints(&w.ctx, &w.root, &w.p, &w.choice, &w.root_crl_url)) != RC_OK)
		goto out;
	plan.choice = &w.choice;
	plan.root_crl_url = w.root_crl_url;
	if (req->announce)
		req->announce(&plan, req->announce_arg);
	if ((rc = inter_keys(&w, req)) != RC_OK || (rc = inter_record(&w, req, res)) != RC_OK)
		goto out;
	res->ncas = 1;
out:
	inter_work_clear(&w, res);
	return rc;
}
