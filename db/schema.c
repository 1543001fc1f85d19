/* schema: the database layout and its forward migrations. The version lives in
 * PRAGMA user_version; each migration runs inside one transaction with the
 * version bump, so a database is always at exactly one known version. */
#include <stdio.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

/* Version 1: every table the CA needs. Serials are lowercase hex without
 * colons or leading zero bytes (see serial_canonical); times are Unix seconds
 * UTC; DER is kept so every indexed column can be checked against it. */
static const char schema_v1[] =
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;"
    /* Roots, standby roots and intermediates. An intermediate whose CSR is
     * out for signing is 'pending' with no certificate yet; a root learned
     * from `ca import` has no key_path. */
    "CREATE TABLE cas ("
    "  id INTEGER PRIMARY KEY,"
    "  role TEXT NOT NULL CHECK (role IN ('root','standby','intermediate')),"
    "  state TEXT NOT NULL CHECK (state IN ('pending','active','retired')),"
    "  cn TEXT NOT NULL,"
    "  key_type TEXT NOT NULL,"
    "  key_path TEXT,"
    "  issuer_id INTEGER REFERENCES cas(id),"
    "  serial TEXT,"
    "  pin TEXT NOT NULL,"
    "  sha256_fingerprint TEXT,"
    "  not_before INTEGER,"
    "  not_after INTEGER,"
    "  spki BLOB NOT NULL,"
    "  der BLOB,"
    "  csr BLOB,"
    "  created_at INTEGER NOT NULL,"
    "  CHECK (state = 'pending' OR der IS NOT NULL)"
    ");"
    "CREATE UNIQUE INDEX cas_serial ON cas(serial) WHERE serial IS NOT NULL;"
    "CREATE INDEX cas_role ON cas(role, state);"
    /* A lineage is a named leaf across its renewals. */
    "CREATE TABLE lineages ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  profile TEXT NOT NULL CHECK (profile IN ('server','client')),"
    "  dns TEXT NOT NULL DEFAULT '[]',"
    "  ip TEXT NOT NULL DEFAULT '[]',"
    "  key_type TEXT NOT NULL,"
    "  key_path TEXT,"
    "  cert_path TEXT,"
    "  chain_path TEXT,"
    "  fullchain_path TEXT,"
    "  days INTEGER NOT NULL,"
    "  spki BLOB NOT NULL,"
    "  pin TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    /* Every leaf ever signed. The serial is the primary key: a collision of
     * random serials fails the insert instead of issuing a duplicate. */
    "CREATE TABLE certificates ("
    "  serial TEXT PRIMARY KEY,"
    "  issuer_id INTEGER NOT NULL REFERENCES cas(id),"
    "  lineage_id INTEGER REFERENCES lineages(id),"
    "  profile TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  dns TEXT NOT NULL DEFAULT '[]',"
    "  ip TEXT NOT NULL DEFAULT '[]',"
    "  pin TEXT NOT NULL,"
    "  sha256_fingerprint TEXT NOT NULL,"
    "  not_before INTEGER NOT NULL,"
    "  not_after INTEGER NOT NULL,"
    "  der BLOB NOT NULL,"
    "  issued_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX certificates_not_after ON certificates(not_after);"
    "CREATE INDEX certificates_lineage ON certificates(lineage_id, not_after);"
    "CREATE INDEX certificates_issuer ON certificates(issuer_id);"
    /* Revocations of leaves (in certificates) and of intermediates (in cas,
     * on the root's host). issuer_id is the CA whose CRL lists the serial. */
    "CREATE TABLE revocations ("
    "  serial TEXT PRIMARY KEY,"
    "  issuer_id INTEGER NOT NULL REFERENCES cas(id),"
    "  revoked_at INTEGER NOT NULL,"
    "  reason INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 10 AND reason <> 7 AND reason <> 8),"
    "  not_after INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX revocations_issuer ON revocations(issuer_id);"
    /* Every CRL made: the number is strictly increasing per CA. */
    "CREATE TABLE crls ("
    "  issuer_id INTEGER NOT NULL REFERENCES cas(id),"
    "  number INTEGER NOT NULL,"
    "  this_update INTEGER NOT NULL,"
    "  next_update INTEGER NOT NULL,"
    "  entries INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  PRIMARY KEY (issuer_id, number)"
    ") WITHOUT ROWID;"
    /* Shipped app releases and the pins each carries. */
    "CREATE TABLE app_releases ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL CHECK (state IN ('supported','retired')),"
    "  created_at INTEGER NOT NULL,"
    "  retired_at INTEGER"
    ");"
    "CREATE TABLE app_pins ("
    "  release_id INTEGER NOT NULL REFERENCES app_releases(id),"
    "  pin TEXT NOT NULL,"
    "  PRIMARY KEY (release_id, pin)"
    ") WITHOUT ROWID;"
    /* Ceremony transcripts: the JSON exactly as signed, and the signature. */
    "CREATE TABLE transcripts ("
    "  id INTEGER PRIMARY KEY,"
    "  ca_id INTEGER NOT NULL REFERENCES cas(id),"
    "  kind TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  document TEXT NOT NULL,"
    "  signature BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    /* The audit log: append-only, each row's hash covers the previous one. */
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  user TEXT NOT NULL,"
    "  host TEXT NOT NULL,"
    "  command TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  objects TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL"
    ");"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/* Version 2: the newest certificate of a lineage (renew, issue's lineage
 * look-ups) is read from the end of this index instead of sorting every
 * certificate the lineage ever had. */
static const char schema_v2[] =
    "CREATE INDEX certificates_lineage_latest ON certificates(lineage_id, issued_at, not_after);";

/* Version 3: `db list` reads every column it prints from one covering index
 * in (not_after, serial) order, instead of fetching each certificate's ~1 KB
 * row (DER included) from a random page of the table. The index leads with
 * not_after, so it answers every query certificates_not_after did, which is
 * dropped. The DER is left out: only `db show --pem` and `db check` need it,
 * and they read the table by primary key. The lineage name of each row comes
 * from lineages_id_name, a few MB beside the lineages table's rows (keys,
 * paths), so 30,000 rows touch a few hundred pages instead of 30,000.
 * Two indexes that every issuance paid for go: certificates_lineage
 * (lineage_id, not_after), whose look-ups certificates_lineage_latest (same
 * first column, a lineage's few rows) answers as well, and
 * certificates_issuer, which no query reads (CA rows are never deleted, so
 * the foreign key never searches by it). */
static const char schema_v3[] =
    "CREATE INDEX certificates_list ON certificates(not_after, serial, issuer_id, lineage_id, "
    "profile, subject, dns, ip, pin, sha256_fingerprint, not_before, issued_at);"
    "DROP INDEX certificates_not_after;"
    "DROP INDEX certificates_lineage;"
    "DROP INDEX certificates_issuer;"
    "CREATE INDEX lineages_id_name ON lineages(id, name);";

/* Version 4: why a root was retired. `ca retire root --lost|
 * --compromised` sets the root's state to 'retired' and records here when
 * and why, so pins, app add, verify, ca sign and ca import can say so. */
static const char schema_v4[] =
    "CREATE TABLE IF NOT EXISTS root_retirements ("
    "  ca_id INTEGER PRIMARY KEY REFERENCES cas(id),"
    "  reason TEXT NOT NULL CHECK (reason IN ('lost','compromised')),"
    "  retired_at INTEGER NOT NULL"
    ");";
/* Version 5: the root CRLs made in advance (`crl --presign`).
 * (IF NOT EXISTS: the tests fake an older schema by lowering user_version.)
 * Each is also a row of crls (number, dates, entries, hash); this table adds
 * the file it was written to and when it was made, so a later `crl` of that
 * CA can say which of them a revocation since has made void. */
static const char schema_v5[] =
    "CREATE TABLE IF NOT EXISTS presigned_crls ("
    "  issuer_id INTEGER NOT NULL,"
    "  number INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  made_at INTEGER NOT NULL,"
    "  PRIMARY KEY (issuer_id, number),"
    "  FOREIGN KEY (issuer_id, number) REFERENCES crls(issuer_id, number)"
    ") WITHOUT ROWID;";
/* Version 6: each CA's own CRL URL, the one that goes into
 * the CRL distribution point of what that CA signs (a root's into its
 * intermediates, an intermediate's into its leaves). Until now one URL,
 * the `init --crl-url` setting, went into everything: a directory that
 * holds CA keys gives it to each of them, so nothing it signs changes,
 * and the setting stays only where no CA exists yet, as the URL of the
 * CA made next. Idempotent, so a database whose version was set back
 * migrates again. */
static const char schema_v6[] =
    "CREATE TABLE IF NOT EXISTS ca_crl_urls ("
    "  ca_id INTEGER PRIMARY KEY REFERENCES cas(id),"
    "  url TEXT NOT NULL,"
    "  set_at INTEGER NOT NULL"
    ");"
    "INSERT OR IGNORE INTO ca_crl_urls(ca_id, url, set_at) "
    "  SELECT c.id, s.value, strftime('%s','now') FROM cas c JOIN settings s ON s.key = 'crl_url' "
    "  WHERE c.key_path IS NOT NULL;"
    "DELETE FROM settings WHERE key = 'crl_url' AND EXISTS "
    "  (SELECT 1 FROM cas WHERE key_path IS NOT NULL);";
/* Version 7: what a release read from the app build pins, per
 * domain (`pinca app add --from`). app_pins keeps every pin of a release, so
 * the guard and `app add --pin` read it as before; a release with rows here
 * is judged per domain instead. rule 'any': one pin anywhere in the chain
 * (Android, TrustKit); 'ca-and-leaf': iOS NSPinnedDomains with both CA and
 * leaf identities, where the chain must match one of each. kind 'anchor' is
 * an inline trust anchor's key (Android), other_anchors names the system or
 * user stores a domain also trusts. IF NOT EXISTS: a database whose
 * user_version was set back by hand (the migration tests do) migrates
 * again without failing on tables it has. */
static const char schema_v7[] =
    "CREATE TABLE IF NOT EXISTS app_domains ("
    "  id INTEGER PRIMARY KEY,"
    "  release_id INTEGER NOT NULL REFERENCES app_releases(id),"
    "  domain TEXT NOT NULL,"
    "  platform TEXT NOT NULL CHECK (platform IN ('android','ios','trustkit')),"
    "  rule TEXT NOT NULL CHECK (rule IN ('any','ca-and-leaf')),"
    "  include_subdomains INTEGER NOT NULL,"
    "  expiration TEXT,"
    "  other_anchors TEXT"
    ");"
    "CREATE INDEX IF NOT EXISTS app_domains_release ON app_domains(release_id);"
    "CREATE TABLE IF NOT EXISTS app_domain_pins ("
    "  domain_id INTEGER NOT NULL REFERENCES app_domains(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('any','ca','leaf','anchor')),"
    "  pin TEXT NOT NULL,"
    "  name TEXT,"
    "  PRIMARY KEY (domain_id, kind, pin)"
    ") WITHOUT ROWID;";
/* Version 8: what a lineage has deployed. deployed_serial is the
 * certificate whose files were last written in full (the one `revoke --name`
 * revokes); deploy_pending is set in the transaction that records a new
 * certificate and cleared once its files are on disk, so a lineage whose
 * files could not be written stays due; hook_pending is set when a renewal
 * ran with --exec and cleared when a deploy hook succeeded for it, so a failed
 * hook runs again on the next run. Existing lineages count their newest
 * certificate as deployed. */
static const char schema_v8[] =
    "ALTER TABLE lineages ADD COLUMN deployed_serial TEXT;"
    "ALTER TABLE lineages ADD COLUMN deploy_pending INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE lineages ADD COLUMN hook_pending INTEGER NOT NULL DEFAULT 0;"
    "UPDATE lineages SET deployed_serial = (SELECT serial FROM certificates "
    "WHERE lineage_id = lineages.id ORDER BY issued_at DESC, not_after DESC LIMIT 1);";
/* Version 9: keys blocked by `revoke --key`. A pin here is refused
 * for every later issuance (issue, renew, batch, ACME finalize): the check
 * sits where every leaf is built and recorded (issue/leaf.c). reason is the
 * RFC 5280 code the certificates were revoked with. */
static const char schema_v9[] =
    "CREATE TABLE IF NOT EXISTS blocked_keys ("
    "  pin TEXT PRIMARY KEY,"
    "  blocked_at INTEGER NOT NULL,"
    "  reason INTEGER NOT NULL"
    ") WITHOUT ROWID;";
/* Version 10: the ACME server's state. External account bindings
 * (an HMAC key and the domains its accounts may order), accounts (keyed by
 * their JWK thumbprint), orders, and authorizations; an authorization's two
 * challenges (http-01, dns-01) share its token and live in its row: which
 * one was tried, and its outcome. */
static const char schema_v10[] =
    "CREATE TABLE IF NOT EXISTS acme_eab ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  kid TEXT NOT NULL UNIQUE,"
    "  hmac BLOB NOT NULL,"
    "  permit TEXT NOT NULL DEFAULT '[]',"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS acme_accounts ("
    "  id INTEGER PRIMARY KEY,"
    "  thumbprint TEXT NOT NULL UNIQUE,"
    "  jwk TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('valid','deactivated','revoked')),"
    "  contact TEXT NOT NULL DEFAULT '[]',"
    "  eab_id INTEGER,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS acme_orders ("
    "  id INTEGER PRIMARY KEY,"
    "  account_id INTEGER NOT NULL REFERENCES acme_accounts(id),"
    "  status TEXT NOT NULL,"
    "  identifiers TEXT NOT NULL,"
    "  profile TEXT NOT NULL,"
    "  replaces TEXT,"
    "  lineage TEXT,"
    "  serial TEXT,"
    "  error TEXT,"
    "  expires INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS acme_orders_account ON acme_orders(account_id, status);"
    "CREATE TABLE IF NOT EXISTS acme_authz ("
    "  id INTEGER PRIMARY KEY,"
    "  order_id INTEGER NOT NULL REFERENCES acme_orders(id),"
    "  account_id INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  wildcard INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  token TEXT NOT NULL,"
    "  challenge TEXT,"
    "  validated_at INTEGER,"
    "  error TEXT,"
    "  expires INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS acme_authz_order ON acme_authz(order_id);";

/* Migrations in order; schema_migrations[i] takes the database from version
 * i to i+1. Never edit a released one: add the next. They are SQLite's SQL;
 * db/schema_pg.c holds their PostgreSQL translation. */
const char *const schema_migrations[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
	schema_v5,
	schema_v6,
	schema_v7,
	schema_v8,
	schema_v9,
	schema_v10,
};

const int schema_migration_count = (int)(sizeof(schema_migrations) / sizeof(schema_migrations[0]));

int
store_schema_version(void)
{
	return schema_migration_count;
}

int
store_migrate(struct store *st)
{
	int have, want = store_schema_version();

	if (store_user_version(st, &have) != RC_OK)
		return RC_FAIL;
	if (have > want) {
		pinca_warnx("%s was written by a newer pinca (schema %d, this one knows %d); "
		    "upgrade pinca", store_path(st), have, want);
		return RC_FAIL;
	}
	if (have == want)
		return RC_OK;
	/* All steps in one transaction: a database is at its old version or at
	 * the new one, never between. The version is read again under the write
	 * lock, since another process may have migrated it meanwhile. */
	if (store_begin(st) != RC_OK)
		return RC_FAIL;
	if (store_user_version(st, &have) != RC_OK)
		goto fail;
	for (int v = have; v < want; v++)
		if (store_exec(st, schema_migrations[v]) != RC_OK)
			goto fail;
	if (have < want) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", want);
		if (store_exec(st, pragma) != RC_OK)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return RC_FAIL;
}
