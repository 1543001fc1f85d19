/* backup_pg: `db backup` of a store in PostgreSQL, by pg_dump (db/backup_pg.c). */
#ifndef PINCA_BACKUP_PG_H
#define PINCA_BACKUP_PG_H

/* Runs pg_dump -Fc on target (a URL or key=value string without a
 * password) into path, created new with mode 0600. RC_OK, or RC_FAIL with
 * one line printed and nothing left at path. */
int backup_pg_dump(const char *target, const char *path);

#endif
