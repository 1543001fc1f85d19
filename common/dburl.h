/* dburl: a PostgreSQL connection target as the user gives it (--db,
 * PINCA_DB, db migrate --to): telling one from a file path, and the two
 * forms in which it may leave the process, one with its password replaced
 * (messages, the audit log) and one with it removed (what a CA directory
 * records). The password itself belongs in libpq's password file
 * (~/.pgpass or PGPASSFILE), never in a URL on argv. */
#ifndef PINCA_DBURL_H
#define PINCA_DBURL_H

#include <stddef.h>

/* 1 when target names a PostgreSQL database: a postgresql:// or postgres://
 * URL (scheme in any case) or a libpq "key=value" string starting with
 * host= or dbname= (the rules of sql_open, db/sql.h). */
int dburl_is_postgres(const char *target);
/* Copies target into out (size bytes, always NUL-terminated) with every
 * password in it replaced by "[redacted]": a URL's user:PASSWORD@, a URL
 * query's password=, a key=value string's password=. */
void dburl_redact(const char *target, char *out, size_t size);
/* Like dburl_redact, but the password is left out altogether, so that what
 * remains still connects (with the password from ~/.pgpass). Returns 0, or
 * -1 when out is too small. */
int dburl_without_password(const char *target, char *out, size_t size);

#endif
