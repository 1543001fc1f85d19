/* ceremony: the CA ceremonies as domain functions any front end can call.
 * Each takes a request, does the whole step (keys, certificates, the store
 * transaction with its audit record, the signed transcript, the files it
 * writes) and fills a result; none prints. A failure is reported with one
 * pinca_warnx line and a return code (RC_FAIL, RC_POLICY, RC_USAGE), and
 * leaves the database, the keys and the files as they were.
 *   one machine:  ceremony_root, ceremony_intermediate   (ca/ceremony.c)
 *   two machines: ceremony_csr, ceremony_sign            (ca/ceremony_remote.c)
 *                 ceremony_import                        (ca/ceremony_import.c)
 * The commands (ca/cmd_ca.c, cmd_ca_remote.c, cmd_ca_import.c) parse the
 * options into a request and print the result. */
#ifndef PINCA_CEREMONY_H
#define PINCA_CEREMONY_H

#include <jansson.h>
#include <openssl/evp.h>

#include "ca/authority.h"
#include "ca/cert.h"
#include "ca/constraints_choice.h"
#include "ca/context.h"
#include "ca/keys.h"
#include "ca/signer.h"
#include "common/secret.h"

/* What an intermediate signing shows before the root's key is opened (and
 * its passphrase asked for): the name constraints chosen and the root's CRL
 * URL (NULL when it has none). */
struct ceremony_plan {
	const struct constraints_choice *choice;
	const char *root_crl_url;
};
/* Called with the plan before the root key is opened; may be NULL. */
typedef void ceremony_announce_fn(const struct ceremony_plan *plan, void *arg);

/* What a ceremony made. Every field the step does not make stays zero. */
struct ceremony_result {
	struct ca_record cas[2];	/* root: primary, standby; else the intermediate */
	int ncas;
	char transcript[4096];		/* the signed transcript's path, "" if none */
	json_t *signing;		/* intermediate, sign: what the root signed, as recorded */
	char *crl_url;			/* intermediate: its own CRL URL, or NULL */
	struct ca_record root;		/* sign: the root that signed; import: the issuer */
	char primary_pin[PIN_LEN];	/* sign: the primary root's pin (import's --root-pin) */
	char csr_pin[PIN_LEN];		/* csr: the pin of the key the CSR carries */
};
/* Frees what a result holds and zeroes it; a zeroed result is a no-op. */
void ceremony_result_clear(struct ceremony_result *res);

/* ca root: the primary and the standby root, each with its own key. */
struct ceremony_root_req {
	const char *dir;		/* --dir, or NULL for $PINCA_DIR */
	const char *cn, *standby_cn;	/* distinct names */
	enum key_type type;
	long days;
	const char *key_uri[2];		/* primary's, standby's: a token key, or NULL for a file */
	const struct pass_source *src;	/* passphrase of the key files, token PIN */
};
/* Runs the root ceremony in an empty CA directory: two keys, two self-signed
 * roots, recorded with the CRL URL default and the transcript signed by
 * the primary. Fills res->cas[0..1] and res->transcript. */
int ceremony_root(const struct ceremony_root_req *req, struct ceremony_result *res);

/* ca intermediate: a new intermediate signed by a root held here. */
struct ceremony_intermediate_req {
	const char *dir;
	struct intermediate_params params;	/* cn, days, --permit-*, --no-constraints */
	const char *which;		/* "root" or "standby": the root that signs */
	enum key_type type;
	const char *key_uri;		/* the new key on a token, or NULL for a file */
	const struct pass_source *src;	/* the new key's passphrase (and the root's) */
	const struct pass_source *root_src; /* the root's, when it differs; else NULL */
	const char *crl_url;		/* --crl-url: the new intermediate's own, or NULL */
	int force;			/* override the pin guard (audited) */
	const struct pinca_report *report; /* the guard's --force warning; NULL drops it */
	ceremony_announce_fn *announce;
	void *announce_arg;
};
/* Makes the intermediate's key, has the root sign it, retires the previous
 * intermediate and makes the new one active. Fills res->cas[0],
 * res->transcript, res->signing and res->crl_url. */
int ceremony_intermediate(const struct ceremony_intermediate_req *req, struct ceremony_result *res);

/* ca csr: the issuing host's key and the CSR for the offline root. */
struct ceremony_csr_req {
	const char *dir;
	const char *cn;
	enum key_type type;
	const char *key_uri;
	const struct pass_source *src;
	const char *out;		/* where the CSR (PEM) goes */
};
/* Makes the key, records it as a pending intermediate and writes the CSR
 * to req->out. Fills res->csr_pin. */
int ceremony_csr(const struct ceremony_csr_req *req, struct ceremony_result *res);

/* ca sign: the offline root signs an intermediate's CSR. */
struct ceremony_sign_req {
	const char *dir;
	const char *csr_path;
	const char *out;		/* the bundle: intermediate, roots, root transcript */
	struct intermediate_params params;
	const char *which;
	const struct pass_source *src;	/* the root key's passphrase or token PIN */
	ceremony_announce_fn *announce;
	void *announce_arg;
};
/* Checks the CSR, signs its key, records the intermediate and writes the
 * bundle to req->out. Fills res->cas[0], res->root, res->primary_pin,
 * res->transcript and res->signing. */
int ceremony_sign(const struct ceremony_sign_req *req, struct ceremony_result *res);

/* ca import: the issuing host installs what the root signed. */
struct ceremony_import_req {
	const char *dir;
	const char *path;		/* the bundle ca sign wrote */
	const char *root_pin;		/* the primary root's pin, from the ceremony's record */
	int force;
	const struct pinca_report *report; /* the guard's --force warning; NULL drops it */
};
/* Proves the roots, records them, and activates the pending intermediate
 * (retiring the previous one). Fills res->cas[0] and res->root (the issuer). */
int ceremony_import(const struct ceremony_import_req *req, struct ceremony_result *res);

/* Keys of a ceremony. A new CA key file under DIR/keys/ (encrypted under
 * pass), its relative path in rel. Caller frees the key. */
EVP_PKEY *ca_new_key_file(const char *dir, const char *role, enum key_type type,
    const struct secret *pass, char *rel, size_t rel_size);
/* A new CA key: with uri, made on that PKCS#11 token (*token: a signer for
 * it; rel: its URI; *rc set on failure), else as ca_new_key_file. Returns
 * the key (its public half for a token key); the caller frees both. */
EVP_PKEY *ca_new_key(const char *dir, const char *role, enum key_type type,
    const struct secret *pass, const char *uri, const struct pass_source *src,
    struct signer **token, char *rel, size_t rel_size, int *rc);
/* Makes DIR/keys (0700) unless it exists. */
int dir_create_keys(const char *dir);
/* Deletes the key files (not token keys) a ceremony wrote and did not
 * commit; a NULL name is skipped. */
void ceremony_unlink_keys(const char *dir, const char *a, const char *b);

/* When the root of role ("root" or "standby") was retired (ca retire),
 * writes one line saying so and which root to use instead, and returns 1;
 * else says nothing and returns 0. */
int ca_root_retired_note(struct ca_context *ctx, const char *role);
/* Shared by the ceremony files. Finds the root `which` ("root" or
 * "standby") whose key is held here, into root; when there is none, one
 * line: the retirement note, or "no WHICH root key in DIR: " and missing. */
int ceremony_find_root(struct ca_context *ctx, const char *which, const char *missing,
    struct ca_record *root);
/* Chooses the next intermediate's name constraints (into choice and p->nc)
 * and reads the CRL URL of root (into *root_crl_url and p->crl_url; the
 * caller frees it). */
int ceremony_constraints(struct ca_context *ctx, const struct ca_record *root,
    struct intermediate_params *p, struct constraints_choice *choice, char **root_crl_url);

#endif
