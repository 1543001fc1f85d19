/* backup: composing and opening backup.pem (see backup.h for its layout).
 * The keys are encrypted exactly as CA key files are, so the same OpenSSL
 * commands that check a key file open a key of the backup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "ca/backup.h"
#include "ca/cert.h"
#include "ca/keys.h"
#include "common/err.h"
#include "common/output.h"

static const char *const backup_roles[BACKUP_KEYS] = { "root", "standby" };

struct secret *
backup_passphrase(const unsigned char secret[SHARES_SECRET_LEN])
{
	struct secret *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->data = malloc(2 * SHARES_SECRET_LEN + 1)) == NULL) {
		free(s);
		return NULL;
	}
	hex_encode(secret, SHARES_SECRET_LEN, s->data);
	s->len = 2 * SHARES_SECRET_LEN;
	return s;
}

int
backup_secret_hash(const struct secret *pass, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (EVP_Digest(pass->data, pass->len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		return RC_FAIL;
	hex_encode(md, 32, out);
	return RC_OK;
}

int
backup_compose(const struct backup_header *h, const struct backup_key keys[BACKUP_KEYS],
    const struct secret *pass, BIO *out)
{
	char made[32], pin[PIN_LEN];

	time_rfc3339((int64_t)time(NULL), made, sizeof(made));
	if (BIO_printf(out, "pinca backup %s\nshares %d threshold %d\nsecret-sha256 %s\n"
	    "made %s\n", h->id, h->count, h->threshold, h->secret_sha256, made) <= 0)
		goto fail;
	for (int i = 0; i < BACKUP_KEYS; i++) {
		if (pin_of_cert(keys[i].cert, pin) != RC_OK ||
		    BIO_printf(out, "\n%s key and certificate, pin %s\n", backup_roles[i], pin) <= 0 ||
		    !key_encode_pem(keys[i].key, pass, out) || !PEM_write_bio_X509(out, keys[i].cert))
			goto fail;
	}
	return RC_OK;
fail:
	pinca_warn_ssl("cannot encode the backup");
	return RC_FAIL;
}

int
backup_parse_header(const char *text, size_t len, struct backup_header *h, char *err,
    size_t err_size)
{
	const char *p = text, *end = text + len;
	char line[160], extra[2], id[SHARES_ID_HEX + 1], hash[65];
	int seen = 0, count, threshold;

	memset(h, 0, sizeof(*h));
	while (p < end && seen != 7) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((e ? e : end) - p);
		if (n >= 10 && strncmp(p, "-----BEGIN", 10) == 0)
			break;
		/* Each field is taken from the first line that is whole and right. */
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (!(seen & 1) && sscanf(line, "pinca backup %12[0-9a-f] %1s", id, extra) == 1 &&
			    strlen(id) == SHARES_ID_HEX) {
				memcpy(h->id, id, sizeof(h->id));
				seen |= 1;
			} else if (!(seen & 2) && sscanf(line, "shares %d threshold %d %1s", &count,
			    &threshold, extra) == 2) {
				h->count = count;
				h->threshold = threshold;
				seen |= 2;
			} else if (!(seen & 4) && sscanf(line, "secret-sha256 %64[0-9a-f] %1s", hash,
			    extra) == 1 && strlen(hash) == 64) {
				memcpy(h->secret_sha256, hash, sizeof(h->secret_sha256));
				seen |= 4;
			}
		}
		p = e ? e + 1 : end;
	}
	if (seen != 7 || h->threshold < 2 || h->count < h->threshold || h->count > SHARES_MAX) {
		snprintf(err, err_size, "not a pinca backup (its 'pinca backup', 'shares' and "
		    "'secret-sha256' lines are missing or wrong)");
		return RC_FAIL;
	}
	return RC_OK;
}

/* Reads the next PEM object, which must be of type want; new DER in *der. */
static int
backup_next_pem(BIO *in, const char *want, unsigned char **der, long *len)
{
	char *name = NULL, *header = NULL;
	int ok;

	*der = NULL;
	if (!PEM_read_bio(in, &name, &header, der, len))
		return 0;
	ok = strcmp(name, want) == 0;
	OPENSSL_free(name);
	OPENSSL_free(header);
	if (!ok) {
		OPENSSL_clear_free(*der, (size_t)*len);
		*der = NULL;
	}
	return ok;
}

/* Decrypts one encrypted PKCS#8 DER with pass. */
static EVP_PKEY *
backup_decrypt(const unsigned char *der, long len, const struct secret *pass)
{
	const unsigned char *p = der;
	X509_SIG *enc = d2i_X509_SIG(NULL, &p, len);
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *key = NULL;

	if (enc != NULL && (p8 = PKCS8_decrypt(enc, pass->data, (int)pass->len)) != NULL)
		key = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(enc);
	return key;
}

int
backup_open(const char *text, size_t len, const struct secret *pass,
    struct backup_key keys[BACKUP_KEYS], char *err, size_t err_size)
{
	BIO *in = BIO_new_mem_buf(text, (int)len);
	unsigned char *der = NULL;
	const unsigned char *p;
	long der_len = 0;
	int rc = RC_FAIL;

	memset(keys, 0, sizeof(*keys) * BACKUP_KEYS);
	for (int i = 0; in != NULL && i < BACKUP_KEYS; i++) {
		if (!backup_next_pem(in, "ENCRYPTED PRIVATE KEY", &der, &der_len)) {
			snprintf(err, err_size, "the %s key is missing", backup_roles[i]);
			goto out;
		}
		keys[i].key = backup_decrypt(der, der_len, pass);
		OPENSSL_clear_free(der, (size_t)der_len);
		if (keys[i].key == NULL) {
			snprintf(err, err_size, "the %s key does not open with the recovered secret",
			    backup_roles[i]);
			goto out;
		}
		if (!backup_next_pem(in, "CERTIFICATE", &der, &der_len)) {
			snprintf(err, err_size, "the %s certificate is missing", backup_roles[i]);
			goto out;
		}
		p = der;
		keys[i].cert = d2i_X509(NULL, &p, der_len);
		OPENSSL_free(der);
		if (keys[i].cert == NULL || EVP_PKEY_eq(keys[i].key, X509_get0_pubkey(keys[i].cert)) != 1) {
			snprintf(err, err_size, "the %s key is not the key of the certificate beside it",
			    backup_roles[i]);
			goto out;
		}
	}
	rc = in != NULL ? RC_OK : RC_FAIL;
	if (in == NULL)
		snprintf(err, err_size, "out of memory");
out:
	ERR_clear_error();
	BIO_free(in);
	if (rc != RC_OK)
		backup_keys_free(keys);
	return rc;
}

void
backup_keys_free(struct backup_key keys[BACKUP_KEYS])
{
	for (int i = 0; i < BACKUP_KEYS; i++) {
		EVP_PKEY_free(keys[i].key);
		X509_free(keys[i].cert);
		keys[i].key = NULL;
		keys[i].cert = NULL;
	}
}
