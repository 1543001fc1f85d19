/* backup: the file `ca backup` writes (backup.pem): a few lines saying what
 * it is, then for the primary and the standby root its private key as
 * encrypted PKCS#8 (the passphrase is the backup's secret, as the 64 hex
 * digits `ssss-combine -x` prints) followed by its certificate. Stock
 * `openssl pkey` reads the first key (the primary root's) and ignores the
 * text lines; the certificates let `ca restore` rebuild the CA records in
 * a directory that only `pinca init` made. */
#ifndef PINCA_BACKUP_H
#define PINCA_BACKUP_H

#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/shares.h"
#include "common/secret.h"

#define BACKUP_KEYS 2		/* the primary root, then the standby */
#define BACKUP_FILE_MAX (1 << 20)

/* What the text lines at the top of backup.pem say. */
struct backup_header {
	char id[SHARES_ID_HEX + 1];
	int count, threshold;
	char secret_sha256[65];	/* of the passphrase text */
};

/* One root in the backup. */
struct backup_key {
	EVP_PKEY *key;
	X509 *cert;
};

/* The passphrase of a secret: its 64 lowercase hex digits, in a new
 * secret (caller frees with secret_free). NULL when out of memory. */
struct secret *backup_passphrase(const unsigned char secret[SHARES_SECRET_LEN]);
/* SHA-256 of the passphrase text, as lowercase hex. */
int backup_secret_hash(const struct secret *pass, char out[65]);
/* Writes the whole backup.pem text into out (a secure-memory BIO): the
 * header, then each key encrypted under pass (PBES2: PBKDF2-HMAC-SHA256,
 * AES-256-CBC, as CA key files) and its certificate. RC_OK or RC_FAIL
 * (message printed). */
int backup_compose(const struct backup_header *h, const struct backup_key keys[BACKUP_KEYS],
    const struct secret *pass, BIO *out);
/* Reads the header lines of a backup file's text. RC_OK, or RC_FAIL with
 * one sentence in err. */
int backup_parse_header(const char *text, size_t len, struct backup_header *h, char *err,
    size_t err_size);
/* Decrypts the keys with pass and reads their certificates, checking that
 * each key is its certificate's. RC_OK, or RC_FAIL with one sentence in err
 * (keys freed). Free the keys with backup_keys_free. */
int backup_open(const char *text, size_t len, const struct secret *pass,
    struct backup_key keys[BACKUP_KEYS], char *err, size_t err_size);
void backup_keys_free(struct backup_key keys[BACKUP_KEYS]);

struct ca_context;
/* Makes the backup of the primary and standby root keys held in ctx
 * (ca/backup_make.c): loads them with the passphrase from src (keys on a
 * token are refused), encrypts them under a fresh random secret into
 * OUT_DIR/backup.pem, splits the secret into count shares of which
 * threshold open it (OUT_DIR/share-K.txt; files 0600, never over an
 * existing one), and records the audit record. Fills h, and *paths (new
 * array, caller frees: backup.pem, then the shares). RC_OK, or an RC_*
 * code with one line and no file left. */
int ca_backup_make(struct ca_context *ctx, const struct pass_source *src, int count, int threshold,
    const char *out_dir, struct backup_header *h, char (**paths)[4096]);

/* What ca restore is given (ca/backup_restore.c). */
struct ca_restore_req {
	const char *dir;		/* --dir, or NULL for $PINCA_DIR */
	const char *backup;		/* backup.pem */
	const char *const *shares;	/* share files */
	int nshares;
	const struct pass_source *src;	/* the passphrase the restored keys get */
};
struct ca_restore_result {
	struct backup_header header;
	char rel[BACKUP_KEYS][256];	/* the key files written, relative to dir */
	char dir[4096];			/* the CA directory */
};
/* Recombines the backup's secret from the shares (each checked as read,
 * the secret against the backup's hash), opens the backup, and writes the
 * primary and standby root keys into the CA directory (one made by init,
 * or one whose database knows these roots but not their keys), encrypted
 * under the passphrase from src. RC_OK with res filled, or an RC_* code
 * with one line. */
int ca_backup_restore(const struct ca_restore_req *req, struct ca_restore_result *res);

#endif
