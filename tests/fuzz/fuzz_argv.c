/* fuzz_argv: the two readers of the whole command line. subcommand_globals
 * (common/subcommand.c) moves --dir/--json given before the command behind
 * it: the result holds the same arguments, argv[0] first, nothing moved
 * across a "--" (with no command word, the globals are dropped and no
 * command is left). cmdline_set (common/cmdline.c) records the line for the
 * audit log: the value after --exec never appears in it. The input is split
 * at NUL bytes into the arguments after "pinca". */
#include "common/cmdline.h"
#include "common/subcommand.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_ARGS_MAX 64

/* Counts how often s occurs in v[0..n). */
static int
count_of(char **v, int n, const char *s)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += strcmp(v[i], s) == 0;
	return k;
}

/* Whether the value v[k] of an --exec can be looked for in the record: it
 * is long enough to be unique, has no space or bracket (so it cannot span
 * two recorded words or meet a "[redacted]"), and no other argument (nor
 * "pinca") contains it. */
static int
exec_value_checkable(char **v, int n, int k)
{
	if (strlen(v[k]) < 8 || strpbrk(v[k], " []") != NULL || strstr("pinca", v[k]) != NULL)
		return 0;
	for (int i = 0; i < n; i++)
		if (i != k && strstr(v[i], v[k]) != NULL)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[FUZZ_ARGS_MAX + 2], **out;
	int argc = 1, n;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "pinca";
	for (size_t off = 0; off <= size && argc <= FUZZ_ARGS_MAX; off += strlen(buf + off) + 1)
		argv[argc++] = buf + off;
	argv[argc] = NULL;

	cmdline_set(argc, argv);
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--exec") == 0 && exec_value_checkable(argv, argc, i + 1))
			FUZZ_ASSERT(strstr(cmdline_audit(), argv[i + 1]) == NULL);

	n = argc;
	if ((out = subcommand_globals(&n, argv)) != NULL && n != argc) {
		/* Global options and no command word before the end or a "--":
		 * they are dropped, and what is left names no command. */
		FUZZ_ASSERT(n < argc && out[0] == argv[0] && out[n] == NULL);
		FUZZ_ASSERT(n == 1 || strcmp(out[1], "--") == 0);
		free(out);
	} else if (out != NULL) {
		int c = 1, dd = argc;
		FUZZ_ASSERT(n == argc && out[n] == NULL && out[0] == argv[0]);
		for (int i = 0; i < argc; i++)
			FUZZ_ASSERT(count_of(out, n, argv[i]) == count_of(argv, argc, argv[i]));
		/* The leading globals (a --dir takes the next word, whatever it
		 * is), then the command; from the first "--" after it on, the
		 * arguments stay where they were. */
		while (c < argc && (strcmp(argv[c], "--json") == 0 || strncmp(argv[c], "--dir=", 6) == 0 ||
		    (strcmp(argv[c], "--dir") == 0 && c + 1 < argc)))
			c += strcmp(argv[c], "--dir") == 0 ? 2 : 1;
		for (int i = c; i < argc; i++)
			if (strcmp(argv[i], "--") == 0) { dd = i; break; }
		for (int i = dd; i < argc; i++)
			FUZZ_ASSERT(out[i] == argv[i]);
		/* The command words come first, right after argv[0]. */
		for (int i = c; i < dd; i++)
			FUZZ_ASSERT(out[1 + i - c] == argv[i]);
		free(out);
	}
	free(buf);
	return 0;
}
