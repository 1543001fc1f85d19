/* cmd_ca_restore: `pinca ca restore`: opens a backup.pem with enough of its
 * shares and puts the primary and standby root keys back into a CA
 * directory, encrypted under a passphrase of the operator's choice. Each
 * share is checked as it is read, so a damaged or foreign one is named by
 * its file before anything is recombined; the recombined secret is checked
 * against the hash in backup.pem before it is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ca/authority.h"
#include "ca/backup.h"
#include "ca/cmd.h"
#include "ca/shares.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_BACKUP = 20, OPT_SHARE };

static const struct opt_spec restore_opts[] = {
	OPT_SPEC_DIR,
	{ "backup", 1, OPT_BACKUP, "FILE", "the backup.pem that `ca backup` wrote" },
	{ "share", 1, OPT_SHARE, "FILE", "a share file (repeat: at least the backup's threshold)" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help restore_help = {
	"ca restore", "--backup FILE --share FILE --share FILE ... [--pass-file FILE]",
	"Recovers the backup's secret from its shares, opens the backup with it and\n"
	"writes the primary and standby root keys into keys/ of the CA directory\n"
	"(made by 'pinca init', or one whose database knows these roots but not\n"
	"their keys), encrypted under the passphrase of --pass-file. A damaged or\n"
	"foreign share is named by its file (exit 1); fewer shares than the\n"
	"threshold are refused.",
	restore_opts,
};

static const char *const restore_roles[BACKUP_KEYS] = { "root", "standby" };

struct restore_args {
	const char *flag_dir, *backup;
	const char *shares[SHARES_MAX];
	int nshares, json;
	struct pass_source src;
};

/* Parses the command line; RC_OK or RC_USAGE (message printed). */
static int
restore_parse(int argc, char **argv, struct restore_args *a)
{
	const char *arg;
	struct opts o;
	char **rest;
	int id;

	memset(a, 0, sizeof(*a));
	opts_init(&o, argc, argv, &restore_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&a->src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: a->flag_dir = arg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_BACKUP: a->backup = arg; break;
		case OPT_SHARE:
			if (a->nshares == SHARES_MAX)
				return opts_usage_error(&restore_help, "more than %d --share", SHARES_MAX);
			a->shares[a->nshares++] = arg;
			break;
		}
	}
	if (opts_rest(&o, &rest) != 0)
		return opts_usage_error(&restore_help, "unexpected argument '%s'", rest[0]);
	if (a->backup == NULL || a->nshares == 0)
		return opts_usage_error(&restore_help, "--backup FILE and --share FILE are required");
	if (a->src.none)
		return opts_usage_error(&restore_help, "the restored root keys are always encrypted: "
		    "give --pass-file or --pass-env");
	return RC_OK;
}

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

/* Prints what was restored. */
static int
restore_print(const struct ca_context *ctx, const struct backup_header *h, int used,
    char rel[BACKUP_KEYS][256], int json)
{
	if (json)
		return json_print(json_pack("{s:s,s:I,s:s,s:s,s:s}", "backup", h->id, "shares",
		    (json_int_t)used, "dir", ctx->dir, "root_key", rel[0], "standby_key", rel[1]));
	printf("restored backup %s with %d of its %d shares into %s: %s and %s\n", h->id, used,
	    h->count, ctx->dir, rel[0], rel[1]);
	return RC_OK;
}

int
cmd_ca_restore(int argc, char **argv)
{
	struct restore_args a;
	struct backup_header h;
	struct backup_key keys[BACKUP_KEYS];
	struct ca_record existing[BACKUP_KEYS];
	struct ca_context ctx = { 0 };
	struct share sh[SHARES_MAX];
	struct secret *secret_pass = NULL, *pass = NULL;
	struct rlimit no_core = { 0, 0 };
	unsigned char *text = NULL;
	size_t len = 0;
	char err[256], rel[BACKUP_KEYS][256];
	int rc;

	memset(keys, 0, sizeof(keys));
	memset(existing, 0, sizeof(existing));
	if ((rc = restore_parse(argc, argv, &a)) != RC_OK)
		return rc_exit(rc);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	rc = RC_FAIL;
	if (restore_read_backup(a.backup, &h, &text, &len) != RC_OK)
		goto out;
	for (int i = 0; i < a.nshares; i++)
		if (restore_read_share(a.shares[i], &h, sh, i, a.shares) != RC_OK)
			goto out;
	if (a.nshares < h.threshold) {
		pinca_warnx("%d share%s given; backup %s needs %d of its %d", a.nshares,
		    a.nshares == 1 ? "" : "s", h.id, h.threshold, h.count);
		goto out;
	}
	if ((secret_pass = restore_secret(&h, sh, a.nshares, a.shares)) == NULL)
		goto out;
	if (backup_open((const char *)text, len, secret_pass, keys, err, sizeof(err)) != RC_OK) {
		pinca_warnx("%s: %s", a.backup, err);
		goto out;
	}
	if ((rc = ca_context_open(a.flag_dir, &ctx)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if (restore_check_dir(&ctx, keys, existing) != RC_OK)
		goto out;
	if ((rc = secret_read(&a.src, "the restored root keys", 1, &pass)) != RC_OK)
		goto out;
	if ((rc = restore_install(&ctx, &h, keys, existing, pass, rel)) == RC_OK)
		rc = restore_print(&ctx, &h, a.nshares, rel, a.json);
out:
	OPENSSL_cleanse(sh, sizeof(sh));
	if (text) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	secret_free(secret_pass);
	secret_free(pass);
	backup_keys_free(keys);
	for (int i = 0; i < BACKUP_KEYS; i++)
		ca_record_clear(&existing[i]);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
