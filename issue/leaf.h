/* leaf: issuing one leaf certificate. The issuer (the CA that signs here,
 * with its chain) is opened once and can sign many leaves; each leaf is
 * linted, signed, and recorded in the database before any file is written. */
#ifndef PINCA_LEAF_H
#define PINCA_LEAF_H

#include <limits.h>

#include <stdint.h>

#include <openssl/x509.h>

#include "ca/cert.h"
#include "ca/context.h"
#include "ca/der_direct.h"
#include "ca/keys.h"
#include "ca/signer.h"
#include "db/store.h"

#define LEAF_DEFAULT_DAYS 825
#define LEAF_MAX_NAMES 100

/* The CA that signs leaves in this directory, ready to sign. */
struct issuer {
	struct ca_context *ctx;
	struct ca_record ca;
	struct signer *sg;
	char *crl_url;
	char *chain_pem;	/* the issuing intermediate(s), leaf side first, no root */
	/* What every leaf of this issuer shares, encoded on the first leaf. */
	struct leaf_template tpl;
	int tpl_ready;
};

/* What one leaf should say. Names are already linted and normalised. */
struct leaf_request {
	const char *name;		/* lineage name */
	const char *profile;		/* "server" or "client" */
	char *dns[LEAF_MAX_NAMES];
	int ndns;
	char *ip[LEAF_MAX_NAMES];
	int nip;
	long days;
	EVP_PKEY *pub;			/* the key to certify (public part used) */
	enum key_type key_type;
	int pub_normalized;		/* pub already encodes as a named curve, uncompressed */
	/* pub's SubjectPublicKeyInfo in its normal form when already known
	 * (the fast CSR path), else NULL and it is encoded from pub. */
	const unsigned char *spki;
	size_t spki_len;
};

/* One issued leaf, as recorded. */
struct leaf_result {
	char serial[SERIAL_HEX_MAX];
	char pin[PIN_LEN];
	char subject[80];			/* as X509_NAME_oneline prints it */
	char *cert_pem;
	int64_t not_before, not_after;
	unsigned char *der; size_t der_len;	/* the certificate, encoded once */
	unsigned char *spki; size_t spki_len;	/* its SubjectPublicKeyInfo */
	char fingerprint[65];			/* SHA-256 of der, hex */
};

/* Opens the issuing CA: refuses a missing or expired one. Reads the
 * passphrase from src when the key is encrypted. */
int issuer_open(struct ca_context *ctx, const struct pass_source *src, struct issuer *is);
/* The same, signing through remote (a key held by another process) when
 * it is not NULL. */
int issuer_open_with(struct ca_context *ctx, const struct pass_source *src,
    const struct signer_remote *remote, struct issuer *is);
void issuer_close(struct issuer *is);

/* Adds a DNS name or IP address to req after linting it. RC_OK/RC_POLICY. */
int leaf_request_add_dns(struct leaf_request *req, const char *name);
int leaf_request_add_ip(struct leaf_request *req, const char *ip);
/* Takes the SAN names of a CSR into req (used when no --dns/--ip is given). */
int leaf_request_names_from_csr(struct leaf_request *req, X509_REQ *csr);
/* The same from a CSR's requested extensions (NULL: none). */
int leaf_request_names_from_exts(struct leaf_request *req, const STACK_OF(X509_EXTENSION) *exts);
void leaf_request_clear(struct leaf_request *req);
/* The names as JSON arrays (new strings). */
int leaf_request_names_json(const struct leaf_request *req, char **dns, char **ip);

/* Builds, lints and signs the leaf; does not record it. */
int leaf_build(struct issuer *is, const struct leaf_request *req, struct leaf_result *res);
/* Records a signed leaf in the current transaction (serial collision:
 * STORE_CONSTRAINT, the caller signs again). dns_json/ip_json are the
 * request's names as leaf_request_names_json gives them, or NULL to make
 * them here. */
int leaf_record(struct issuer *is, const struct leaf_request *req, int64_t lineage_id,
    const char *dns_json, const char *ip_json, struct leaf_result *res);
void leaf_result_clear(struct leaf_result *res);
/* Fills res from a recorded certificate (read with its DER), to write its
 * files again. */
int leaf_result_from_record(const struct cert_record *r, struct leaf_result *res);

/* Output paths of a lineage, as certbot names them. */
struct leaf_paths {
	const char *cert, *chain, *fullchain;
};
/* Writes cert/chain/fullchain files atomically (each path may be NULL). */
int leaf_write_files(const struct issuer *is, const struct leaf_result *res,
    const struct leaf_paths *paths);
/* The last directory leaf_abs_path resolved: a batch group's outputs
 * mostly share one, and realpath() costs a readlink per component. The
 * batch empties it at each group, so a directory moved mid-run is
 * resolved afresh within a second. */
struct dir_memo {
	char dir[PATH_MAX], real[PATH_MAX];
	int valid;
};
/* Resolves a user path to an absolute one for the lineage (new string);
 * memo may be NULL. */
char *leaf_abs_path(const char *path, struct dir_memo *memo);
/* Whether memo holds path's directory: it was checked (file_check_parent)
 * and resolved in this group. */
int dir_memo_holds(const struct dir_memo *memo, const char *path);

#endif
