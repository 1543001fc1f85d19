/* cmd_init: `pinca init`: creates a CA directory (0700), its keys/ (0700) and
 * its database (ca/init.c). */
#include <stdio.h>

#include "ca/cmd.h"
#include "ca/crl_url.h"
#include "ca/init.h"
#include "common/cadir.h"
#include "common/cadir_db.h"
#include "common/dburl.h"
#include "common/err.h"
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

/* pinca init: makes the CA directory (ca_dir_init) and says so. */
int
cmd_init(int argc, char **argv)
{
	const char *flag_dir = NULL, *dir, *crl_url = NULL, *arg, *why, *source = NULL, *url;
	char shown[CADIR_TARGET_MAX];
	struct opts o;
	int id, rc;

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
	if ((rc = ca_dir_init(dir, crl_url, url)) != RC_OK)
		return rc_exit(rc);
	if (url) {
		dburl_redact(url, shown, sizeof(shown));
		printf("initialised CA directory %s (its store: %s)\n", dir, shown);
	} else {
		printf("initialised CA directory %s\n", dir);
	}
	return PINCA_EXIT_OK;
}
