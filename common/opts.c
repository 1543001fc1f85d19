/* opts: a thin layer over getopt_long that takes its table from opt_spec[]. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cadir_db.h"
#include "common/err.h"
#include "common/opts.h"

void
opts_print_help(const struct cmd_help *help)
{
	printf("usage: pinca %s %s\n\n%s\n", help->name, help->synopsis, help->summary);
	if (help->opts && help->opts[0].name)
		printf("\noptions:\n");
	for (const struct opt_spec *s = help->opts; s && s->name; s++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", s->name,
		    s->has_arg ? " " : "", s->has_arg ? s->metavar : "");
		printf("  %-26s %s\n", left, s->help);
		if (s->id == OPT_DIR)
			printf("  %-26s %s\n", "--db URL", "the CA's PostgreSQL database (default: "
			    "$PINCA_DB, else what DIR records)");
	}
	printf("  %-26s %s\n", "--help", "show this help");
	printf("\nexit status: 0 success, 1 failure, 2 usage error, 3 refused by policy\n");
}

int
opts_usage_error(const struct cmd_help *help, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pinca_warnx("%s (see 'pinca %s --help')", msg, help->name);
	return RC_USAGE;
}

void
opts_init(struct opts *o, int argc, char **argv, const struct cmd_help *help)
{
	size_t n = 0;

	memset(o, 0, sizeof(*o));
	o->argc = argc;
	o->argv = argv;
	o->help = help;
	for (const struct opt_spec *s = help->opts; s && s->name; s++) {
		/* The table is static and small; overflowing it is a programming error. */
		if (n + 3 >= sizeof(o->longopts) / sizeof(o->longopts[0]))
			abort();
		o->longopts[n].name = s->name;
		o->longopts[n].has_arg = s->has_arg ? required_argument : no_argument;
		o->longopts[n].flag = NULL;
		o->longopts[n].val = 1000 + s->id;
		n++;
		/* A command that opens a CA directory can be told its database. */
		if (s->id == OPT_DIR) {
			o->longopts[n].name = "db";
			o->longopts[n].has_arg = required_argument;
			o->longopts[n].flag = NULL;
			o->longopts[n].val = 1000 + OPT_DB;
			n++;
		}
	}
	o->longopts[n].name = "help";
	o->longopts[n].has_arg = no_argument;
	o->longopts[n].val = 'h';
	optind = 0;	/* GNU: reinitialise, a command may parse twice */
	opterr = 0;
}

int
opts_next(struct opts *o, const char **arg)
{
	int c, longindex = -1;

	if (o->done)
		return 0;
	/* The leading ':' makes a missing value return ':' instead of '?'. */
	while ((c = getopt_long(o->argc, o->argv, ":h", o->longopts, &longindex)) == 1000 + OPT_DB)
		cadir_db_set_flag(optarg);
	*arg = optarg;
	if (c == -1) {
		o->done = 1;
		return 0;
	}
	if (c == 'h') {
		opts_print_help(o->help);
		exit(PINCA_EXIT_OK);
	}
	if (c == ':') {
		opts_usage_error(o->help, "option %s needs a value", o->argv[optind - 1]);
		pinca_err_print();	/* the process ends here, before main could */
		exit(PINCA_EXIT_USAGE);
	}
	if (c == '?') {
		const char *bad = o->argv[optind - 1];
		if (optopt && optopt < 1000 && optopt != '?')
			opts_usage_error(o->help, "unknown option -%c", optopt);
		else
			opts_usage_error(o->help, "unknown option %s", bad);
		pinca_err_print();
		exit(PINCA_EXIT_USAGE);
	}
	return c - 1000;
}

int
opts_rest(struct opts *o, char ***rest)
{
	*rest = o->argv + optind;
	return o->argc - optind;
}

int
opts_parse_long(const struct cmd_help *help, const char *flag, const char *s,
    long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	/* strtol also takes leading blanks and a '+'; a flag's value may not. */
	if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) ||
	    errno || end == s || *end != '\0' || v < min || v > max)
		return opts_usage_error(help, "--%s takes a whole number from %ld to %ld, not '%s'",
		    flag, min, max, s);
	*out = v;
	return RC_OK;
}
