/* opts: command-line options declared as data (git's parse-options), so that
 * every command gets --help and the same error lines for free. */
#ifndef PINCA_OPTS_H
#define PINCA_OPTS_H

#include <getopt.h>

struct opt_spec {
	const char *name;	/* long name without the dashes */
	int has_arg;		/* 0: flag, 1: takes a value */
	int id;			/* returned by opts_next (> 0) */
	const char *metavar;	/* shown in help for options with a value */
	const char *help;	/* one line */
};
#define OPT_END_SPEC { NULL, 0, 0, NULL, NULL }

struct cmd_help {
	const char *name;	/* "ca root" */
	const char *synopsis;	/* "--cn NAME [--key TYPE] ..." */
	const char *summary;	/* one paragraph shown under the synopsis */
	const struct opt_spec *opts;
};

/* Parser state for one command line. */
struct opts {
	int argc;
	char **argv;
	const struct cmd_help *help;
	struct option longopts[64];
	int done;
};

/* Prepares to parse argv (argv[0] is the command name). */
void opts_init(struct opts *o, int argc, char **argv, const struct cmd_help *help);
/* Returns the next option's id and sets *arg to its value, or 0 when the
 * options are over. --help prints the help and exits 0; an unknown option or a
 * missing value prints its one line (pinca_err_print) and exits 2 (nothing
 * has been opened yet). */
int opts_next(struct opts *o, const char **arg);
/* After opts_next returned 0: the positional arguments. */
int opts_rest(struct opts *o, char ***rest);
/* Records "MESSAGE (see 'pinca NAME --help')" as the error line and
 * returns RC_USAGE. */
int opts_usage_error(const struct cmd_help *help, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints the help of a command to stdout. */
void opts_print_help(const struct cmd_help *help);
/* Parses a whole decimal number within [min, max]; RC_USAGE with a message otherwise. */
int opts_parse_long(const struct cmd_help *help, const char *flag, const char *s,
    long min, long max, long *out);

/* The options most commands share; their ids live below 20 so commands can
 * number their own from 20. */
enum {
	OPT_DIR = 1,
	OPT_JSON,
	OPT_PASS_FILE,
	OPT_PASS_ENV,
	OPT_NO_PASSPHRASE,
	OPT_FORCE,
	OPT_QUIET,
	OPT_PIN_FILE,
	OPT_MODULE,
	/* --db URL: every command that takes --dir takes it too; opts_next
	 * hands it to cadir_db_set_flag and never returns it. */
	OPT_DB = 19,
};
#define OPT_SPEC_DIR { "dir", 1, OPT_DIR, "DIR", "CA directory (default: $PINCA_DIR)" }
#define OPT_SPEC_JSON { "json", 0, OPT_JSON, NULL, "print JSON instead of text" }
#define OPT_SPEC_PASS_FILE { "pass-file", 1, OPT_PASS_FILE, "FILE", "read the passphrase from the first line of FILE (mode 0600)" }
#define OPT_SPEC_PIN_FILE { "pin-file", 1, OPT_PIN_FILE, "FILE", "PIN of the PKCS#11 token from the first line of FILE (mode 0600; else a prompt)" }
#define OPT_SPEC_MODULE { "module", 1, OPT_MODULE, "PATH", "PKCS#11 module of the token (default: $PINCA_PKCS11_MODULE)" }
#define OPT_SPEC_PASS_ENV { "pass-env", 1, OPT_PASS_ENV, "VAR", "read the passphrase from environment variable VAR" }
/* The options of a command that signs with a CA key in a file or on a
 * token: --pass-file, --pass-env, --module, --pin-file, in that order. */
#define OPT_SPEC_SIGNER OPT_SPEC_PASS_FILE, OPT_SPEC_PASS_ENV, OPT_SPEC_MODULE, OPT_SPEC_PIN_FILE

#endif
