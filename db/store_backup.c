/* store_backup: the rows `ca restore` and pre-signed root CRLs touch: a CA's
 * key path, the pre-signed CRLs of a CA and the count of its revocations. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/store.h"
#include "db/store_internal.h"

int
store_ca_set_key_path(struct store *st, int64_t id, const char *key_path)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, &s, "UPDATE cas SET key_path = ? WHERE id = ?") != RC_OK)
		return RC_FAIL;
	store_bind_text(s, 1, key_path);
	sqlite3_bind_int64(s, 2, id);
	rc = store_step_write(st, s, "cannot record the CA's key");
	sqlite3_finalize(s);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}
