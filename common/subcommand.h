/* subcommand: command groups such as `pinca ca ...` and `pinca db ...`. */
#ifndef PINCA_SUBCOMMAND_H
#define PINCA_SUBCOMMAND_H

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Runs argv[1] from table (argv[0] is the group name); prints the group's
 * commands for --help (exit 0) or when none is named (exit 2). */
int subcommand_dispatch(const char *group, const struct subcommand *table, int argc, char **argv);

/* Moves the global options given before the command (`pinca --dir DIR
 * --json ca list`) to where every command parses them: after the command
 * words, before any "--". Returns a new argv (caller frees the array, not
 * the strings) and sets *argc, or NULL with a usage error printed. Only
 * --dir DIR, --dir=DIR and --json are global: every command takes --dir,
 * and a command without --json refuses it as usual. */
char **subcommand_globals(int *argc, char **argv);

#endif
