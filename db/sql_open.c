/* sql_open: picks the driver for a target (a file path: SQLite; a
 * PostgreSQL URL or libpq connection string: PostgreSQL), and the fallbacks
 * of a build without PostgreSQL support (PINCA_HAVE_PG undefined). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "db/sql.h"
#include "db/sql_driver.h"
#include "db/store_internal.h"

/* 1 when target is a postgresql:// or postgres:// URL (scheme in any case)
 * or a libpq "key=value" string starting with host= or dbname=. */
int
sql_target_is_postgres(const char *target)
{
	if (target == NULL)
		return 0;
	return strncasecmp(target, "postgresql://", 13) == 0 || strncasecmp(target, "postgres://", 11) == 0 ||
	    strncmp(target, "host=", 5) == 0 || strncmp(target, "dbname=", 7) == 0;
}

/* Opens target with the driver it names; see db/sql.h. */
int
sql_open(const char *target, int create, struct sql_conn **out, char *msg, size_t msglen)
{
	*out = NULL;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (sql_target_is_postgres(target))
		return pg_driver_open(target, create, out, msg, msglen);
	return sqlite_driver_open(target, create, out, msg, msglen);
}

#ifndef PINCA_HAVE_PG
/* This build has no PostgreSQL driver: refuses every PostgreSQL target. */
int
pg_driver_open(const char *target, int create, struct sql_conn **out, char *msg, size_t msglen)
{
	(void)target;
	(void)create;
	*out = NULL;
	if (msg != NULL && msglen > 0)
		snprintf(msg, msglen, "this pinca was built without PostgreSQL support");
	return SQL_ERR;
}

/* Never reached: a store on PostgreSQL cannot be opened in this build. */
int
schema_pg_migrate(struct store *st)
{
	pinca_warnx("%s: this pinca was built without PostgreSQL support", store_path(st));
	return RC_FAIL;
}
#endif
