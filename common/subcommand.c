/* subcommand: dispatching a command group such as `pinca ca ...`. */
#include <stdio.h>
#include <string.h>

#include "common/subcommand.h"
#include "common/err.h"

int
subcommand_dispatch(const char *group, const struct subcommand *table, int argc, char **argv)
{
	if (argc < 2) {
		pinca_warnx("name a command (see 'pinca %s%s--help')", group, *group ? " " : "");
		return PINCA_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		printf("usage: pinca %s%sCOMMAND [OPTIONS]\n\ncommands:\n", group, *group ? " " : "");
		for (const struct subcommand *c = table; c->name; c++)
			printf("  %-14s %s\n", c->name, c->summary);
		printf("\n'pinca %s%sCOMMAND --help' shows a command's options.\n", group,
		    *group ? " " : "");
		if (*group == '\0')
			printf("The manual: man pinca (docs/pinca.1). Exit status: 0 success, 1 failure,\n"
			    "2 usage error, 3 refused by policy (a lint or the pin guard).\n");
		return PINCA_EXIT_OK;
	}
	for (const struct subcommand *c = table; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
	pinca_warnx("unknown command 'pinca %s%s%s' (see 'pinca %s%s--help')", group, *group ? " " : "",
	    argv[1], group, *group ? " " : "");
	return PINCA_EXIT_USAGE;
}
