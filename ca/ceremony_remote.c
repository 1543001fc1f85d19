/* ceremony_remote: the first two steps of the two-machine ceremony. The
 * issuing host makes its intermediate key and a CSR (ceremony_csr), the
 * offline root signs it and writes the bundle the import reads
 * (ceremony_sign); the last step is ca/ceremony_import.c. Nothing here
 * prints: see ca/ceremony.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "ca/bundle.h"
#include "ca/ceremony.h"
#include "ca/crl_url.h"
#include "ca/csr.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "issue/lint.h"

/* Refuses (RC_FAIL, one line) an output that would replace one of the CA
 * directory's own files (its database, a key) or any private key file. */
static int
ceremony_out_guard(const struct ca_context *ctx, const char *out)
{
	struct file_guard g;

	file_guard_init(&g, ctx->dir);
	return file_guard_check(&g, out, NULL, 0);
}

/* Writes the CSR as PEM to path atomically. */
static int
write_pem_req(const char *path, X509_REQ *req)
{
	BIO *b = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	int rc = RC_FAIL;

	if (b && PEM_write_bio_X509_REQ(b, req)) {
		BIO_get_mem_ptr(b, &bm);
		rc = file_write_atomic(path, bm->data, bm->length, 0644, 0);
	} else {
		pinca_warn_ssl("cannot encode the CSR");
	}
	BIO_free(b);
	return rc;
}

/* A CSR step while it runs. */
struct csr_work {
	struct ca_context ctx;
	struct secret *pass;
	struct signer *sg, *token;
	EVP_PKEY *key;
	X509_REQ *req;
	X509_NAME *name;
	struct ca_record rec;
	json_t *objs;
	char rel[1024];
	int key_written;
};

/* Builds and signs the CSR for the new key, and the pending record. */
static int
csr_make(struct csr_work *w, const struct ceremony_csr_req *req)
{
	struct ca_record *rec = &w->rec;
	unsigned char *der = NULL;
	char pin[PIN_LEN];
	int n;

	if ((w->req = X509_REQ_new()) == NULL || (w->name = name_from_cn(req->cn)) == NULL ||
	    !X509_REQ_set_version(w->req, 0) || !X509_REQ_set_subject_name(w->req, w->name) ||
	    !X509_REQ_set_pubkey(w->req, w->key) ||
	    (w->token == NULL && (w->sg = signer_from_key(w->key, NULL)) == NULL) ||
	    signer_sign_req(w->token ? w->token : w->sg, w->req) != RC_OK ||
	    pin_of_pkey(w->key, pin) != RC_OK)
		return RC_FAIL;
	snprintf(rec->role, sizeof(rec->role), "intermediate");
	snprintf(rec->state, sizeof(rec->state), "pending");
	snprintf(rec->key_type, sizeof(rec->key_type), "%s", key_type_name(req->type));
	rec->cn = strdup(req->cn);
	rec->key_path = strdup(w->rel);
	rec->pin = strdup(pin);
	rec->created_at = (int64_t)time(NULL);
	if (spki_der_of_pkey(w->key, &rec->spki, &rec->spki_len) != RC_OK ||
	    (n = i2d_X509_REQ(w->req, &der)) <= 0 || rec->cn == NULL || rec->key_path == NULL ||
	    rec->pin == NULL) {
		OPENSSL_free(der);
		return RC_FAIL;
	}
	rec->csr = der;
	rec->csr_len = (size_t)n;
	return RC_OK;
}

/* Records the pending intermediate, its audit record and the CRL URL
 * default in one transaction. */
static int
csr_record(struct csr_work *w, const struct ceremony_csr_req *req)
{
	struct store *st = w->ctx.st;

	if (store_begin(st) != RC_OK)
		return RC_FAIL;
	w->objs = json_pack("{s:s,s:s,s:s}", "cn", req->cn, "pin", w->rec.pin, "key_file", w->rel);
	if (store_ca_insert(st, &w->rec) != RC_OK || store_audit(st, "ca.csr", w->objs) != RC_OK ||
	    ca_crl_url_adopt(&w->ctx, w->rec.id, NULL, NULL) != RC_OK) {
		store_rollback(st);
		return RC_FAIL;
	}
	return store_commit(st);
}

/* Undoes what did not commit and frees the work. */
static void
csr_work_clear(struct csr_work *w)
{
	char keypath[4096];

	if (w->key_written && w->token)
		signer_discard_key(w->token);
	else if (w->key_written && cadir_path(keypath, sizeof(keypath), w->ctx.dir, w->rel) == RC_OK)
		unlink(keypath);
	signer_free(w->token);
	/* rec owns spki (OpenSSL-allocated) and csr: free them the matching way. */
	OPENSSL_free(w->rec.spki);
	w->rec.spki = NULL;
	OPENSSL_free(w->rec.csr);
	w->rec.csr = NULL;
	ca_record_clear(&w->rec);
	json_decref(w->objs);
	X509_NAME_free(w->name);
	X509_REQ_free(w->req);
	EVP_PKEY_free(w->key);
	signer_free(w->sg);
	secret_free(w->pass);
	ca_context_close(&w->ctx);
}

/* The issuing host's CSR step (ca/ceremony.h). */
int
ceremony_csr(const struct ceremony_csr_req *req, struct ceremony_result *res)
{
	struct csr_work w = { 0 };
	int rc;

	if ((rc = lint_ca_name("--cn", req->cn, strlen(req->cn))) != RC_OK)
		return rc;
	if (file_check_parent(req->out) != RC_OK)
		return RC_FAIL;
	if ((rc = ca_context_open(req->dir, &w.ctx)) != RC_OK)
		return rc;
	/* The CSR must not land on the database or a key file. */
	if ((rc = ceremony_out_guard(&w.ctx, req->out)) != RC_OK)
		goto out;
	if (req->key_uri == NULL &&
	    (rc = secret_read(req->src, "the new intermediate key", 1, &w.pass)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if ((w.key = ca_new_key(w.ctx.dir, "intermediate", req->type, w.pass, req->key_uri,
	    req->src, &w.token, w.rel, sizeof(w.rel), &rc)) == NULL)
		goto out;
	w.key_written = 1;
	rc = RC_FAIL;
	if (csr_make(&w, req) != RC_OK || csr_record(&w, req) != RC_OK)
		goto out;
	w.key_written = 0;
	if (write_pem_req(req->out, w.req) != RC_OK)
		goto out;
	snprintf(res->csr_pin, sizeof(res->csr_pin), "%s", w.rec.pin);
	rc = RC_OK;
out:
	csr_work_clear(&w);
	return rc;
}

/* Appends the PEM of a stored CA certificate to a growing buffer. */
static int
append_pem(char **buf, size_t *len, const unsigned char *der, size_t der_len)
{
	X509 *x = cert_from_der(der, der_len);
	char *pem = x ? cert_to_pem(x) : NULL, *nbuf;
	size_t n = pem ? strlen(pem) : 0;

	X509_free(x);
	if (pem == NULL || (nbuf = realloc(*buf, *len + n + 1)) == NULL) {
		free(pem);
		pinca_warnx("cannot encode a certificate");
		return RC_FAIL;
	}
	memcpy(nbuf + *len, pem, n + 1);
	*buf = nbuf;
	*len += n;
	free(pem);
	return RC_OK;
}

/* A signing step while it runs. */
struct sign_work {
	struct ca_context ctx;
	struct intermediate_params p;
	char cn[256];
	X509_REQ *req;
	EVP_PKEY *pub;
	enum key_type type;
	struct ca_record primary, standby;
	struct signer *sg;
	X509 *cert;
	char *root_crl_url, *bundle, *doc;
	unsigned char *doc_sig;
	size_t bundle_len, doc_sig_len;
	struct constraints_choice choice;
	json_t *entries, *audit;
	int transcript_made;
};

/* The primary and standby roots and the root ceremony's transcript (signed
 * by the primary when it was made), which the bundle carries so that the
 * import can prove the standby; then the constraints and the CRL URL. The
 * bundle carries the primary even once it is retired. */
static int
sign_prepare(struct sign_work *w, const struct ceremony_sign_req *req, struct ceremony_result *res)
{
	struct store *st = w->ctx.st;
	int rc;

	if (store_ca_find(st, "root", NULL, &w->primary) != RC_OK ||
	    store_ca_find(st, "standby", "active", &w->standby) == RC_FAIL)
		return RC_FAIL;
	rc = store_transcript_find(st, w->primary.id, "root", &w->doc, &w->doc_sig, &w->doc_sig_len);
	if (rc == STORE_NOT_FOUND)
		pinca_warnx("%s holds no transcript of the ceremony that made root '%s': 'ca sign' "
		    "runs where 'pinca ca root' ran (or on a copy of its database)", w->ctx.dir,
		    w->primary.cn);
	if (rc != RC_OK)
		return RC_FAIL;
	if (ceremony_constraints(&w->ctx, &res->root, &w->p, &w->choice, &w->root_crl_url) != RC_OK ||
	    (res->signing = transcript_signing_json(req->which, &res->root, w->req, &w->choice,
	    w->root_crl_url)) == NULL)
		return RC_FAIL;
	return RC_OK;
}

/* Signs the intermediate and builds the bundle: it, the primary, the
 * standby (if any), the root ceremony's signed transcript. */
static int
sign_make(struct sign_work *w, struct ceremony_result *res)
{
	struct ca_record *rec = &res->cas[0];
	char serial[SERIAL_HEX_MAX];

	if ((w->cert = intermediate_build(w->sg, w->pub, &w->p, serial)) == NULL ||
	    ca_record_from_cert(rec, w->cert, "intermediate", "active", w->type, NULL,
	    res->root.id) != RC_OK)
		return RC_FAIL;
	if (append_pem(&w->bundle, &w->bundle_len, rec->der, rec->der_len) != RC_OK ||
	    append_pem(&w->bundle, &w->bundle_len, w->primary.der, w->primary.der_len) != RC_OK ||
	    (w->standby.der &&
	    append_pem(&w->bundle, &w->bundle_len, w->standby.der, w->standby.der_len) != RC_OK) ||
	    bundle_append_transcript(&w->bundle, &w->bundle_len, w->doc, w->doc_sig,
	    w->doc_sig_len) != RC_OK)
		return RC_FAIL;
	return RC_OK;
}

/* Records the intermediate and its audit record, and writes the transcript
 * signed by the root, in one transaction. */
static int
sign_record(struct sign_work *w, struct ceremony_result *res)
{
	struct store *st = w->ctx.st;
	struct ca_record *rec = &res->cas[0];

	if (store_begin(st) != RC_OK)
		return RC_FAIL;
	w->entries = json_pack("[o]", transcript_cert_entry(rec));
	w->audit = json_pack("{s:O,s:O}", "certificates", w->entries, "signing", res->signing);
	if (store_ca_insert(st, rec) != RC_OK || store_audit(st, "ca.sign", w->audit) != RC_OK ||
	    transcript_write_signing(&w->ctx, w->sg, rec->id, "sign", w->entries, res->signing,
	    res->transcript, sizeof(res->transcript)) != RC_OK) {
		store_rollback(st);
		return RC_FAIL;
	}
	w->transcript_made = 1;
	if (store_commit(st) != RC_OK)
		return RC_FAIL;
	w->transcript_made = 0;
	return RC_OK;
}

/* Undoes what did not commit and frees the work. */
static void
sign_work_clear(struct sign_work *w, const struct ceremony_result *res)
{
	if (w->transcript_made)
		transcript_discard(res->transcript);
	json_decref(w->entries);
	json_decref(w->audit);
	constraints_choice_clear(&w->choice);
	free(w->bundle);
	free(w->doc);
	free(w->doc_sig);
	free(w->root_crl_url);
	X509_free(w->cert);
	X509_REQ_free(w->req);
	EVP_PKEY_free(w->pub);
	signer_free(w->sg);
	ca_record_clear(&w->primary);
	ca_record_clear(&w->standby);
	ca_context_close(&w->ctx);
}

/* The offline root's signing step (ca/ceremony.h). */
int
ceremony_sign(const struct ceremony_sign_req *req, struct ceremony_result *res)
{
	struct sign_work w = { .p = req->params };
	struct ceremony_plan plan;
	int rc;

	if (file_check_parent(req->out) != RC_OK)
		return RC_FAIL;
	if ((rc = csr_load(req->csr_path, &w.req, &w.pub, &w.type)) != RC_OK)
		return rc;
	if ((rc = csr_common_name(w.req, req->csr_path, w.cn, sizeof(w.cn))) != RC_OK)
		goto out;
	w.p.cn = w.cn;
	if ((rc = ca_context_open(req->dir, &w.ctx)) != RC_OK ||
	    (rc = ceremony_out_guard(&w.ctx, req->out)) != RC_OK)
		goto out;
	if ((rc = ceremony_find_root(&w.ctx, req->which, "'ca sign' runs on the offline root's host",
	    &res->root)) != RC_OK || (rc = sign_prepare(&w, req, res)) != RC_OK)
		goto out;
	/* Shown before the root key is opened (and its passphrase asked for). */
	plan.choice = &w.choice;
	plan.root_crl_url = w.root_crl_url;
	if (req->announce)
		req->announce(&plan, req->announce_arg);
	if ((w.sg = signer_open(w.ctx.dir, &res->root, req->src, NULL, &rc)) == NULL)
		goto out;
	rc = RC_FAIL;
	if (sign_make(&w, res) != RC_OK || sign_record(&w, res) != RC_OK ||
	    file_write_atomic(req->out, w.bundle, w.bundle_len, 0644, 0) != RC_OK)
		goto out;
	snprintf(res->primary_pin, sizeof(res->primary_pin), "%s", w.primary.pin);
	res->ncas = 1;
	rc = RC_OK;
out:
	sign_work_clear(&w, res);
	return rc;
}
