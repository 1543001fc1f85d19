/* store: the CA's memory, in SQLite (a file) or PostgreSQL (a URL). This
 * header is the one interface the domain code uses; only db/ speaks SQL,
 * through db/sql.h and one driver per engine.
 *
 * Conventions: functions return RC_OK, RC_FAIL (message printed) or, for
 * look-ups, STORE_NOT_FOUND. Records returned through out-parameters own
 * their strings and blobs; free them with the matching *_clear function.
 * Writers call store_begin() first and store_commit() after, so a state
 * change and its audit record land together or not at all. */
#ifndef PINCA_STORE_H
#define PINCA_STORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

#define STORE_NOT_FOUND 1
#define STORE_CONSTRAINT 2	/* a UNIQUE/PRIMARY KEY constraint refused the row */

/* --- opening, transactions --- */

/* Opens (create=0) or creates (create=1: the file must not exist) the
 * database at path, applies pragmas and migrations. path may instead be a
 * PostgreSQL URL (see sql_target_is_postgres): its schema is made or
 * migrated forward (create concerns files only). */
int store_open(const char *path, int create, struct store **out);
void store_close(struct store *st);
/* BEGIN IMMEDIATE (PostgreSQL: BEGIN and the writers' advisory lock),
 * retrying with jittered back-off while another writer holds the lock, so
 * concurrent issuers wait instead of failing. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* Makes store_begin take mu (shared by the handles of one process) before
 * the engine's write lock, and the transaction's end release it: threads of one
 * process wait on the mutex instead of polling the engine with back-off. */
void store_set_writer_lock(struct store *st, pthread_mutex_t *mu);
/* Caps this handle's page cache at kib KiB (a long-running server with a
 * handle per thread keeps its memory flat; the OS caches the file too). */
int store_set_cache_kib(struct store *st, int kib);
/* A read transaction (deferred BEGIN): a run of look-ups shares one snapshot
 * and one read lock instead of taking them per statement. It holds no write
 * lock; end it before store_begin(). */
int store_read_begin(struct store *st);
void store_read_end(struct store *st);
/* Savepoints inside a transaction, so one item of a batch can fail alone. */
int store_savepoint(struct store *st);
int store_savepoint_release(struct store *st);
void store_savepoint_rollback(struct store *st);
const char *store_path(const struct store *st);
/* The command line this handle's audit records carry, as its caller hands
 * it (already redacted: the store never sees argv; common/cmdline.h). A
 * copy is kept; until it is set, "pinca". RC_OK or RC_FAIL (out of memory). */
int store_set_audit_command(struct store *st, const char *command);
/* The command line this handle's audit records carry. */
const char *store_audit_command(const struct store *st);

/* --- settings (key/value) --- */

/* *value is a new string (caller frees) or NULL when the key is not set. */
int store_setting_get(struct store *st, const char *key, char **value);
int store_setting_set(struct store *st, const char *key, const char *value);
/* Removes a setting; nothing happens when it is not set. */
int store_setting_delete(struct store *st, const char *key);

/* --- certificate authorities --- */

struct ca_record {
	int64_t id;
	char role[16];		/* root | standby | intermediate */
	char state[16];		/* pending | active | retired */
	char *cn;
	char key_type[16];	/* ec-p256 | ec-p384 | rsa-2048 | rsa-4096 */
	char *key_path;		/* relative to the CA directory; NULL if not held here */
	int64_t issuer_id;	/* 0 for a self-signed root */
	char *serial;		/* NULL while pending */
	char *pin;		/* sha256/... of the SPKI */
	char *sha256_fingerprint; /* of the certificate DER; NULL while pending */
	int64_t not_before, not_after;
	unsigned char *spki; size_t spki_len;
	unsigned char *der; size_t der_len;	/* certificate; NULL while pending */
	unsigned char *csr; size_t csr_len;	/* our CSR, for a pending intermediate */
	int64_t created_at;
};
void ca_record_clear(struct ca_record *r);
/* Inserts r and sets r->id. */
int store_ca_insert(struct store *st, struct ca_record *r);
/* Fills the certificate columns of a pending CA and makes it active. */
int store_ca_activate(struct store *st, const struct ca_record *r);
int store_ca_set_state(struct store *st, int64_t id, const char *state);
int store_ca_get(struct store *st, int64_t id, struct ca_record *out);
/* The newest CA with this role and state (state NULL: any). */
int store_ca_find(struct store *st, const char *role, const char *state, struct ca_record *out);
/* The newest active CA with this role whose key is held in this directory. */
int store_ca_find_held(struct store *st, const char *role, struct ca_record *out);
int store_ca_find_serial(struct store *st, const char *serial, struct ca_record *out);
int store_ca_find_pin(struct store *st, const char *pin, struct ca_record *out);
/* Retires a root for a reason ("lost" or "compromised") at time at: its
 * state becomes 'retired' and the reason is recorded. Inside a transaction. */
int store_ca_retire_root(struct store *st, int64_t id, const char *reason, int64_t at);
/* Why and when root id was retired: reason (at least 16 bytes) and *at.
 * STORE_NOT_FOUND when it was not. */
int store_ca_retirement(struct store *st, int64_t id, char *reason, size_t size, int64_t *at);
/* Calls fn for every CA, oldest first; a non-zero return from fn stops and is returned. */
int store_ca_each(struct store *st, int (*fn)(const struct ca_record *, void *), void *arg);
/* Where a CA's CRL is published, the URL that goes into the CRL
 * distribution point of what it signs: *url is new (caller frees), or NULL
 * when the CA has none. */
int store_ca_crl_url_get(struct store *st, int64_t ca_id, char **url);
/* Sets it for what the CA signs from now on; url NULL removes it. */
int store_ca_crl_url_set(struct store *st, int64_t ca_id, const char *url);

/* --- lineages --- */

struct lineage_record {
	int64_t id;
	char *name;
	char profile[16];	/* server | client */
	char *dns_json;		/* JSON array of strings */
	char *ip_json;		/* JSON array of strings */
	char key_type[16];
	char *key_path, *cert_path, *chain_path, *fullchain_path;	/* absolute or NULL */
	int days;
	unsigned char *spki; size_t spki_len;
	char *pin;
	int64_t created_at, updated_at;
	char *deployed_serial;	/* the certificate whose files were last written; NULL: none */
	int deploy_pending;	/* the newest certificate's files are not known to be on disk */
	int hook_pending;	/* a deploy hook is owed for this lineage */
	int64_t last_not_after;	/* of the newest certificate (each_renewable only) */
};
void lineage_record_clear(struct lineage_record *r);
int store_lineage_insert(struct store *st, struct lineage_record *r);
/* Updates the key (spki, pin, key_type, key_path) and updated_at. */
int store_lineage_update_key(struct store *st, const struct lineage_record *r);
int store_lineage_get(struct store *st, const char *name, struct lineage_record *out);
int store_lineage_get_id(struct store *st, int64_t id, struct lineage_record *out);
/* Lineages whose newest certificate expires before `before`, oldest expiry first. */
int store_lineage_each_due(struct store *st, int64_t before,
    int (*fn)(const struct lineage_record *, void *), void *arg);
/* Lineages to renew (db/store_deploy.c): with all, every one; else those
 * whose newest certificate ends before `before` with less than a third of its
 * lifetime left at `now`, and those whose last deploy did not finish. Oldest
 * expiry first; fn's non-zero return stops and is returned. */
int store_lineage_each_renewable(struct store *st, int64_t now, int64_t before, int all,
    int (*fn)(const struct lineage_record *, void *), void *arg);
/* Lineages that are owed a deploy hook (hook_pending) and whose files are
 * in place, by name. */
int store_lineage_each_hook_pending(struct store *st,
    int (*fn)(const struct lineage_record *, void *), void *arg);
/* In the current transaction: a new certificate of lineage id is recorded
 * and its files are not written yet; hook: a deploy hook is owed for it. */
int store_lineage_deploy_begin(struct store *st, int64_t id, int hook);
/* serial's files are on disk: it is the deployed certificate of lineage id
 * (its own transaction unless one is open). */
int store_lineage_deployed(struct store *st, int64_t id, const char *serial);
/* The serial of lineage id's newest certificate (STORE_NOT_FOUND: none). */
int store_lineage_newest_serial(struct store *st, int64_t id, char *serial, size_t size);
/* A deploy hook succeeded for lineage id. */
int store_lineage_hook_done(struct store *st, int64_t id);

/* --- certificates --- */

struct cert_record {
	char serial[48];
	int64_t issuer_id;
	int64_t lineage_id;	/* 0: none */
	char *name;		/* lineage name when read back; NULL if none */
	char profile[16];
	char *subject;
	char *dns_json, *ip_json;
	char *pin;
	char sha256_fingerprint[65];
	int64_t not_before, not_after;
	unsigned char *der; size_t der_len;
	int64_t issued_at;
	/* filled on read from revocations */
	int revoked;
	int64_t revoked_at;
	int reason;
};
void cert_record_clear(struct cert_record *r);
/* STORE_CONSTRAINT when the serial already exists. */
int store_cert_insert(struct store *st, const struct cert_record *r);
int store_cert_get(struct store *st, const char *serial, struct cert_record *out);

struct cert_filter {
	int64_t expiring_before;	/* 0: any */
	const char *status;		/* NULL, "valid", "revoked", "expired" */
	const char *lineage;		/* NULL: any */
	int64_t now;
	int with_der;			/* read the DER too */
	int serial_order;		/* walk the table in serial order, using no
					 * secondary index (db check) */
};
/* Calls fn for each certificate the filter keeps; a non-zero return from fn
 * stops and is returned. The record fn gets borrows its strings and DER from
 * the engine: valid only during the call (copy what must outlive it). */
int store_cert_each(struct store *st, const struct cert_filter *f,
    int (*fn)(const struct cert_record *, void *), void *arg);

/* --- revocations and CRLs --- */

struct revocation_record {
	char serial[48];
	int64_t issuer_id;
	int64_t revoked_at;
	int reason;
	int64_t not_after;
};
/* STORE_CONSTRAINT when already revoked. */
int store_revocation_insert(struct store *st, const struct revocation_record *r);
int store_revocation_get(struct store *st, const char *serial, struct revocation_record *out);
/* Streams the revocations of one CA in serial order without loading them all. */
int store_revocation_each(struct store *st, int64_t issuer_id,
    int (*fn)(const struct revocation_record *, void *), void *arg);
/* The next CRL number of a CA (1 for its first). */
int store_crl_next_number(struct store *st, int64_t issuer_id, int64_t *number);
int store_crl_record(struct store *st, int64_t issuer_id, int64_t number, int64_t this_update,
    int64_t next_update, int64_t entries, const char *sha256);
/* The latest CRL of a CA; STORE_NOT_FOUND if none. */
int store_crl_latest(struct store *st, int64_t issuer_id, int64_t *number,
    int64_t *this_update, int64_t *next_update);

/* What a serial names for `revoke`: a leaf (certificates) or a CA (cas). */
struct revocation_target {
	char serial[48];
	char kind[16];		/* leaf | root | standby | intermediate */
	int64_t issuer_id;	/* the CA whose CRL lists it; 0 for a self-signed root */
	int64_t not_after;
	char *name;		/* lineage name of a leaf or CN of a CA; may be NULL */
};
void revocation_target_clear(struct revocation_target *t);
/* Finds the certificate with this canonical serial among leaves, then CAs. */
int store_revocation_target(struct store *st, const char *serial, struct revocation_target *out);
/* The newest certificate of a lineage (latest issued_at, then notAfter); STORE_NOT_FOUND if
 * the lineage or its certificates do not exist. */
int store_revocation_target_lineage(struct store *st, const char *lineage,
    struct revocation_target *out);

/* --- backups and pre-signed CRLs (db/store_backup.c) --- */

/* Sets (or with NULL clears) where a CA's key is held: `ca restore`. */
int store_ca_set_key_path(struct store *st, int64_t id, const char *key_path);
/* A pre-signed CRL, recorded after its crls row (same issuer and number). */
struct presigned_crl {
	int64_t number, this_update, next_update, entries, made_at;
	const char *path;	/* borrowed from the store during the callback */
};
int store_presigned_insert(struct store *st, int64_t issuer_id, int64_t number, const char *path,
    int64_t made_at);
/* Calls fn for each pre-signed CRL of the CA, lowest number first; a
 * non-zero return from fn stops and is returned. */
int store_presigned_each(struct store *st, int64_t issuer_id,
    int (*fn)(const struct presigned_crl *, void *), void *arg);
/* How many certificates the CA has revoked. */
int store_revocation_count(struct store *st, int64_t issuer_id, int64_t *count);

/* --- blocked keys (revoke --key) --- */

struct key_block {
	char pin[64];
	int64_t blocked_at;
	int reason;
};
/* Blocks a key for every later issuance; STORE_CONSTRAINT if already blocked. */
int store_key_block(struct store *st, const struct key_block *b);
/* RC_OK and *out filled when pin is blocked, STORE_NOT_FOUND when not, RC_FAIL. */
int store_key_blocked(struct store *st, const char *pin, struct key_block *out);
/* Calls fn for every leaf certified for this pin (oldest first), with
 * whether it is revoked (t->name is borrowed: valid during the call only);
 * a non-zero return from fn stops and is returned. Write nothing from fn. */
int store_key_certs_each(struct store *st, const char *pin,
    int (*fn)(const struct revocation_target *, int revoked, void *), void *arg);

/* --- app releases --- */

/* A pin a release carries for one domain (what pinca app add --from read). */
enum app_pin_kind { APP_PIN_ANY, APP_PIN_CA, APP_PIN_LEAF, APP_PIN_ANCHOR };
struct app_pin {
	char pin[52];		/* sha256/BASE64 */
	enum app_pin_kind kind;
	char *name;		/* anchor: where the certificate came from (or NULL) */
};
/* One domain's pinning rule in one platform's configuration. */
struct app_domain {
	char *domain;
	int include_subdomains;
	char platform[16];	/* android | ios | trustkit */
	char expiration[16];	/* YYYY-MM-DD or "" */
	char other_anchors[32];	/* "system", "user", "system,user" or "" */
	struct app_pin *pins; size_t npins;
};
/* "ca-and-leaf" (iOS with both CA and leaf identities) or "any". */
const char *app_domain_rule(const struct app_domain *d);
const char *app_pin_kind_name(enum app_pin_kind k);
void app_domain_clear(struct app_domain *d);

struct app_release {
	int64_t id;
	char *name;
	char state[16];		/* supported | retired */
	int64_t created_at, retired_at;
	char **pins; size_t npins;	/* every pin (not anchors) */
	/* Per-domain rules (releases read from a build); none for --pin ones. */
	struct app_domain *domains; size_t ndomains;
};
void app_release_clear(struct app_release *r);
int store_app_insert(struct store *st, struct app_release *r);
int store_app_retire(struct store *st, int64_t id, int64_t at);
int store_app_get(struct store *st, const char *name, struct app_release *out);
/* Every release (supported_only: skip retired), oldest first, with its pins. */
int store_app_each(struct store *st, int supported_only,
    int (*fn)(const struct app_release *, void *), void *arg);

/* --- transcripts --- */

int store_transcript_insert(struct store *st, int64_t ca_id, const char *kind, const char *path,
    const char *document, const unsigned char *sig, size_t sig_len);
/* The oldest transcript of this kind recorded for a CA: the document as
 * signed and its signature (new buffers, caller frees). STORE_NOT_FOUND if none. */
int store_transcript_find(struct store *st, int64_t ca_id, const char *kind, char **document,
    unsigned char **sig, size_t *sig_len);

/* --- audit log --- */

/* Appends one record inside the current transaction. objects is borrowed. */
int store_audit(struct store *st, const char *action, json_t *objects);

struct audit_record {
	int64_t seq, at;
	char *user, *host, *command, *action, *objects, *prev_hash, *hash;
};
/* Walks the chain; fn gets each record and whether its hash checks out. */
int store_audit_each(struct store *st,
    int (*fn)(const struct audit_record *, int ok, void *), void *arg);

/* --- maintenance --- */

/* PRAGMA integrity_check and foreign_key_check; each problem to fn. */
int store_integrity(struct store *st, int (*fn)(const char *problem, void *), void *arg);
/* Online copy to path with sqlite3_backup_* (SQLite only; refused on PostgreSQL). */
int store_backup(struct store *st, const char *path);

/* --- db migrate (db/store_migrate.c) --- */

/* 1 when the store is in PostgreSQL, 0 for SQLite. */
int store_is_postgres(const struct store *st);
/* Copies every table of the SQLite store src into dst (PostgreSQL, empty,
 * same schema version), ids kept, in one transaction on dst while src's
 * write lock is held; then sets dst's identity sequences past the copied
 * ids and appends a "db migrate" audit record. fn is told each table's row
 * count. RC_OK, or RC_FAIL (one line printed; dst unchanged) when dst has
 * rows or a copy fails. */
int store_copy_all(struct store *src, struct store *dst,
    void (*fn)(const char *table, int64_t rows, void *arg), void *arg);

/* --- ACME server state (db/store_acme.c) --- */

/* An external account binding: the operator gives its kid and HMAC key to
 * a fleet; accounts made with it may order only the permitted domains. */
struct acme_eab {
	int64_t id;
	char name[65];
	char kid[65];
	unsigned char hmac[32];
	char *permit_json;	/* JSON array of domains; [] permits every name */
	int64_t created_at;
	int64_t accounts;	/* accounts bound (filled by each/get) */
};
void acme_eab_clear(struct acme_eab *r);
/* STORE_CONSTRAINT when the name exists. */
int store_acme_eab_insert(struct store *st, struct acme_eab *r);
int store_acme_eab_get(struct store *st, const char *kid, int64_t id, struct acme_eab *out);
int store_acme_eab_remove(struct store *st, const char *name);
int store_acme_eab_each(struct store *st, int (*fn)(const struct acme_eab *, void *), void *arg);

struct acme_account {
	int64_t id;
	char thumbprint[64];	/* RFC 7638 SHA-256, base64url */
	char *jwk_json;
	char status[16];	/* valid | deactivated | revoked */
	char *contact_json;
	int64_t eab_id;		/* 0: none */
	int64_t created_at;
};
void acme_account_clear(struct acme_account *r);
int store_acme_account_insert(struct store *st, struct acme_account *r);
/* By id (thumbprint NULL) or by thumbprint. */
int store_acme_account_get(struct store *st, int64_t id, const char *thumbprint,
    struct acme_account *out);
/* Writes status, contact, jwk and thumbprint (STORE_CONSTRAINT: another
 * account has the thumbprint). */
int store_acme_account_update(struct store *st, const struct acme_account *r);
int store_acme_account_each(struct store *st,
    int (*fn)(const struct acme_account *, int64_t orders, void *), void *arg);

struct acme_order {
	int64_t id, account_id;
	char status[16];	/* pending | ready | processing | valid | invalid */
	char *identifiers_json;	/* [{"type":..,"value":..}] */
	char profile[16];
	char *replaces;		/* RFC 9773 certificate ID or NULL */
	char *lineage;		/* decided at finalize */
	char *serial;		/* the certificate, once valid */
	char *error_json;
	int64_t expires, created_at;
};
void acme_order_clear(struct acme_order *r);
int store_acme_order_insert(struct store *st, struct acme_order *r);
int store_acme_order_get(struct store *st, int64_t id, struct acme_order *out);
/* Moves order id from status from to status to, if it is in from:
 * RC_OK, or STORE_NOT_FOUND when another request moved it first. */
int store_acme_order_claim(struct store *st, int64_t id, const char *from, const char *to);
/* Writes status, lineage, serial and error. */
int store_acme_order_update(struct store *st, const struct acme_order *r);
/* Calls fn with the id of each order of the account that is pending,
 * ready or processing and not expired (RFC 8555 §7.1.2.1), oldest first. */
int store_acme_order_each_account(struct store *st, int64_t account_id, int64_t now,
    int (*fn)(int64_t id, void *), void *arg);
/* Orders of the account not yet valid or invalid, and not expired. */
int store_acme_order_count_pending(struct store *st, int64_t account_id, int64_t now, int *n);

struct acme_authz {
	int64_t id, order_id, account_id;
	char type[8];		/* dns | ip */
	char value[256];
	int wildcard;
	char status[16];	/* pending | valid | invalid | deactivated */
	char token[64];
	char challenge[16];	/* the challenge tried ("" none) */
	int64_t validated_at;
	char *error_json;
	int64_t expires;
};
void acme_authz_clear(struct acme_authz *r);
int store_acme_authz_insert(struct store *st, struct acme_authz *r);
int store_acme_authz_get(struct store *st, int64_t id, struct acme_authz *out);
/* Writes status, challenge, validated_at and error. */
int store_acme_authz_update(struct store *st, const struct acme_authz *r);
int store_acme_authz_each_order(struct store *st, int64_t order_id,
    int (*fn)(const struct acme_authz *, void *), void *arg);
/* Sets *owns when an order of account_id holds the certificate serial. */
int store_acme_serial_account(struct store *st, const char *serial, int64_t account_id,
    int *owns);
/* The lineage whose DNS and IP name arrays are exactly these JSON texts. */
int store_lineage_find_names(struct store *st, const char *dns_json, const char *ip_json,
    struct lineage_record *out);

#endif
