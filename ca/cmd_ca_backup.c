/* cmd_ca_backup: `pinca ca backup`: the primary and standby root keys,
 * encrypted under a fresh random secret (DIR/backup.pem), and that secret
 * split into N Shamir shares of which any M open the backup (DIR/share-K.txt,
 * one per holder). No one holder, and no M-1 of them, can open it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "ca/backup.h"
#include "ca/cmd.h"
#include "ca/shares.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_SHARES = 20, OPT_THRESHOLD, OPT_OUT_DIR };

static const struct opt_spec backup_opts[] = {
	OPT_SPEC_DIR,
	{ "shares", 1, OPT_SHARES, "N", "shares to make, one per holder (2..255)" },
	{ "threshold", 1, OPT_THRESHOLD, "M", "shares that open the backup (2..N)" },
	{ "out-dir", 1, OPT_OUT_DIR, "DIR", "where backup.pem and share-1.txt ... share-N.txt go "
	    "(made if missing; existing files are never replaced)" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help backup_help = {
	"ca backup", "--shares N --threshold M --out-dir DIR [--pass-file FILE]",
	"Backs up the primary and standby root keys held here: DIR/backup.pem holds\n"
	"them encrypted (PKCS#8, as key files) under a new random secret, and\n"
	"DIR/share-K.txt the secret split into N Shamir shares, any M of which\n"
	"recover it (ssss-compatible: ssss-combine -t M -x recombines them too).\n"
	"--pass-file is the passphrase of the root keys here. Keys on a PKCS#11\n"
	"token are refused: back them up the token's way.",
	backup_opts,
};

struct backup_args {
	const char *flag_dir, *out_dir;
	long shares, threshold;
	int json;
	struct pass_source src;
};

/* Parses the command line; RC_OK or RC_USAGE (message printed). */
static int
backup_parse(int argc, char **argv, struct backup_args *a)
{
	const char *arg;
	struct opts o;
	char **rest;
	int id;

	memset(a, 0, sizeof(*a));
	opts_init(&o, argc, argv, &backup_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&a->src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: a->flag_dir = arg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_OUT_DIR: a->out_dir = arg; break;
		case OPT_SHARES:
			if (opts_parse_long(&backup_help, "shares", arg, 2, SHARES_MAX, &a->shares) != RC_OK)
				return RC_USAGE;
			break;
		case OPT_THRESHOLD:
			if (opts_parse_long(&backup_help, "threshold", arg, 2, SHARES_MAX,
			    &a->threshold) != RC_OK)
				return RC_USAGE;
			break;
		}
	}
	if (opts_rest(&o, &rest) != 0)
		return opts_usage_error(&backup_help, "unexpected argument '%s'", rest[0]);
	if (a->shares == 0 || a->threshold == 0 || a->out_dir == NULL)
		return opts_usage_error(&backup_help, "--shares N, --threshold M and --out-dir DIR "
		    "are required");
	if (a->threshold > a->shares)
		return opts_usage_error(&backup_help, "--threshold %ld is more than the %ld shares",
		    a->threshold, a->shares);
	if (a->src.none)
		return opts_usage_error(&backup_help, "--no-passphrase has no meaning here");
	return RC_OK;
}

/* Prints what was written. */
static int
backup_print(const struct backup_header *h, char (*paths)[4096], int json)
{
	json_t *arr;

	if (json) {
		arr = json_array();
		for (int i = 1; i <= h->count; i++)
			json_array_append_new(arr, json_string(paths[i]));
		return json_print(json_pack("{s:s,s:s,s:o,s:I}", "backup", h->id, "path", paths[0],
		    "shares", arr, "threshold", (json_int_t)h->threshold));
	}
	printf("backup %s of the primary and standby root keys: %s\n", h->id, paths[0]);
	for (int i = 1; i <= h->count; i++)
		printf("share %d of %d: %s\n", i, h->count, paths[i]);
	printf("any %d of the %d shares open it; give each share to its own holder\n",
	    h->threshold, h->count);
	return RC_OK;
}

/* ca backup: the backup made (ca_backup_make), then its files listed. */
int
cmd_ca_backup(int argc, char **argv)
{
	struct backup_args a;
	struct ca_context ctx = { 0 };
	struct backup_header h;
	char (*paths)[4096] = NULL;
	struct rlimit no_core = { 0, 0 };
	int rc;

	if ((rc = backup_parse(argc, argv, &a)) != RC_OK)
		return rc_exit(rc);
	/* Keys and the secret will be in memory: no core dump may hold them. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	if ((rc = ca_context_open(a.flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = ca_backup_make(&ctx, &a.src, (int)a.shares, (int)a.threshold, a.out_dir, &h,
	    &paths)) == RC_OK)
		rc = backup_print(&h, paths, a.json);
	free(paths);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
