/* subcommand: dispatching a command group such as `pinca ca ...`. */
#include <stdio.h>
#include <stdlib.h>
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
		printf("usage: pinca %s%sCOMMAND [OPTIONS]\n", *group ? group : "[--dir DIR] [--db URL] [--json]",
		    " ");
		printf("\ncommands:\n");
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

char **
subcommand_globals(int *argc, char **argv)
{
	char **out = calloc((size_t)*argc + 1, sizeof(*out));
	int n = 0, nglobal = 0, i = 1, dashdash;
	char **globals = calloc((size_t)*argc + 1, sizeof(*globals));

	if (out == NULL || globals == NULL) {
		pinca_warnx("out of memory");
		goto fail;
	}
	out[n++] = argv[0];
	for (; i < *argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strncmp(argv[i], "--dir=", 6) == 0 ||
		    strncmp(argv[i], "--db=", 5) == 0) {
			globals[nglobal++] = argv[i];
		} else if (strcmp(argv[i], "--dir") == 0 || strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= *argc) {
				pinca_warnx("option %s needs a value (see 'pinca --help')", argv[i]);
				goto fail;
			}
			globals[nglobal++] = argv[i++];
			globals[nglobal++] = argv[i];
		} else {
			break;
		}
	}
	/* The command and its own arguments; the globals go before a "--". */
	for (dashdash = i; dashdash < *argc && strcmp(argv[dashdash], "--") != 0; dashdash++)
		;
	for (; i < dashdash; i++)
		out[n++] = argv[i];
	if (n > 1)	/* no command: leave nothing for it to parse */
		for (int g = 0; g < nglobal; g++)
			out[n++] = globals[g];
	for (; i < *argc; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	free(globals);
	*argc = n;
	return out;
fail:
	free(out);
	free(globals);
	return NULL;
}
