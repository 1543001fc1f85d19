/* subcommand: dispatching a command group such as `pinca ca ...`. */
#include <stdio.h>
#include <string.h>

#include "common/subcommand.h"
#include "common/err.h"

int
subcommand_dispatch(const char *group, const struct subcommand *table, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "usage: pinca %s%sCOMMAND [OPTIONS]\n\ncommands:\n", group, *group ? " " : "");
		for (const struct subcommand *c = table; c->name; c++)
			fprintf(f, "  %-14s %s\n", c->name, c->summary);
		fprintf(f, "\n'pinca %s%sCOMMAND --help' shows a command's options.\n", group,
		    *group ? " " : "");
		return argc < 2 ? PINCA_EXIT_USAGE : PINCA_EXIT_OK;
	}
	for (const struct subcommand *c = table; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
	pinca_warnx("unknown command 'pinca %s%s%s' (see 'pinca %s%s--help')", group, *group ? " " : "",
	    argv[1], group, *group ? " " : "");
	return PINCA_EXIT_USAGE;
}
