/* acme: the ACME server's shared types (RFC 8555, RFC 9773). serve.c owns
 * the HTTP side (libmicrohttpd) and hands each request, parsed, to one
 * handler function of the file for its resource; handlers fill a response
 * and never see sockets. Domain calls (issuance, revocation) and the store
 * are reached through the thread's own context (acme_thread). */
#ifndef PINCA_ACME_H
#define PINCA_ACME_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>

#include "acme/commit_group.h"
#include "ca/context.h"
#include "ca/signer.h"
#include "db/store.h"
#include "issue/leaf.h"

#define ACME_BODY_MAX (64 * 1024)	/* a JWS with an RSA-4096 CSR is under 8 KiB */
#define ACME_MAX_PENDING_ORDERS 20	/* per account */
#define ACME_ORDER_LIFETIME (7 * 86400)
#define ACME_CERT_DAYS 90
#define ACME_VALIDATION_SECONDS 10
#define ACME_RESOLVE_MAX 32
#define ACME_RETRY_AFTER 21600		/* renewalInfo: ask again in 6 hours */

/* Nonces: a sequence number and its MAC; a bitmap of the last
 * NONCE_WINDOW numbers remembers which were used (nonce.c). */
#define NONCE_WINDOW (1u << 20)
struct nonce_pool {
	pthread_mutex_t mu;
	unsigned char key[32];
	uint64_t next;			/* the next number to hand out */
	unsigned char *used;		/* NONCE_WINDOW bits */
};
int nonce_pool_init(struct nonce_pool *np);
void nonce_pool_free(struct nonce_pool *np);
/* Writes a fresh nonce (base64url, NUL-terminated) into out[64]. */
void nonce_new(struct nonce_pool *np, char out[64]);
/* 1 if nonce was handed out by this pool and not used before (it is now). */
int nonce_use(struct nonce_pool *np, const char *nonce);

struct acme_resolve {
	char host[256];		/* "*.example.com" matches subdomains */
	char addr[64];
};

struct acme_config {
	const char *dir;
	char listen_addr[64];
	int listen_port;
	const char *tls_names[16];
	int ntls_names;
	const char *tls_cert, *tls_key;
	int http01_port;
	struct acme_resolve resolve[ACME_RESOLVE_MAX];
	int nresolve;
	char dns_addr[64];
	int dns_port;		/* 0: no dns-01 */
	int eab_required;
	/* Where the server's lines go: the listening line (REPORT_OUT), one
	 * access line per request and the stop line (REPORT_LOG), a request's
	 * error line no handler took (REPORT_NOTE). */
	const struct pinca_report *log;
};

struct acme_server {
	struct acme_config cfg;
	struct signer_remote remote;	/* the signer process */
	struct nonce_pool nonces;
	pthread_key_t thread_key;	/* each server thread's acme_thread */
	pthread_mutex_t writer;		/* the threads' writes, one at a time */
	struct commit_group group;	/* the handlers' writes share commits */
	int inflight;			/* requests being handled (atomic) */
};

/* What one server thread holds: its own store handle and issuer, opened on
 * its first request. */
struct acme_thread {
	struct ca_context ctx;
	struct issuer is;
	int ctx_open, is_open;
};

struct acme_request {
	struct acme_server *srv;
	struct acme_thread *t;
	const char *method;
	const char *path;
	const char *content_type;
	char base[320];			/* https://HOST[:PORT] as the client named us */
	char url[1024];			/* base + path */
	const unsigned char *body;
	size_t body_len;
	/* after acme_jws_verify */
	json_t *protected_hdr;
	json_t *payload;		/* NULL for POST-as-GET */
	json_t *jwk;			/* the key that signed */
	char thumbprint[64];
	struct acme_account account;	/* when signed with kid */
	/* for the access log */
	int64_t log_order;
	int64_t log_account;		/* an account made or found by newAccount */
};

struct acme_response {
	int status;
	char *body;			/* new string */
	const char *content_type;
	char location[1100];
	char link[2][1200];
	int nlinks;
	int retry_after;		/* seconds, 0: none */
	const char *problem;		/* the problem type when an error (a literal) */
	int cache_no_store;
};

/* problem.c: an RFC 8555 §6.7 problem document. type is the last part of
 * urn:ietf:params:acme:error:TYPE. Returns -1 so handlers can return it. */
int acme_problem(struct acme_response *rs, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A problem as a JSON object (new), for an order or authorization's error. */
json_t *acme_problem_json(const char *type, const char *detail, int status);
/* Sets rs to a JSON body (takes the reference). */
int acme_json_response(struct acme_response *rs, int status, json_t *body);
/* A captured pinca error line as the detail (strips "pinca: " if any). */
const char *acme_detail(const char *captured);

/* jws.c: verifies the request's JWS (RFC 8555 §6.2-6.5). need_jwk: the
 * resource takes a jwk (newAccount, revokeCert by certificate key);
 * allow_either: revokeCert takes either. Fills the request or returns -1
 * with the problem set. */
enum { JWS_KID, JWS_JWK, JWS_EITHER };
int acme_jws_verify(struct acme_request *rq, struct acme_response *rs, int which);
void acme_request_clear(struct acme_request *rq);
/* RFC 7638 thumbprint (SHA-256, base64url) of jwk into out[64]. */
int acme_jwk_thumbprint(const json_t *jwk, char out[64]);
/* Checks a JWS object's signature with jwk, padding short ES256 signatures. */
int acme_jws_check_sig(const json_t *jws, const json_t *jwk);
/* Decodes a base64url JSON member into a new object (NULL on error). */
json_t *acme_b64_json(const json_t *str);
/* Whether alg is one pinca takes for account keys, and jwk fits it. */
int acme_jwk_fits_alg(const json_t *jwk, const char *alg);

/* Builds a URL of this server (base + path) into a new json string. */
json_t *acme_url(const struct acme_request *rq, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The handlers, one per resource. Each returns 0 with rs filled, or -1
 * with a problem in rs. */
int acme_directory(struct acme_request *rq, struct acme_response *rs);
int acme_new_nonce(struct acme_request *rq, struct acme_response *rs);
int acme_new_account(struct acme_request *rq, struct acme_response *rs);
int acme_account_post(struct acme_request *rq, struct acme_response *rs, int64_t id);
int acme_account_orders(struct acme_request *rq, struct acme_response *rs, int64_t id);
int acme_key_change(struct acme_request *rq, struct acme_response *rs);
int acme_new_order(struct acme_request *rq, struct acme_response *rs);
int acme_order_post(struct acme_request *rq, struct acme_response *rs, int64_t id);
int acme_authz_post(struct acme_request *rq, struct acme_response *rs, int64_t id);
int acme_challenge_post(struct acme_request *rq, struct acme_response *rs, int64_t id,
    const char *type);
int acme_finalize(struct acme_request *rq, struct acme_response *rs, int64_t id);
int acme_cert_post(struct acme_request *rq, struct acme_response *rs, int64_t id);
int acme_revoke_cert(struct acme_request *rq, struct acme_response *rs);
int acme_renewal_info(struct acme_request *rq, struct acme_response *rs, const char *cert_id);

/* order.c helpers shared with challenge.c and finalize.c */
/* Loads the order of this account (-1 with the problem set otherwise),
 * bringing its status up to date (pending -> ready/invalid). */
int acme_order_load(struct acme_request *rq, struct acme_response *rs, int64_t id,
    struct acme_order *o);
json_t *acme_order_json(struct acme_request *rq, const struct acme_order *o);
/* account.c: whether the account may order value (its binding's domains). */
int acme_account_permits(struct acme_request *rq, struct acme_response *rs, const char *value);

/* validate.c: the http-01 and dns-01 checks; 0 valid, -1 with *problem set
 * (a new JSON problem). */
int acme_validate_http01(const struct acme_config *cfg, const char *host, const char *token,
    const char *key_authz, json_t **problem);
int acme_validate_dns01(const struct acme_config *cfg, const char *domain,
    const char *key_authz, json_t **problem);

/* renewal_info.c: the RFC 9773 certificate ID of a certificate, and the
 * serial (hex, as the store keeps it) a certificate ID names. */
int acme_cert_id_serial(const char *cert_id, char *serial, size_t size, unsigned char *aki,
    size_t *aki_len);

/* signer_proc.c: the signer process (forks; the child holds the key). */
struct signer_proc;
int signer_proc_start(const char *cadir, const struct ca_record *ca,
    const struct pass_source *src, struct signer_proc **out, struct signer_remote *remote);
void signer_proc_stop(struct signer_proc *sp);
/* Whether tbs is a leaf's TBSCertificate issued by sg's CA with the
 * algorithm identifier alg: all the signer process will sign. */
int signer_tbs_is_own_leaf(const struct signer *sg, const unsigned char *tbs, size_t len,
    const unsigned char *alg, size_t alg_len);

/* serve.c */
int acme_serve(struct acme_server *srv, const char *cert_pem, const char *key_pem);
/* The calling thread's context (opened on first use); NULL with a message. */
struct acme_thread *acme_thread_get(struct acme_server *srv);

#endif
