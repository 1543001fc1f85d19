/* cadir: where a CA directory's files are: pinca.db, keys/, generated files. */
#ifndef PINCA_CADIR_H
#define PINCA_CADIR_H

#include <stddef.h>

#define CADIR_DB "pinca.db"
#define CADIR_KEYS "keys"

/* Picks the CA directory from --dir, then $PINCA_DIR. Returns NULL (message
 * printed, exit 2) when neither is set. The string is not owned by the caller. */
const char *cadir_resolve(const char *flag_dir);
/* Joins dir and a relative name into buf; returns RC_FAIL if it does not fit. */
int cadir_path(char *buf, size_t size, const char *dir, const char *name);

#endif
