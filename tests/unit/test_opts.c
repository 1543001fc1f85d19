/* test_opts: the option parser every command uses (common/opts.c): options
 * declared as data, values, repeated options, positional arguments, "--",
 * and the bounded number parser. Failing options exit the process, so only
 * the accepting paths and opts_parse_long's refusals are tested here; the
 * e2e scripts check the exit status 2 of a bad option. */
#include "tests/unit/unit.h"

#include "common/err.h"
#include "common/opts.h"

enum { OPT_CN = 20, OPT_DAYS, OPT_PERMIT };
static const struct opt_spec spec[] = {
	OPT_SPEC_DIR,
	OPT_SPEC_JSON,
	{ "cn", 1, OPT_CN, "NAME", "common name" },
	{ "days", 1, OPT_DAYS, "N", "validity" },
	{ "permit-dns", 1, OPT_PERMIT, "DOMAIN", "name constraint" },
	OPT_END_SPEC,
};
static const struct cmd_help help = { "test", "[options]", "A test command.", spec };

static void
test_parse(void)
{
	char *argv[] = { "test", "--cn", "Root R1", "--json", "--permit-dns=a.example",
	    "pos1", "--permit-dns", "b.example", "--days", "30", "--", "--not-an-option", NULL };
	int argc = 12, id, json = 0, npermit = 0;
	const char *arg, *cn = NULL, *days = NULL, *permit[4] = { NULL };
	char **rest;
	struct opts o;

	opts_init(&o, argc, argv, &help);
	while ((id = opts_next(&o, &arg)) > 0) {
		switch (id) {
		case OPT_CN: cn = arg; break;
		case OPT_JSON: json = 1; break;
		case OPT_PERMIT: if (npermit < 4) permit[npermit++] = arg; break;
		case OPT_DAYS: days = arg; break;
		default: break;
		}
	}
	CHECK(cn && strcmp(cn, "Root R1") == 0, "value with a space");
	CHECK(json == 1, "flag option");
	CHECK(npermit == 2 && strcmp(permit[0], "a.example") == 0 && strcmp(permit[1], "b.example") == 0,
	    "repeated option, --opt=value and --opt value");
	CHECK(days && strcmp(days, "30") == 0, "option after a positional argument (GNU order)");
	int n = opts_rest(&o, &rest);
	CHECK(n == 2 && strcmp(rest[0], "pos1") == 0 && strcmp(rest[1], "--not-an-option") == 0,
	    "positional arguments, and everything after --");

	/* A second parse in the same process starts afresh. */
	char *argv2[] = { "test", "--dir", "/tmp/x", "serial", NULL };
	const char *dir = NULL;
	opts_init(&o, 4, argv2, &help);
	while ((id = opts_next(&o, &arg)) > 0)
		if (id == OPT_DIR)
			dir = arg;
	CHECK(dir && strcmp(dir, "/tmp/x") == 0 && opts_rest(&o, &rest) == 1 &&
	    strcmp(rest[0], "serial") == 0, "a second parse starts from the beginning");
}

/* opts_parse_long(s) within [1, 825] must give rc (and want). */
static void
number_case(const char *s, int want_rc, long want)
{
	long v = -7;
	char name[128];
	int rc, lines;

	unit_stderr_begin();
	rc = opts_parse_long(&help, "days", s, 1, 825, &v);
	lines = unit_stderr_end();
	snprintf(name, sizeof(name), "--days '%s' %s", s, want_rc == RC_OK ? "accepted" : "refused");
	if (want_rc == RC_OK)
		CHECK(rc == RC_OK && v == want && lines == 0, name);
	else
		CHECK(rc == RC_USAGE && v == -7 && unit_one_error(lines, "--days takes a whole number") &&
		    strstr(unit_err, "pinca test --help") != NULL, name);
}

static void
test_numbers(void)
{
	number_case("1", RC_OK, 1);
	number_case("825", RC_OK, 825);
	number_case("090", RC_OK, 90);
	number_case("0", RC_USAGE, 0);
	number_case("826", RC_USAGE, 0);
	number_case("-1", RC_USAGE, 0);
	number_case("", RC_USAGE, 0);
	number_case("30d", RC_USAGE, 0);
	number_case("3 0", RC_USAGE, 0);
	number_case("1e3", RC_USAGE, 0);
	number_case("0x10", RC_USAGE, 0);
	number_case("99999999999999999999999", RC_USAGE, 0);
	number_case(" 5", RC_USAGE, 0);
	number_case("+5", RC_USAGE, 0);
	number_case("5 ", RC_USAGE, 0);
}

int
main(void)
{
	test_parse();
	test_numbers();
	return unit_finish();
}
