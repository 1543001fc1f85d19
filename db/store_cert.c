/* store_cert: the certificates and lineages tables. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

#define CERT_COLUMNS "c.serial, c.issuer_id, c.lineage_id, l.name, c.profile, c.subject, c.dns, " \
	"c.ip, c.pin, c.sha256_fingerprint, c.not_before, c.not_after, c.issued_at, " \
	"r.revoked_at, r.reason"
#define CERT_FROM " FROM certificates c LEFT JOIN lineages l ON l.id = c.lineage_id " \
	"LEFT JOIN revocations r ON r.serial = c.serial"

void
cert_record_clear(struct cert_record *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->subject);
	free(r->dns_json);
	free(r->ip_json);
	free(r->pin);
	free(r->der);
	memset(r, 0, sizeof(*r));
}

void
lineage_record_clear(struct lineage_record *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->dns_json);
	free(r->ip_json);
	free(r->key_path);
	free(r->cert_path);
	free(r->chain_path);
	free(r->fullchain_path);
	free(r->spki);
	free(r->pin);
	free(r->deployed_serial);
	memset(r, 0, sizeof(*r));
}

int
store_cert_insert(struct store *st, const struct cert_record *r)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare_cached(st, &s, "INSERT INTO certificates(serial, issuer_id, lineage_id, profile, "
	    "subject, dns, ip, pin, sha256_fingerprint, not_before, not_after, der, issued_at) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (serial) DO NOTHING") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->serial);
	sql_bind_int64(s, 2, r->issuer_id);
	if (r->lineage_id)
		sql_bind_int64(s, 3, r->lineage_id);
	else
		sql_bind_null(s, 3);
	sql_bind_text(s, 4, r->profile);
	store_bind_text(s, 5, r->subject ? r->subject : "");
	store_bind_text(s, 6, r->dns_json ? r->dns_json : "[]");
	store_bind_text(s, 7, r->ip_json ? r->ip_json : "[]");
	store_bind_text(s, 8, r->pin);
	sql_bind_text(s, 9, r->sha256_fingerprint);
	sql_bind_int64(s, 10, r->not_before);
	sql_bind_int64(s, 11, r->not_after);
	store_bind_blob(s, 12, r->der, r->der_len);
	sql_bind_int64(s, 13, r->issued_at);
	rc = store_step_write(st, s, "cannot record the certificate");
	/* A serial taken already inserts nothing (ON CONFLICT): on PostgreSQL
	 * a failed INSERT would abort the transaction the caller goes on with
	 * (it signs afresh and records again). */
	if (rc == RC_OK && sql_changes(st->conn) == 0)
		rc = STORE_CONSTRAINT;
	store_release(s);
	return rc;
}

/* Copies text column i into a fixed buffer (truncating, as snprintf would). */
static void
col_copy(struct sql_stmt *s, int i, char *buf, size_t size)
{
	const char *t = sql_col_text(s, i);
	size_t n = t ? strlen(t) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(buf, t, n);
	buf[n] = '\0';
}

/* Fills out from a row selected with CERT_COLUMNS (and optionally the DER
 * after them) without copying: the strings and the DER point into the
 * engine's row, valid until s is stepped again. No per-row allocation,
 * which is most of the cost of listing tens of thousands of rows. */
static int
cert_borrow_row(struct sql_stmt *s, struct cert_record *out, int with_der)
{
	out->der = NULL;
	out->der_len = 0;
	col_copy(s, 0, out->serial, sizeof(out->serial));
	out->issuer_id = sql_col_int64(s, 1);
	out->lineage_id = sql_col_int64(s, 2);
	out->name = (char *)sql_col_text(s, 3);
	col_copy(s, 4, out->profile, sizeof(out->profile));
	out->subject = (char *)sql_col_text(s, 5);
	out->dns_json = (char *)sql_col_text(s, 6);
	out->ip_json = (char *)sql_col_text(s, 7);
	out->pin = (char *)sql_col_text(s, 8);
	col_copy(s, 9, out->sha256_fingerprint, sizeof(out->sha256_fingerprint));
	out->not_before = sql_col_int64(s, 10);
	out->not_after = sql_col_int64(s, 11);
	out->issued_at = sql_col_int64(s, 12);
	out->revoked = !sql_col_is_null(s, 13);
	out->revoked_at = sql_col_int64(s, 13);
	out->reason = (int)sql_col_int64(s, 14);
	if (with_der && !sql_col_is_null(s, 15)) {
		out->der = (unsigned char *)sql_col_blob(s, 15, &out->der_len);
	}
	/* The four columns are NOT NULL: a NULL here is the engine out of memory. */
	if (out->subject == NULL || out->dns_json == NULL || out->ip_json == NULL || out->pin == NULL) {
		pinca_warnx("out of memory reading a certificate");
		return RC_FAIL;
	}
	return RC_OK;
}

/* Copies a row selected with CERT_COLUMNS (and optionally the DER after
 * them): the borrowed row, with its strings and DER duplicated. */
static int
cert_from_row(struct sql_stmt *s, struct cert_record *out, int with_der)
{
	struct cert_record b;

	memset(out, 0, sizeof(*out));
	if (cert_borrow_row(s, &b, with_der) != RC_OK)
		return RC_FAIL;
	*out = b;
	out->name = b.name ? strdup(b.name) : NULL;
	out->subject = strdup(b.subject);
	out->dns_json = strdup(b.dns_json);
	out->ip_json = strdup(b.ip_json);
	out->pin = strdup(b.pin);
	out->der = b.der ? malloc(b.der_len ? b.der_len : 1) : NULL;
	if (out->der)
		memcpy(out->der, b.der, b.der_len);
	if ((b.name && out->name == NULL) || out->subject == NULL || out->dns_json == NULL ||
	    out->ip_json == NULL || out->pin == NULL || (b.der && out->der == NULL)) {
		cert_record_clear(out);
		pinca_warnx("out of memory reading a certificate");
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_cert_get(struct store *st, const char *serial, struct cert_record *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, "SELECT " CERT_COLUMNS ", c.der" CERT_FROM " WHERE c.serial = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, serial);
	rc = sql_step(s);
	if (rc == SQL_ROW)
		rc = cert_from_row(s, out, 1);
	else if (rc == SQL_DONE)
		rc = STORE_NOT_FOUND;
	else
		rc = store_fail(st, "cannot read the certificate");
	sql_finalize(s);
	return rc;
}

int
store_cert_each(struct store *st, const struct cert_filter *f,
    int (*fn)(const struct cert_record *, void *), void *arg)
{
	char sql[1024];
	struct sql_stmt *s;
	struct cert_record r;
	int rc = RC_OK, step, n = 0;
	const char *status = f->status;
	int valid = status && strcmp(status, "valid") == 0, expired = status && strcmp(status, "expired") == 0;

	/* Each filter is a prepared parameter; the query shape picks an index
	 * (EXPLAIN QUERY PLAN checked on a million rows, see docs/database.md):
	 * - --expiring/valid/expired: a range of the covering index
	 *   certificates_list, already in (not_after, serial) order, and the
	 *   lineage name from the small covering index lineages_id_name
	 *   (forced: the planner prefers the table's rowid, whose rows are
	 *   scattered over a table ten times larger);
	 * - --name: the lineage by its unique name, then certificates_lineage_latest;
	 * - revoked: the few serials in revocations, by primary key;
	 * - serial_order (db check): the table itself, no secondary index.
	 * The index is forced on SQLite only; PostgreSQL plans by itself. The
	 * parameters are bound in the order their '?' appear. */
	snprintf(sql, sizeof(sql), "SELECT " CERT_COLUMNS "%s FROM certificates c LEFT JOIN lineages l%s "
	    "ON l.id = c.lineage_id LEFT JOIN revocations r ON r.serial = c.serial WHERE 1=1%s%s%s%s%s "
	    "ORDER BY %s",
	    f->with_der ? ", c.der" : "",
	    f->lineage || f->serial_order || sql_dialect(st->conn) != SQL_SQLITE ? "" :
	    " INDEXED BY lineages_id_name",
	    f->expiring_before ? " AND c.not_after < ? AND c.not_after >= ?" : "",
	    f->lineage ? " AND l.name = ?" : "",
	    /* IN (revocations) lets the planner walk the few revoked serials
	     * instead of every certificate probing the revocations table. */
	    status && strcmp(status, "revoked") == 0 ? " AND c.serial IN (SELECT serial FROM revocations)" : "",
	    valid ? " AND r.serial IS NULL AND c.not_after >= ?" : "",
	    expired ? " AND r.serial IS NULL AND c.not_after < ?" : "",
	    f->serial_order ? "c.serial" : "c.not_after, c.serial");
	if (store_prepare(st, &s, sql) != RC_OK)
		return RC_FAIL;
	if (f->expiring_before) {
		sql_bind_int64(s, ++n, f->expiring_before);
		sql_bind_int64(s, ++n, f->now);
	}
	if (f->lineage)
		sql_bind_text(s, ++n, f->lineage);
	if (valid || expired)
		sql_bind_int64(s, ++n, f->now);
	while ((step = sql_step(s)) == SQL_ROW) {
		if ((rc = cert_borrow_row(s, &r, f->with_der)) != RC_OK)
			break;
		if ((rc = fn(&r, arg)) != 0)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot list the certificates");
	sql_finalize(s);
	return rc;
}

int
lineage_from_row(struct sql_stmt *s, struct lineage_record *out)
{
	const char *t;

	memset(out, 0, sizeof(*out));
	out->id = sql_col_int64(s, 0);
	out->name = store_col_text(s, 1);
	if ((t = sql_col_text(s, 2)) != NULL)
		snprintf(out->profile, sizeof(out->profile), "%s", t);
	out->dns_json = store_col_text(s, 3);
	out->ip_json = store_col_text(s, 4);
	if ((t = sql_col_text(s, 5)) != NULL)
		snprintf(out->key_type, sizeof(out->key_type), "%s", t);
	out->key_path = store_col_text(s, 6);
	out->cert_path = store_col_text(s, 7);
	out->chain_path = store_col_text(s, 8);
	out->fullchain_path = store_col_text(s, 9);
	out->days = (int)sql_col_int64(s, 10);
	out->pin = store_col_text(s, 12);
	out->created_at = sql_col_int64(s, 13);
	out->updated_at = sql_col_int64(s, 14);
	out->deployed_serial = store_col_text(s, 15);
	out->deploy_pending = (int)sql_col_int64(s, 16);
	out->hook_pending = (int)sql_col_int64(s, 17);
	if ((!sql_col_is_null(s, 15) && out->deployed_serial == NULL) ||
	    out->name == NULL || out->dns_json == NULL || out->ip_json == NULL || out->pin == NULL ||
	    store_col_blob(s, 11, &out->spki, &out->spki_len) != RC_OK) {
		lineage_record_clear(out);
		pinca_warnx("out of memory reading a lineage");
		return RC_FAIL;
	}
	return RC_OK;
}

int
lineage_rows(struct store *st, struct sql_stmt *s, int with_last,
    int (*fn)(const struct lineage_record *, void *), void *arg)
{
	struct lineage_record r;
	int rc = RC_OK, step;

	while ((step = sql_step(s)) == SQL_ROW) {
		if ((rc = lineage_from_row(s, &r)) != RC_OK)
			break;
		if (with_last)
			r.last_not_after = sql_col_int64(s, 18);
		rc = fn(&r, arg);
		lineage_record_clear(&r);
		if (rc != 0)
			break;
	}
	if (rc == RC_OK && step != SQL_DONE)
		rc = store_fail(st, "cannot list the lineages");
	sql_finalize(s);
	return rc;
}

int
store_lineage_insert(struct store *st, struct lineage_record *r)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare_cached(st, &s, "INSERT INTO lineages(name, profile, dns, ip, key_type, key_path, "
	    "cert_path, chain_path, fullchain_path, days, spki, pin, created_at, updated_at, "
	    "deploy_pending) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1) RETURNING id") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->name);
	sql_bind_text(s, 2, r->profile);
	store_bind_text(s, 3, r->dns_json);
	store_bind_text(s, 4, r->ip_json);
	sql_bind_text(s, 5, r->key_type);
	store_bind_text(s, 6, r->key_path);
	store_bind_text(s, 7, r->cert_path);
	store_bind_text(s, 8, r->chain_path);
	store_bind_text(s, 9, r->fullchain_path);
	sql_bind_int64(s, 10, r->days);
	store_bind_blob(s, 11, r->spki, r->spki_len);
	store_bind_text(s, 12, r->pin);
	sql_bind_int64(s, 13, r->created_at);
	sql_bind_int64(s, 14, r->updated_at);
	rc = store_step_insert_id(st, s, "cannot record the lineage", &r->id);
	store_release(s);
	return rc;
}

int
store_lineage_update_key(struct store *st, const struct lineage_record *r)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE lineages SET spki = ?, pin = ?, key_type = ?, key_path = ?, "
	    "updated_at = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	store_bind_blob(s, 1, r->spki, r->spki_len);
	store_bind_text(s, 2, r->pin);
	sql_bind_text(s, 3, r->key_type);
	store_bind_text(s, 4, r->key_path);
	sql_bind_int64(s, 5, r->updated_at);
	sql_bind_int64(s, 6, r->id);
	return store_write_done(st, s, "cannot update the lineage") == RC_OK ? RC_OK : RC_FAIL;
}

/* Steps s once: the lineage it selects into out (RC_OK), STORE_NOT_FOUND,
 * or RC_FAIL with a message. The caller releases s. */
static int
lineage_step_one(struct store *st, struct sql_stmt *s, struct lineage_record *out)
{
	int rc = sql_step(s);

	if (rc == SQL_ROW)
		return lineage_from_row(s, out);
	if (rc == SQL_DONE)
		return STORE_NOT_FOUND;
	return store_fail(st, "cannot read the lineage");
}

/* Reads the first lineage that sql (with one bound value) selects. */
static int
lineage_query_one(struct store *st, const char *sql, const char *text, int64_t num,
    struct lineage_record *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare_cached(st, &s, sql) != RC_OK)
		return RC_FAIL;
	if (text)
		sql_bind_text(s, 1, text);
	else
		sql_bind_int64(s, 1, num);
	rc = lineage_step_one(st, s, out);
	store_release(s);
	return rc;
}

int
store_lineage_get(struct store *st, const char *name, struct lineage_record *out)
{
	return lineage_query_one(st, "SELECT " LINEAGE_COLUMNS " FROM lineages WHERE name = ?", name,
	    0, out);
}

int
store_lineage_get_id(struct store *st, int64_t id, struct lineage_record *out)
{
	return lineage_query_one(st, "SELECT " LINEAGE_COLUMNS " FROM lineages WHERE id = ?", NULL,
	    id, out);
}

int
store_lineage_each_due(struct store *st, int64_t before,
    int (*fn)(const struct lineage_record *, void *), void *arg)
{
	struct sql_stmt *s;

	/* The newest certificate of each lineage decides; the lineage's few rows
	 * come from certificates_lineage_latest (lineage_id first). The alias
	 * is filtered outside (PostgreSQL has no aliases in WHERE), and NULLS
	 * FIRST is SQLite's own order, spelled out for PostgreSQL. */
	if (store_prepare(st, &s, "SELECT * FROM (SELECT " LINEAGE_COLUMNS ", (SELECT max(not_after) "
	    "FROM certificates WHERE lineage_id = lineages.id) AS last FROM lineages) AS x "
	    "WHERE last IS NULL OR last < ? ORDER BY last NULLS FIRST, id") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, before);
	return lineage_rows(st, s, 0, fn, arg);
}

int
store_lineage_find_names(struct store *st, const char *dns_json, const char *ip_json,
    struct lineage_record *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, "SELECT " LINEAGE_COLUMNS " FROM lineages WHERE dns = ? AND ip = ? "
	    "ORDER BY id LIMIT 1") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, dns_json);
	sql_bind_text(s, 2, ip_json);
	rc = lineage_step_one(st, s, out);
	sql_finalize(s);
	return rc;
}
