/* init: making a new CA directory (`pinca init`): the directory (0700),
 * its keys/ (0700) and its database, with the CRL URL of the first CA made
 * there. Nothing here prints but the one error line. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca/crl_url.h"
#include "ca/init.h"
#include "common/cadir.h"
#include "common/cadir_db.h"
#include "common/cmdline.h"
#include "common/err.h"
#include "common/fileio.h"
#include "db/store.h"

/* An existing directory becomes the CA directory only when it is a
 * directory, empty (files left in it would sit beside the keys, and a
 * mistyped --dir must not turn a home directory into a CA), and then its
 * mode is narrowed to 0700 as a new one would be. */
static int
init_take_existing(const char *dir)
{
	struct dirent *e;
	struct stat sb;
	DIR *d;
	int entries = 0;

	if ((d = opendir(dir)) == NULL) {
		pinca_warn("cannot use %s as the CA directory", dir);
		return RC_FAIL;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	closedir(d);
	if (entries > 0) {
		pinca_warnx("%s is not empty; init makes a CA directory only in a new or empty "
		    "directory", dir);
		return RC_FAIL;
	}
	if (stat(dir, &sb) == 0 && (sb.st_mode & 077) != 0 && chmod(dir, 0700) == -1) {
		pinca_warn("cannot make %s private (chmod 700)", dir);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Removes what a failed init made: the database and its side files, keys/
 * and, when init made it, the directory. */
static void
init_undo(const char *dir, const char *db, const char *keys, const char *record, int made_dir,
    int made_db)
{
	char side[4200];

	unlink(record);
	if (made_db)
		unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	rmdir(keys);
	if (made_dir)
		rmdir(dir);
}

/* Makes the CA directory dir (init.h). */
int
ca_dir_init(const char *dir, const char *crl_url, const char *url)
{
	char db[4096], keys[4096], record[4096];
	struct store *st = NULL;
	struct stat sb;
	int made_dir = 0;

	if (cadir_path(db, sizeof(db), dir, CADIR_DB) != RC_OK ||
	    cadir_path(keys, sizeof(keys), dir, CADIR_KEYS) != RC_OK ||
	    cadir_path(record, sizeof(record), dir, CADIR_DATABASE) != RC_OK)
		return RC_FAIL;
	if (stat(db, &sb) == 0 || stat(keys, &sb) == 0 || stat(record, &sb) == 0) {
		pinca_warnx("%s is already a CA directory; refusing to touch it", dir);
		return RC_FAIL;
	}
	umask(077);
	if (mkdir(dir, 0700) == 0)
		made_dir = 1;
	else if (errno != EEXIST) {
		pinca_warn("cannot create %s", dir);
		return RC_FAIL;
	} else if (init_take_existing(dir) != RC_OK) {
		return RC_FAIL;
	}
	if (dir_create(keys, 0700, 1) != RC_OK)
		goto fail;
	/* PostgreSQL: the schema is made if the database has none yet; a
	 * database other hosts already use is joined as it is. */
	if (store_open(url ? url : db, url == NULL, &st) != RC_OK ||
	    store_set_audit_command(st, cmdline_audit()) != RC_OK)
		goto fail;
	if (store_begin(st) != RC_OK ||
	    (crl_url && store_setting_set(st, CRL_URL_NEXT_SETTING, crl_url) != RC_OK) ||
	    store_audit(st, "init", NULL) != RC_OK || store_commit(st) != RC_OK)
		goto fail;
	if (url && cadir_db_record(dir, url) != RC_OK)
		goto fail;
	store_close(st);
	return RC_OK;
fail:
	store_close(st);
	init_undo(dir, db, keys, record, made_dir, url == NULL);
	return RC_FAIL;
}
