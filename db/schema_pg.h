/* schema_pg: the PostgreSQL form of the store's schema (db/schema_pg.c),
 * translated from SQLite's migrations (db/schema.c). Only db/ includes it. */
#ifndef PINCA_SCHEMA_PG_H
#define PINCA_SCHEMA_PG_H

#include <stddef.h>

#include "db/store_internal.h"

/* Translates one SQLite migration into PostgreSQL: a new string, or NULL
 * with the reason in err when the SQL uses something no rule covers. */
char *schema_pg_translate(const char *sql, char *err, size_t errlen);
/* The PostgreSQL text of migration v (1 .. schema_migration_count): its
 * override if it has one, else its translation. A new string, or NULL with
 * the reason printed. */
char *schema_pg_migration(int v);

#endif
