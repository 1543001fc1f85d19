/* backup_restore: putting the root keys back from a backup (`ca restore`):
 * each share read and checked as it is read (a damaged or foreign one is
 * named by its file before anything is recombined), the secret recombined
 * and checked against backup.pem's hash, the keys decrypted and written
 * into keys/ under the operator's passphrase. Nothing here prints but the
 * one error line; the command (ca/cmd_ca_restore.c) says what was done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ca/authority.h"
#include "ca/backup.h"
#include "ca/ceremony.h"
#include "ca/context.h"
#include "ca/shares.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"

static const char *const restore_roles[BACKUP_KEYS] = { "root", "standby" };

/* Reads and checks one share file against the backup's header and the
 * shares read before it. RC_OK or RC_FAIL (message names the file). */
static int
restore_read_share(const char *path, const struct backup_header *h, struct share *sh,
    int have, const char *const *paths)
{
	unsigned char *text = NULL;
	size_t len = 0;
	char err[256];
	int rc = RC_FAIL;

	if (file_read_all(path, SHARES_FILE_MAX, &text, &len) != RC_OK)
		return RC_FAIL;
	if (share_parse((const char *)text, len, &sh[have], err, sizeof(err)) != 0)
		pinca_warnx("%s: %s", path, err);
	else if (strcmp(sh[have].backup_id, h->id) != 0)
		pinca_warnx("%s: a share of backup %s, not of this backup (%s)", path,
		    sh[have].backup_id, h->id);
	else if (sh[have].count != h->count || sh[have].threshold != h->threshold)
		pinca_warnx("%s: says %d of %d shares are needed, the backup says %d of %d", path,
		    sh[have].threshold, sh[have].count, h->threshold, h->count);
	else
		rc = RC_OK;
	for (int i = 0; rc == RC_OK && i < have; i++)
		if (sh[i].index == sh[have].index) {
			pinca_warnx("%s: share %d was already given (%s)", path, sh[i].index, paths[i]);
			rc = RC_FAIL;
		}
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/* Recombines the secret from the first threshold shares and checks it
 * against the backup; every further share must recombine to the same
 * secret with threshold-1 of the others. Returns the passphrase or NULL
 * (message printed). */
static struct secret *
restore_secret(const struct backup_header *h, struct share *sh, int n, const char *const *paths)
{
	unsigned char secret[SHARES_SECRET_LEN], other[SHARES_SECRET_LEN];
	struct secret *pass = NULL;
	char hash[65];
	struct share saved;

	if (shares_combine(sh, n, secret) != 0 || (pass = backup_passphrase(secret)) == NULL ||
	    backup_secret_hash(pass, hash) != RC_OK) {
		pinca_warnx("cannot recombine the shares");
		goto fail;
	}
	if (strcmp(hash, h->secret_sha256) != 0) {
		pinca_warnx("the shares do not recombine to the secret of backup %s: one of them is "
		    "damaged in a way its checks did not catch", h->id);
		goto fail;
	}
	for (int j = h->threshold; j < n; j++) {
		saved = sh[h->threshold - 1];
		sh[h->threshold - 1] = sh[j];
		int bad = shares_combine(sh, h->threshold, other) != 0 ||
		    CRYPTO_memcmp(other, secret, sizeof(secret)) != 0;
		sh[h->threshold - 1] = saved;
		if (bad) {
			pinca_warnx("%s: share %d does not agree with the others", paths[j], sh[j].index);
			goto fail;
		}
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(other, sizeof(other));
	OPENSSL_cleanse(&saved, sizeof(saved));
	return pass;
fail:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(other, sizeof(other));
	secret_free(pass);
	return NULL;
}

/* Checks that the directory can take each key: its CA unknown here (a new
 * record) or known without a key. existing[i] is filled when known. */
static int
restore_check_dir(struct ca_context *ctx, const struct backup_key *keys,
    struct ca_record *existing)
{
	struct ca_record other;
	char pin[PIN_LEN], path[4096];

	for (int i = 0; i < BACKUP_KEYS; i++) {
		if (pin_of_cert(keys[i].cert, pin) != RC_OK)
			return RC_FAIL;
		if (store_ca_find_pin(ctx->st, pin, &existing[i]) == RC_OK) {
			/* A database from `db backup` names key files that the
			 * lost machine held: only a key file that is here counts. */
			if (existing[i].key_path != NULL && (cadir_path(path, sizeof(path), ctx->dir,
			    existing[i].key_path) != RC_OK || access(path, F_OK) == 0)) {
				pinca_warnx("%s already holds the key of the %s root '%s'", ctx->dir,
				    restore_roles[i], existing[i].cn);
				return RC_FAIL;
			}
			continue;
		}
		if (store_ca_find(ctx->st, restore_roles[i], "active", &other) == RC_OK) {
			pinca_warnx("%s already has another %s root ('%s'): restore into a directory "
			    "made by 'pinca init'", ctx->dir, restore_roles[i], other.cn);
			ca_record_clear(&other);
			return RC_FAIL;
		}
	}
	return RC_OK;
}

/* Writes the key files (0600, never over a file) and records them with an
 * audit record in one transaction; removes the files if that fails. */
static int
restore_install(struct ca_context *ctx, const struct backup_header *h,
    const struct backup_key *keys, struct ca_record *existing, const struct secret *pass,
    char rel[BACKUP_KEYS][256])
{
	struct ca_record rec;
	char path[BACKUP_KEYS][4096], pin[PIN_LEN];
	enum key_type type;
	json_t *objs = NULL;
	int written = 0, rc = RC_FAIL;

	for (; written < BACKUP_KEYS; written++) {
		if (pin_of_cert(keys[written].cert, pin) != RC_OK ||
		    ca_key_relpath(restore_roles[written], pin, rel[written], sizeof(rel[0])) != RC_OK ||
		    cadir_path(path[written], sizeof(path[0]), ctx->dir, rel[written]) != RC_OK ||
		    dir_create_keys(ctx->dir) != RC_OK ||
		    key_write(path[written], keys[written].key, pass) != RC_OK)
			goto out;
	}
	if (store_begin(ctx->st) != RC_OK)
		goto out;
	for (int i = 0; i < BACKUP_KEYS; i++) {
		if (existing[i].id != 0) {
			if (store_ca_set_key_path(ctx->st, existing[i].id, rel[i]) != RC_OK)
				goto rollback;
			continue;
		}
		if (key_type_of(keys[i].key, "the restored key", &type) != RC_OK ||
		    ca_record_from_cert(&rec, keys[i].cert, restore_roles[i], "active", type, rel[i],
		    0) != RC_OK)
			goto rollback;
		rc = store_ca_insert(ctx->st, &rec);
		ca_record_clear(&rec);
		if (rc != RC_OK) {
			rc = RC_FAIL;
			goto rollback;
		}
	}
	objs = json_pack("[{s:s,s:s,s:s}]", "backup", h->id, "root_key", rel[0], "standby_key",
	    rel[1]);
	if (objs == NULL || store_audit(ctx->st, "ca.restore", objs) != RC_OK)
		goto rollback;
	rc = store_commit(ctx->st);
	goto out;
rollback:
	rc = RC_FAIL;
	store_rollback(ctx->st);
out:
	json_decref(objs);
	if (rc != RC_OK)
		for (int i = 0; i < written; i++)
			unlink(path[i]);
	return rc;
}

/* Reads the backup file and its header. New text in *text. */
static int
restore_read_backup(const char *path, struct backup_header *h, unsigned char **text,
    size_t *len)
{
	char err[256];

	if (file_read_all(path, BACKUP_FILE_MAX, text, len) != RC_OK)
		return RC_FAIL;
	if (backup_parse_header((const char *)*text, *len, h, err, sizeof(err)) != RC_OK) {
		pinca_warnx("%s: %s", path, err);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Reads the backup and enough shares, and opens the backup's keys. */
static int
restore_open(const struct ca_restore_req *req, struct backup_header *h, struct share *sh,
    struct backup_key keys[BACKUP_KEYS])
{
	struct secret *secret_pass = NULL;
	unsigned char *text = NULL;
	size_t len = 0;
	char err[256];
	int rc = RC_FAIL;

	if (restore_read_backup(req->backup, h, &text, &len) != RC_OK)
		goto out;
	for (int i = 0; i < req->nshares; i++)
		if (restore_read_share(req->shares[i], h, sh, i, req->shares) != RC_OK)
			goto out;
	if (req->nshares < h->threshold) {
		pinca_warnx("%d share%s given; backup %s needs %d of its %d", req->nshares,
		    req->nshares == 1 ? "" : "s", h->id, h->threshold, h->count);
		goto out;
	}
	if ((secret_pass = restore_secret(h, sh, req->nshares, req->shares)) == NULL)
		goto out;
	if (backup_open((const char *)text, len, secret_pass, keys, err, sizeof(err)) != RC_OK) {
		pinca_warnx("%s: %s", req->backup, err);
		goto out;
	}
	rc = RC_OK;
out:
	if (text) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	secret_free(secret_pass);
	return rc;
}

/* Restores the root keys (backup.h). */
int
ca_backup_restore(const struct ca_restore_req *req, struct ca_restore_result *res)
{
	struct backup_key keys[BACKUP_KEYS];
	struct ca_record existing[BACKUP_KEYS];
	struct ca_context ctx = { 0 };
	struct share sh[SHARES_MAX];
	struct secret *pass = NULL;
	int rc;

	memset(keys, 0, sizeof(keys));
	memset(existing, 0, sizeof(existing));
	if ((rc = restore_open(req, &res->header, sh, keys)) != RC_OK)
		goto out;
	if ((rc = ca_context_open(req->dir, &ctx)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if (restore_check_dir(&ctx, keys, existing) != RC_OK)
		goto out;
	if ((rc = secret_read(req->src, "the restored root keys", 1, &pass)) != RC_OK)
		goto out;
	if ((rc = restore_install(&ctx, &res->header, keys, existing, pass, res->rel)) == RC_OK)
		snprintf(res->dir, sizeof(res->dir), "%s", ctx.dir);
out:
	OPENSSL_cleanse(sh, sizeof(sh));
	secret_free(pass);
	backup_keys_free(keys);
	for (int i = 0; i < BACKUP_KEYS; i++)
		ca_record_clear(&existing[i]);
	ca_context_close(&ctx);
	return rc;
}
