/* init: making a new CA directory (ca/init.c). */
#ifndef PINCA_INIT_H
#define PINCA_INIT_H

/* Creates the CA directory dir (0700; an existing one only when empty, and
 * then made 0700), dir/keys (0700) and its database, recording crl_url
 * (or none) as the CRL URL of the first CA made there and the "init" audit
 * record. With url (a PostgreSQL database) the store is that database: its
 * schema is made if it has none, a database other hosts use is joined, and
 * dir/database records the URL (common/cadir_db.h). An existing CA
 * directory is never touched. RC_OK, or RC_FAIL with one line and nothing
 * left behind in dir. Sets the process umask to 077. */
int ca_dir_init(const char *dir, const char *crl_url, const char *url);

#endif
