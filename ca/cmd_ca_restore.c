/* cmd_ca_restore: `pinca ca restore`: opens a backup.pem with enough of its
 * shares and puts the primary and standby root keys back into a CA
 * directory, encrypted under a passphrase of the operator's choice. Each
 * share is checked as it is read, so a damaged or foreign one is named by
 * its file before anything is recombined; the recombined secret is checked
 * against the hash in backup.pem before it is used. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "ca/backup.h"
#include "ca/cmd.h"
#include "ca/shares.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_BACKUP = 20, OPT_SHARE };

static const struct opt_spec restore_opts[] = {
	OPT_SPEC_DIR,
	{ "backup", 1, OPT_BACKUP, "FILE", "the backup.pem that `ca backup` wrote" },
	{ "share", 1, OPT_SHARE, "FILE", "a share file (repeat: at least the backup's threshold)" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help restore_help = {
	"ca restore", "--backup FILE --share FILE --share FILE ... [--pass-file FILE]",
	"Recovers the backup's secret from its shares, opens the backup with it and\n"
	"writes the primary and standby root keys into keys/ of the CA directory\n"
	"(made by 'pinca init', or one whose database knows these roots but not\n"
	"their keys), encrypted under the passphrase of --pass-file. A damaged or\n"
	"foreign share is named by its file (exit 1); fewer shares than the\n"
	"threshold are refused.",
	restore_opts,
};

struct restore_args {
	const char *flag_dir, *backup;
	const char *shares[SHARES_MAX];
	int nshares, json;
	struct pass_source src;
};

/* Parses the command line; RC_OK or RC_USAGE (message printed). */
static int
restore_parse(int argc, char **argv, struct restore_args *a)
{
	const char *arg;
	struct opts o;
	char **rest;
	int id;

	memset(a, 0, sizeof(*a));
	opts_init(&o, argc, argv, &restore_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&a->src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: a->flag_dir = arg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_BACKUP: a->backup = arg; break;
		case OPT_SHARE:
			if (a->nshares == SHARES_MAX)
				return opts_usage_error(&restore_help, "more than %d --share", SHARES_MAX);
			a->shares[a->nshares++] = arg;
			break;
		}
	}
	if (opts_rest(&o, &rest) != 0)
		return opts_usage_error(&restore_help, "unexpected argument '%s'", rest[0]);
	if (a->backup == NULL || a->nshares == 0)
		return opts_usage_error(&restore_help, "--backup FILE and --share FILE are required");
	if (a->src.none)
		return opts_usage_error(&restore_help, "the restored root keys are always encrypted: "
		    "give --pass-file or --pass-env");
	return RC_OK;
}

/* Prints what was restored. */
static int
restore_print(const struct ca_restore_result *res, int used, int json)
{
	const struct backup_header *h = &res->header;

	if (json)
		return json_print(json_pack("{s:s,s:I,s:s,s:s,s:s}", "backup", h->id, "shares",
		    (json_int_t)used, "dir", res->dir, "root_key", res->rel[0], "standby_key",
		    res->rel[1]));
	printf("restored backup %s with %d of its %d shares into %s: %s and %s\n", h->id, used,
	    h->count, res->dir, res->rel[0], res->rel[1]);
	return RC_OK;
}

/* ca restore: the keys put back (ca_backup_restore), then what was done. */
int
cmd_ca_restore(int argc, char **argv)
{
	struct restore_args a;
	struct ca_restore_req req;
	struct ca_restore_result res;
	struct rlimit no_core = { 0, 0 };
	int rc;

	memset(&res, 0, sizeof(res));
	if ((rc = restore_parse(argc, argv, &a)) != RC_OK)
		return rc_exit(rc);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	req.dir = a.flag_dir;
	req.backup = a.backup;
	req.shares = a.shares;
	req.nshares = a.nshares;
	req.src = &a.src;
	if ((rc = ca_backup_restore(&req, &res)) == RC_OK)
		rc = restore_print(&res, a.nshares, a.json);
	return rc_exit(rc);
}
