/* backup_make: making a backup of the root keys (`ca backup`): the keys
 * held here loaded with one passphrase, a fresh random secret encrypting
 * them into backup.pem, the secret split into Shamir shares, one file each,
 * and the audit record (which holds no secret). Nothing here prints but the
 * one error line; the command (ca/cmd_ca_backup.c) reports the files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ca/backup.h"
#include "ca/context.h"
#include "ca/keys.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"

/* Loads the held primary and standby root keys with one passphrase.
 * A key that is not a file (a PKCS#11 token) is refused. */
static int
backup_load_keys(struct ca_context *ctx, const struct pass_source *src,
    struct backup_key keys[BACKUP_KEYS], struct ca_record recs[BACKUP_KEYS])
{
	static const char *const roles[BACKUP_KEYS] = { "root", "standby" };
	struct secret *pass = NULL;
	char path[4096], what[64];
	const unsigned char *p;
	int rc = RC_FAIL;

	for (int i = 0; i < BACKUP_KEYS; i++) {
		if (store_ca_find_held(ctx->st, roles[i], &recs[i]) != RC_OK || recs[i].der == NULL) {
			pinca_warnx("no %s root key is held in %s: back up on the root's machine",
			    roles[i], ctx->dir);
			return RC_FAIL;
		}
		if (strncmp(recs[i].key_path, "pkcs11:", 7) == 0) {
			pinca_warnx("the %s root key '%s' is on a PKCS#11 token (%s), not in a file: "
			    "back it up the token's way", roles[i], recs[i].cn, recs[i].key_path);
			return RC_FAIL;
		}
	}
	if ((rc = secret_read(src, "the root keys", 0, &pass)) != RC_OK)
		return rc;
	rc = RC_FAIL;
	for (int i = 0; i < BACKUP_KEYS; i++) {
		snprintf(what, sizeof(what), "the %s root key", roles[i]);
		p = recs[i].der;
		if (cadir_path(path, sizeof(path), ctx->dir, recs[i].key_path) != RC_OK ||
		    (keys[i].key = key_load_with(path, pass, what)) == NULL)
			goto out;
		if ((keys[i].cert = d2i_X509(NULL, &p, (long)recs[i].der_len)) == NULL ||
		    EVP_PKEY_eq(keys[i].key, X509_get0_pubkey(keys[i].cert)) != 1) {
			pinca_warnx("%s (%s) is not the key of its certificate", what, path);
			goto out;
		}
	}
	rc = RC_OK;
out:
	secret_free(pass);
	return rc;
}

/* Writes backup.pem and the share files, 0600, never over an existing
 * file; on failure removes what it wrote. paths[0] is backup.pem, then the
 * shares. */
static int
backup_write_files(const char *out_dir, BIO *text, const struct share *sh, int n,
    char (*paths)[4096])
{
	char buf[1024];
	BUF_MEM *bm = NULL;
	int written = 0, rc = RC_FAIL;

	if (dir_create(out_dir, 0700, 0) != RC_OK)
		return RC_FAIL;
	BIO_get_mem_ptr(text, &bm);
	if (cadir_path(paths[0], sizeof(paths[0]), out_dir, "backup.pem") != RC_OK ||
	    file_write_atomic(paths[0], bm->data, bm->length, 0600, 1) != RC_OK)
		return RC_FAIL;
	written = 1;
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "share-%d.txt", i + 1);
		if (cadir_path(paths[i + 1], sizeof(paths[0]), out_dir, name) != RC_OK ||
		    share_format(&sh[i], buf, sizeof(buf)) != 0 ||
		    file_write_atomic(paths[i + 1], buf, strlen(buf), 0600, 1) != RC_OK)
			goto out;
		written++;
	}
	rc = RC_OK;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc != RC_OK)
		for (int i = 0; i < written; i++)
			unlink(paths[i]);
	return rc;
}

/* Records the backup in the audit log: what was backed up, never a secret. */
static int
backup_audit(struct ca_context *ctx, const struct backup_header *h,
    const struct ca_record recs[BACKUP_KEYS], const char *out_dir)
{
	json_t *objs = json_pack("[{s:s,s:I,s:I,s:s,s:s,s:s}]", "backup", h->id,
	    "shares", (json_int_t)h->count, "threshold", (json_int_t)h->threshold,
	    "root_pin", recs[0].pin, "standby_pin", recs[1].pin, "out_dir", out_dir);
	int rc = RC_FAIL;

	if (objs != NULL && store_begin(ctx->st) == RC_OK) {
		if (store_audit(ctx->st, "ca.backup", objs) == RC_OK)
			rc = store_commit(ctx->st);
		else
			store_rollback(ctx->st);
	}
	json_decref(objs);
	return rc;
}

/* Draws the secret and the backup's id, splits the secret and composes
 * backup.pem's text into *text. */
static int
backup_seal(struct backup_header *h, const struct backup_key keys[BACKUP_KEYS],
    struct share *sh, BIO **text)
{
	unsigned char secret[SHARES_SECRET_LEN], id[SHARES_ID_HEX / 2];
	struct secret *pass = NULL;
	int rc = RC_FAIL;

	if (RAND_priv_bytes(secret, sizeof(secret)) != 1 || RAND_bytes(id, sizeof(id)) != 1) {
		pinca_warn_ssl("cannot draw the backup's secret");
		goto out;
	}
	hex_encode(id, sizeof(id), h->id);
	if ((pass = backup_passphrase(secret)) == NULL || backup_secret_hash(pass, h->secret_sha256) !=
	    RC_OK || shares_split(secret, h->count, h->threshold, h->id, sh) != 0 ||
	    (*text = BIO_new(BIO_s_secmem())) == NULL) {
		pinca_warnx("cannot split the backup's secret");
		goto out;
	}
	rc = backup_compose(h, keys, pass, *text);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	secret_free(pass);
	return rc;
}

/* Makes the backup (backup.h). */
int
ca_backup_make(struct ca_context *ctx, const struct pass_source *src, int count, int threshold,
    const char *out_dir, struct backup_header *h, char (**paths)[4096])
{
	struct ca_record recs[BACKUP_KEYS];
	struct backup_key keys[BACKUP_KEYS];
	struct share sh[SHARES_MAX];
	BIO *text = NULL;
	int rc;

	memset(recs, 0, sizeof(recs));
	memset(keys, 0, sizeof(keys));
	memset(h, 0, sizeof(*h));
	*paths = NULL;
	if ((rc = backup_load_keys(ctx, src, keys, recs)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	h->count = count;
	h->threshold = threshold;
	if ((*paths = calloc((size_t)count + 1, sizeof(**paths))) == NULL) {
		pinca_warnx("cannot split the backup's secret");
		goto out;
	}
	if (backup_seal(h, keys, sh, &text) != RC_OK ||
	    backup_write_files(out_dir, text, sh, h->count, *paths) != RC_OK)
		goto out;
	if (backup_audit(ctx, h, recs, out_dir) != RC_OK) {
		for (int i = 0; i <= h->count; i++)
			unlink((*paths)[i]);
		goto out;
	}
	rc = RC_OK;
out:
	OPENSSL_cleanse(sh, sizeof(sh));
	BIO_free(text);	/* secure heap: wiped on free */
	backup_keys_free(keys);
	for (int i = 0; i < BACKUP_KEYS; i++)
		ca_record_clear(&recs[i]);
	return rc;
}
