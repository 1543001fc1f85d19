/* cadir_db: which database a CA directory's store is in. By default
 * DIR/pinca.db (SQLite); a directory made by `pinca init --db URL` (or
 * moved by `pinca db migrate --to URL`) records its PostgreSQL database in
 * DIR/database (one line, the URL without a password), and every later
 * command opens that. --db URL (any command, before or after its name) and
 * $PINCA_DB name the database too: the flag wins over the variable, and a
 * directory that records another database, or keeps its store in pinca.db,
 * refuses them. */
#ifndef PINCA_CADIR_DB_H
#define PINCA_CADIR_DB_H

#include <stddef.h>

#define CADIR_DATABASE "database"
#define CADIR_TARGET_MAX 4096

/* Remembers the --db value of this run (set while options are read, before
 * any store is opened; the string must outlive the run, as argv does). */
void cadir_db_set_flag(const char *target);
/* The database named by --db, else $PINCA_DB, else NULL; *source (if not
 * NULL) says which ("--db" or "PINCA_DB"). */
const char *cadir_db_wanted(const char **source);
/* Checks a wanted target: a PostgreSQL URL or key=value string. Prints one
 * line and returns RC_USAGE otherwise. */
int cadir_db_check_wanted(const char *target, const char *source);
/* The database the CA directory dir records, as a new string in *out
 * (caller frees), or NULL when it records none. RC_FAIL (message printed)
 * when the record cannot be read. */
int cadir_db_recorded(const char *dir, char **out);
/* Records target (without its password) as the database of dir, replacing
 * a record there may be (atomically, mode 0600). RC_OK or RC_FAIL. */
int cadir_db_record(const char *dir, const char *target);
/* The store the commands of dir open, into out (size bytes): the wanted
 * database when it agrees with dir, the recorded one, or DIR/pinca.db.
 * Refuses with one line (RC_USAGE) a wanted database the directory does not
 * use. *is_pg (if not NULL) is set to 1 for PostgreSQL. */
int cadir_db_target(const char *dir, char *out, size_t size, int *is_pg);

#endif
