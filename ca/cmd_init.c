/* cmd_init: `pinca init`: creates a CA directory (0700), its keys/ (0700) and
 * its database. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca/cmd.h"
#include "ca/crl_url.h"
#include "common/cadir.h"
#include "common/cadir_db.h"
#include "common/dburl.h"
#include "common/cmdline.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"

static const struct opt_spec init_opts[] = {
	OPT_SPEC_DIR,
	{ "crl-url", 1, 20, "URL", "where the CRL of the CA made next here is published (goes into what it signs)" },
	OPT_END_SPEC,
};
static const struct cmd_help init_help = {
	"init", "[--dir DIR] [--db URL] [--crl-url URL]",
	"Creates the CA directory: DIR (mode 0700), DIR/keys (0700) and\n"
	"DIR/pinca.db. With --db URL (or $PINCA_DB) the store is that PostgreSQL\n"
	"database instead: its schema is made if it has none, a database other\n"
	"hosts use is joined, and DIR/database records the URL (without a\n"
	"password: libpq reads it from ~/.pgpass or $PGPASSFILE), so later\n"
	"commands need no flag. An existing CA directory is never touched; an existing\n"
	"directory is taken only when empty (and is then made 0700). --crl-url is\n"
	"the CRL URL of the first CA made here (the primary root after 'ca root',\n"
	"the intermediate after 'ca csr' or 'ca intermediate'); 'pinca ca\n"
	"set-crl-url' sets or changes any CA's later.",
	init_opts,
};

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

int
cmd_init(int argc, char **argv)
{
	const char *flag_dir = NULL, *dir, *crl_url = NULL, *arg, *why, *source = NULL, *url;
	char db[4096], keys[4096], record[4096], shown[CADIR_TARGET_MAX];
	struct store *st = NULL;
	struct opts o;
	struct stat sb;
	int id, made_dir = 0, rc = RC_FAIL;

	opts_init(&o, argc, argv, &init_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == 20)
			crl_url = arg;
	}
	if (crl_url && !crl_url_valid(crl_url, &why))
		return rc_exit(opts_usage_error(&init_help, "--crl-url %s", why));
	/* --db URL or $PINCA_DB: the store goes into (or joins) that
	 * PostgreSQL database, and the directory records it. */
	if ((url = cadir_db_wanted(&source)) != NULL && cadir_db_check_wanted(url, source) != RC_OK)
		return PINCA_EXIT_USAGE;
	if ((dir = cadir_resolve(flag_dir)) == NULL)
		return PINCA_EXIT_USAGE;
	if (cadir_path(db, sizeof(db), dir, CADIR_DB) != RC_OK ||
	    cadir_path(keys, sizeof(keys), dir, CADIR_KEYS) != RC_OK ||
	    cadir_path(record, sizeof(record), dir, CADIR_DATABASE) != RC_OK)
		return PINCA_EXIT_FAIL;
	if (stat(db, &sb) == 0 || stat(keys, &sb) == 0 || stat(record, &sb) == 0) {
		pinca_warnx("%s is already a CA directory; refusing to touch it", dir);
		return PINCA_EXIT_FAIL;
	}
	umask(077);
	if (mkdir(dir, 0700) == 0)
		made_dir = 1;
	else if (errno != EEXIST) {
		pinca_warn("cannot create %s", dir);
		return PINCA_EXIT_FAIL;
	} else if (init_take_existing(dir) != RC_OK) {
		return PINCA_EXIT_FAIL;
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
	if (url) {
		dburl_redact(url, shown, sizeof(shown));
		printf("initialised CA directory %s (its store: %s)\n", dir, shown);
	} else {
		printf("initialised CA directory %s\n", dir);
	}
	return PINCA_EXIT_OK;
fail:
	store_close(st);
	unlink(record);
	if (url == NULL)
		unlink(db);
	{
		char side[4200];
		snprintf(side, sizeof(side), "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db);
		unlink(side);
	}
	rmdir(keys);
	if (made_dir)
		rmdir(dir);
	return rc_exit(rc);
}
