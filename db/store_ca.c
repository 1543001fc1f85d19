/* store_ca: rows of the cas table (roots, standby roots, intermediates). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

#define CA_COLUMNS "id, role, state, cn, key_type, key_path, issuer_id, serial, pin, " \
	"sha256_fingerprint, not_before, not_after, spki, der, csr, created_at"

void
ca_record_clear(struct ca_record *r)
{
	if (r == NULL)
		return;
	free(r->cn);
	free(r->key_path);
	free(r->serial);
	free(r->pin);
	free(r->sha256_fingerprint);
	free(r->spki);
	free(r->der);
	free(r->csr);
	memset(r, 0, sizeof(*r));
}

/* Copies a row selected with CA_COLUMNS into out. */
static int
ca_from_row(struct sql_stmt *s, struct ca_record *out)
{
	const char *t;

	memset(out, 0, sizeof(*out));
	out->id = sql_col_int64(s, 0);
	if ((t = sql_col_text(s, 1)) != NULL)
		snprintf(out->role, sizeof(out->role), "%s", t);
	if ((t = sql_col_text(s, 2)) != NULL)
		snprintf(out->state, sizeof(out->state), "%s", t);
	out->cn = store_col_text(s, 3);
	if ((t = sql_col_text(s, 4)) != NULL)
		snprintf(out->key_type, sizeof(out->key_type), "%s", t);
	out->key_path = store_col_text(s, 5);
	out->issuer_id = sql_col_int64(s, 6);
	out->serial = store_col_text(s, 7);
	out->pin = store_col_text(s, 8);
	out->sha256_fingerprint = store_col_text(s, 9);
	out->not_before = sql_col_int64(s, 10);
	out->not_after = sql_col_int64(s, 11);
	out->created_at = sql_col_int64(s, 15);
	if (out->cn == NULL || out->pin == NULL ||
	    store_col_blob(s, 12, &out->spki, &out->spki_len) != RC_OK ||
	    store_col_blob(s, 13, &out->der, &out->der_len) != RC_OK ||
	    store_col_blob(s, 14, &out->csr, &out->csr_len) != RC_OK) {
		ca_record_clear(out);
		pinca_warnx("out of memory reading a CA");
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_ca_insert(struct store *st, struct ca_record *r)
{
	struct sql_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO cas(role, state, cn, key_type, key_path, issuer_id, "
	    "serial, pin, sha256_fingerprint, not_before, not_after, spki, der, csr, created_at) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, r->role);
	sql_bind_text(s, 2, r->state);
	store_bind_text(s, 3, r->cn);
	sql_bind_text(s, 4, r->key_type);
	store_bind_text(s, 5, r->key_path);
	if (r->issuer_id)
		sql_bind_int64(s, 6, r->issuer_id);
	else
		sql_bind_null(s, 6);
	store_bind_text(s, 7, r->serial);
	store_bind_text(s, 8, r->pin);
	store_bind_text(s, 9, r->sha256_fingerprint);
	sql_bind_int64(s, 10, r->not_before);
	sql_bind_int64(s, 11, r->not_after);
	store_bind_blob(s, 12, r->spki, r->spki_len);
	store_bind_blob(s, 13, r->der, r->der_len);
	store_bind_blob(s, 14, r->csr, r->csr_len);
	sql_bind_int64(s, 15, r->created_at);
	rc = store_step_insert_id(st, s, "cannot record the CA", &r->id);
	if (rc == STORE_CONSTRAINT)
		pinca_warnx("a CA with serial %s is already recorded", r->serial ? r->serial : "?");
	sql_finalize(s);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

int
store_ca_activate(struct store *st, const struct ca_record *r)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE cas SET state = 'active', issuer_id = ?, serial = ?, "
	    "sha256_fingerprint = ?, not_before = ?, not_after = ?, der = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	if (r->issuer_id)
		sql_bind_int64(s, 1, r->issuer_id);
	else
		sql_bind_null(s, 1);
	store_bind_text(s, 2, r->serial);
	store_bind_text(s, 3, r->sha256_fingerprint);
	sql_bind_int64(s, 4, r->not_before);
	sql_bind_int64(s, 5, r->not_after);
	store_bind_blob(s, 6, r->der, r->der_len);
	sql_bind_int64(s, 7, r->id);
	return store_write_done(st, s, "cannot activate the CA") == RC_OK ? RC_OK : RC_FAIL;
}

int
store_ca_set_state(struct store *st, int64_t id, const char *state)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "UPDATE cas SET state = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sql_bind_text(s, 1, state);
	sql_bind_int64(s, 2, id);
	return store_write_done(st, s, "cannot change the CA's state") == RC_OK ? RC_OK : RC_FAIL;
}

/* Runs a query that selects CA_COLUMNS with one bound value and reads the first row. */
static int
ca_query_one(struct store *st, const char *sql, const char *text, int64_t num,
    const char *text2, struct ca_record *out)
{
	struct sql_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, sql) != RC_OK)
		return RC_FAIL;
	if (text)
		sql_bind_text(s, 1, text);
	else
		sql_bind_int64(s, 1, num);
	if (text2)
		sql_bind_text(s, 2, text2);
	rc = sql_step(s);
	if (rc == SQL_ROW)
		rc = ca_from_row(s, out);
	else if (rc == SQL_DONE)
		rc = STORE_NOT_FOUND;
	else
		rc = store_fail(st, "cannot read the CAs");
	sql_finalize(s);
	return rc;
}

int
store_ca_get(struct store *st, int64_t id, struct ca_record *out)
{
	return ca_query_one(st, "SELECT " CA_COLUMNS " FROM cas WHERE id = ?", NULL, id, NULL, out);
}

int
store_ca_find(struct store *st, const char *role, const char *state, struct ca_record *out)
{
	if (state)
		return ca_query_one(st, "SELECT " CA_COLUMNS " FROM cas WHERE role = ? AND state = ? "
		    "ORDER BY id DESC LIMIT 1", role, 0, state, out);
	return ca_query_one(st, "SELECT " CA_COLUMNS " FROM cas WHERE role = ? "
	    "ORDER BY id DESC LIMIT 1", role, 0, NULL, out);
}

int
store_ca_find_held(struct store *st, const char *role, struct ca_record *out)
{
	return ca_query_one(st, "SELECT " CA_COLUMNS " FROM cas WHERE role = ? AND state = 'active' "
	    "AND key_path IS NOT NULL ORDER BY id DESC LIMIT 1", role, 0, NULL, out);
}

int
store_ca_find_serial(struct store *st, const char *serial, struct ca_record *out)
{
	return ca_query_one(st, "SELECT " CA_COLUMNS " FROM cas WHERE serial = ?", serial, 0, NULL, out);
}

int
store_ca_find_pin(struct store *st, const char *pin, struct ca_record *out)
{
	return ca_query_one(st, "SELECT " CA_COLUMNS " FROM cas WHERE pin = ? "
	    "ORDER BY id DESC LIMIT 1", pin, 0, NULL, out);
}

int
store_ca_each(struct store *st, int (*fn)(const struct ca_record *, void *), void *arg)
{
	struct sql_stmt *s;
	struct ca_record r;
	int rc, step;

	if (store_prepare(st, &s, "SELECT " CA_COLUMNS " FROM cas ORDER BY id") != RC_OK)
		return RC_FAIL;
	rc = RC_OK;
	while ((step = sql_step(s)) == SQL_ROW) {
		if ((rc = ca_from_row(s, &r)) != RC_OK)
			break;
		rc = fn(&r, arg);
		ca_record_clear(&r);
		if (rc != 0)
			break;
	}
	if (step != SQL_ROW && step != SQL_DONE)
		rc = store_fail(st, "cannot list the CAs");
	sql_finalize(s);
	return rc;
}

int
store_transcript_insert(struct store *st, int64_t ca_id, const char *kind, const char *path,
    const char *document, const unsigned char *sig, size_t sig_len)
{
	struct sql_stmt *s;

	if (store_prepare(st, &s, "INSERT INTO transcripts(ca_id, kind, path, document, signature, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?)") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, ca_id);
	sql_bind_text(s, 2, kind);
	sql_bind_text(s, 3, path);
	sql_bind_text(s, 4, document);
	sql_bind_blob(s, 5, sig, sig_len);
	sql_bind_int64(s, 6, (int64_t)time(NULL));
	return store_write_done(st, s, "cannot record the transcript") == RC_OK ? RC_OK : RC_FAIL;
}

int
store_transcript_find(struct store *st, int64_t ca_id, const char *kind, char **document,
    unsigned char **sig, size_t *sig_len)
{
	struct sql_stmt *s;
	int rc;

	*document = NULL;
	*sig = NULL;
	*sig_len = 0;
	if (store_prepare(st, &s, "SELECT document, signature FROM transcripts WHERE ca_id = ? "
	    "AND kind = ? ORDER BY id LIMIT 1") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, ca_id);
	sql_bind_text(s, 2, kind);
	rc = sql_step(s);
	if (rc == SQL_ROW) {
		*document = store_col_text(s, 0);
		rc = *document && store_col_blob(s, 1, sig, sig_len) == RC_OK && *sig ? RC_OK : RC_FAIL;
		if (rc != RC_OK) {
			free(*document);
			free(*sig);
			*document = NULL;
			*sig = NULL;
			pinca_warnx("out of memory reading a transcript");
		}
	} else if (rc == SQL_DONE) {
		rc = STORE_NOT_FOUND;
	} else {
		rc = store_fail(st, "cannot read the transcripts");
	}
	sql_finalize(s);
	return rc;
}

int
store_ca_retire_root(struct store *st, int64_t id, const char *reason, int64_t at)
{
	struct sql_stmt *s;

	if (store_ca_set_state(st, id, "retired") != RC_OK)
		return RC_FAIL;
	if (store_prepare(st, &s, "INSERT INTO root_retirements(ca_id, reason, retired_at) "
	    "VALUES (?, ?, ?)") != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, id);
	sql_bind_text(s, 2, reason);
	sql_bind_int64(s, 3, at);
	return store_write_done(st, s, "cannot record the root's retirement") == RC_OK ? RC_OK : RC_FAIL;
}

int
store_ca_retirement(struct store *st, int64_t id, char *reason, size_t size, int64_t *at)
{
	struct sql_stmt *s;
	const char *t;
	int rc;

	if (store_prepare(st, &s, "SELECT reason, retired_at FROM root_retirements WHERE ca_id = ?")
	    != RC_OK)
		return RC_FAIL;
	sql_bind_int64(s, 1, id);
	if ((rc = store_step_one(st, s, "cannot read the root retirements")) == RC_OK) {
		t = sql_col_text(s, 0);
		snprintf(reason, size, "%s", t ? t : "?");
		*at = sql_col_int64(s, 1);
	}
	sql_finalize(s);
	return rc;
}
