/* store_app: app releases and the pins each one carries. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

void
app_release_clear(struct app_release *r)
{
	if (r == NULL)
		return;
	free(r->name);
	for (size_t i = 0; i < r->npins; i++)
		free(r->pins[i]);
	free(r->pins);
	memset(r, 0, sizeof(*r));
}

int
store_app_insert(struct store *st, struct app_release *r)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO app_releases(name, state, created_at) "
	    "VALUES (?, 'supported', ?)") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_text(s, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, r->created_at);
	rc = store_step_write(st, s, "cannot record the app release");
	sqlite3_finalize(s);
	if (rc != RC_OK)
		return rc;
	r->id = sqlite3_last_insert_rowid(st->db);
	if (store_prepare(st, &s, "INSERT OR IGNORE INTO app_pins(release_id, pin) VALUES (?, ?)") != RC_OK)
		return RC_FAIL;
	for (size_t i = 0; i < r->npins; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, r->id);
		sqlite3_bind_text(s, 2, r->pins[i], -1, SQLITE_STATIC);
		if ((rc = store_step_write(st, s, "cannot record a pin")) != RC_OK)
			break;
	}
	sqlite3_finalize(s);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

int
store_app_retire(struct store *st, int64_t id, int64_t at)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, &s, "UPDATE app_releases SET state = 'retired', retired_at = ? "
	    "WHERE id = ?") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_int64(s, 1, at);
	sqlite3_bind_int64(s, 2, id);
	rc = store_step_write(st, s, "cannot retire the app release");
	sqlite3_finalize(s);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

/* Reads the pins of release r->id into r. */
static int
app_load_pins(struct store *st, struct app_release *r)
{
	sqlite3_stmt *s;
	int step, rc = RC_OK;

	if (store_prepare(st, &s, "SELECT pin FROM app_pins WHERE release_id = ? ORDER BY pin") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_int64(s, 1, r->id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char **np = realloc(r->pins, (r->npins + 1) * sizeof(*np));
		if (np == NULL || (np[r->npins] = store_col_text(s, 0)) == NULL) {
			if (np)
				r->pins = np;
			rc = RC_FAIL;
			break;
		}
		r->pins = np;
		r->npins++;
	}
	if (rc == RC_OK && step != SQLITE_DONE)
		rc = store_fail(st, "cannot read the pins of an app release");
	sqlite3_finalize(s);
	return rc;
}

static int
app_from_row(struct store *st, sqlite3_stmt *s, struct app_release *r)
{
	const unsigned char *t;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->name = store_col_text(s, 1);
	if ((t = sqlite3_column_text(s, 2)) != NULL)
		snprintf(r->state, sizeof(r->state), "%s", (const char *)t);
	r->created_at = sqlite3_column_int64(s, 3);
	r->retired_at = sqlite3_column_int64(s, 4);
	if (r->name == NULL || app_load_pins(st, r) != RC_OK) {
		app_release_clear(r);
		return RC_FAIL;
	}
	return RC_OK;
}

int
store_app_get(struct store *st, const char *name, struct app_release *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(st, &s, "SELECT id, name, state, created_at, retired_at FROM app_releases "
	    "WHERE name = ?") != RC_OK)
		return RC_FAIL;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = app_from_row(st, s, out);
	else if (rc == SQLITE_DONE)
		rc = STORE_NOT_FOUND;
	else
		rc = store_fail(st, "cannot read the app releases");
	sqlite3_finalize(s);
	return rc;
}

int
store_app_each(struct store *st, int supported_only,
    int (*fn)(const struct app_release *, void *), void *arg)
{
	sqlite3_stmt *s;
	struct app_release r;
	int step, rc = RC_OK;

	if (store_prepare(st, &s, supported_only ?
	    "SELECT id, name, state, created_at, retired_at FROM app_releases "
	    "WHERE state = 'supported' ORDER BY id" :
	    "SELECT id, name, state, created_at, retired_at FROM app_releases ORDER BY id") != RC_OK)
		return RC_FAIL;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = app_from_row(st, s, &r)) != RC_OK)
			break;
		rc = fn(&r, arg);
		app_release_clear(&r);
		if (rc != 0)
			break;
	}
	if (rc == RC_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = store_fail(st, "cannot list the app releases");
	sqlite3_finalize(s);
	return rc;
}
