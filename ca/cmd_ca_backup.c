/* cmd_ca_backup: `pinca ca backup`: the primary and standby root keys,
 * encrypted under a fresh random secret (DIR/backup.pem), and that secret
 * split into N Shamir shares of which any M open the backup (DIR/share-K.txt,
 * one per holder). No one holder, and no M-1 of them, can open it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ca/backup.h"
#include "ca/cmd.h"
#include "ca/shares.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_SHARES = 20, OPT_THRESHOLD, OPT_OUT_DIR };

static const struct opt_spec backup_opts[] = {
	OPT_SPEC_DIR,
	{ "shares", 1, OPT_SHARES, "N", "shares to make, one per holder (2..255)" },
	{ "threshold", 1, OPT_THRESHOLD, "M", "shares that open the backup (2..N)" },
	{ "out-dir", 1, OPT_OUT_DIR, "DIR", "where backup.pem and share-1.txt ... share-N.txt go "
	    "(made if missing; existing files are never replaced)" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help backup_help = {
	"ca backup", "--shares N --threshold M --out-dir DIR [--pass-file FILE]",
	"Backs up the primary and standby root keys held here: DIR/backup.pem holds\n"
	"them encrypted (PKCS#8, as key files) under a new random secret, and\n"
	"DIR/share-K.txt the secret split into N Shamir shares, any M of which\n"
	"recover it (ssss-compatible: ssss-combine -t M -x recombines them too).\n"
	"--pass-file is the passphrase of the root keys here. Keys on a PKCS#11\n"
	"token are refused: back them up the token's way.",
	backup_opts,
};

struct backup_args {
	const char *flag_dir, *out_dir;
	long shares, threshold;
	int json;
	struct pass_source src;
};

/* Parses the command line; RC_OK or RC_USAGE (message printed). */
static int
backup_parse(int argc, char **argv, struct backup_args *a)
{
	const char *arg;
	struct opts o;
	char **rest;
	int id;

	memset(a, 0, sizeof(*a));
	opts_init(&o, argc, argv, &backup_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&a->src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: a->flag_dir = arg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_OUT_DIR: a->out_dir = arg; break;
		case OPT_SHARES:
			if (opts_parse_long(&backup_help, "shares", arg, 2, SHARES_MAX, &a->shares) != RC_OK)
				return RC_USAGE;
			break;
		case OPT_THRESHOLD:
			if (opts_parse_long(&backup_help, "threshold", arg, 2, SHARES_MAX,
			    &a->threshold) != RC_OK)
				return RC_USAGE;
			break;
		}
	}
	if (opts_rest(&o, &rest) != 0)
		return opts_usage_error(&backup_help, "unexpected argument '%s'", rest[0]);
	if (a->shares == 0 || a->threshold == 0 || a->out_dir == NULL)
		return opts_usage_error(&backup_help, "--shares N, --threshold M and --out-dir DIR "
		    "are required");
	if (a->threshold > a->shares)
		return opts_usage_error(&backup_help, "--threshold %ld is more than the %ld shares",
		    a->threshold, a->shares);
	if (a->src.none)
		return opts_usage_error(&backup_help, "--no-passphrase has no meaning here");
	return RC_OK;
}

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

/* Prints what was written. */
static int
backup_print(const struct backup_header *h, char (*paths)[4096], int json)
{
	json_t *arr;

	if (json) {
		arr = json_array();
		for (int i = 1; i <= h->count; i++)
			json_array_append_new(arr, json_string(paths[i]));
		return json_print(json_pack("{s:s,s:s,s:o,s:I}", "backup", h->id, "path", paths[0],
		    "shares", arr, "threshold", (json_int_t)h->threshold));
	}
	printf("backup %s of the primary and standby root keys: %s\n", h->id, paths[0]);
	for (int i = 1; i <= h->count; i++)
		printf("share %d of %d: %s\n", i, h->count, paths[i]);
	printf("any %d of the %d shares open it; give each share to its own holder\n",
	    h->threshold, h->count);
	return RC_OK;
}

int
cmd_ca_backup(int argc, char **argv)
{
	struct backup_args a;
	struct ca_context ctx = { 0 };
	struct ca_record recs[BACKUP_KEYS];
	struct backup_key keys[BACKUP_KEYS];
	struct backup_header h;
	struct share sh[SHARES_MAX];
	struct secret *pass = NULL;
	unsigned char secret[SHARES_SECRET_LEN], id[SHARES_ID_HEX / 2];
	char (*paths)[4096] = NULL;
	struct rlimit no_core = { 0, 0 };
	BIO *text = NULL;
	int rc;

	memset(recs, 0, sizeof(recs));
	memset(keys, 0, sizeof(keys));
	memset(&h, 0, sizeof(h));
	if ((rc = backup_parse(argc, argv, &a)) != RC_OK)
		return rc_exit(rc);
	/* Keys and the secret will be in memory: no core dump may hold them. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	if ((rc = ca_context_open(a.flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = backup_load_keys(&ctx, &a.src, keys, recs)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	h.count = (int)a.shares;
	h.threshold = (int)a.threshold;
	if (RAND_priv_bytes(secret, sizeof(secret)) != 1 || RAND_bytes(id, sizeof(id)) != 1) {
		pinca_warn_ssl("cannot draw the backup's secret");
		goto out;
	}
	hex_encode(id, sizeof(id), h.id);
	if ((pass = backup_passphrase(secret)) == NULL || backup_secret_hash(pass, h.secret_sha256) !=
	    RC_OK || shares_split(secret, h.count, h.threshold, h.id, sh) != 0 ||
	    (paths = calloc((size_t)h.count + 1, sizeof(*paths))) == NULL ||
	    (text = BIO_new(BIO_s_secmem())) == NULL) {
		pinca_warnx("cannot split the backup's secret");
		goto out;
	}
	if (backup_compose(&h, keys, pass, text) != RC_OK ||
	    backup_write_files(a.out_dir, text, sh, h.count, paths) != RC_OK)
		goto out;
	if (backup_audit(&ctx, &h, recs, a.out_dir) != RC_OK) {
		for (int i = 0; i <= h.count; i++)
			unlink(paths[i]);
		goto out;
	}
	rc = backup_print(&h, paths, a.json);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(sh, sizeof(sh));
	secret_free(pass);
	BIO_free(text);	/* secure heap: wiped on free */
	free(paths);
	backup_keys_free(keys);
	for (int i = 0; i < BACKUP_KEYS; i++)
		ca_record_clear(&recs[i]);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
