/* unit.h: the tiny harness of the unit tests in tests/unit/. CHECK prints one
 * "ok"/"FAIL" line per check; unit_finish prints "N passed, N failed" (the
 * line tools/run-tests.sh adds up) and gives the exit status. Helpers make a
 * scratch directory and capture what pinca prints on stderr, so a test can
 * check that a refusal printed exactly one "pinca: " line. */
#ifndef PINCA_UNIT_H
#define PINCA_UNIT_H


#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"

static int unit_passed, unit_failed;
static char unit_dir[256];
static char unit_err[4096];
static int unit_saved_stderr = -1;
static FILE *unit_err_file;

/* Records one check. */
static inline void
unit_check(int ok, const char *name, const char *file, int line)
{
	if (ok) {
		unit_passed++;
		printf("ok   %s\n", name);
	} else {
		unit_failed++;
		printf("FAIL %s (%s:%d)\n", name, file, line);
	}
	fflush(stdout);
}
#define CHECK(cond, name) unit_check(!!(cond), (name), __FILE__, __LINE__)

/* Prints the total and returns the exit status for main. */
static inline int
unit_finish(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

static inline int
unit_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

/* Removes the scratch directory (atexit). */
static inline void
unit_cleanup(void)
{
	if (unit_dir[0])
		nftw(unit_dir, unit_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes a scratch directory, removed at exit; returns its path. */
static inline const char *
unit_tmpdir(void)
{
	snprintf(unit_dir, sizeof(unit_dir), "/tmp/pinca-unit.XXXXXX");
	if (mkdtemp(unit_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(unit_cleanup);
	return unit_dir;
}

/* PATH inside the scratch directory (static buffer, one at a time per slot). */
static inline const char *
unit_path(int slot, const char *name)
{
	static char buf[4][512];

	snprintf(buf[slot & 3], sizeof(buf[0]), "%s/%s", unit_dir, name);
	return buf[slot & 3];
}

/* Starts capturing stderr, with no error line pending on this thread. */
static inline void
unit_stderr_begin(void)
{
	pinca_err_clear();
	fflush(stderr);
	unit_saved_stderr = dup(STDERR_FILENO);
	unit_err_file = tmpfile();
	if (unit_saved_stderr < 0 || unit_err_file == NULL) {
		perror("capture stderr");
		exit(1);
	}
	dup2(fileno(unit_err_file), STDERR_FILENO);
}

/* Stops capturing; the text is in unit_err. Returns the number of lines.
 * It plays main's part first: a pending error line is printed, once, as
 * "pinca: LINE" (domain functions record it, never print it). */
static inline int
unit_stderr_end(void)
{
	size_t n;
	int lines = 0;

	pinca_err_print();
	fflush(stderr);
	dup2(unit_saved_stderr, STDERR_FILENO);
	close(unit_saved_stderr);
	rewind(unit_err_file);
	n = fread(unit_err, 1, sizeof(unit_err) - 1, unit_err_file);
	unit_err[n] = '\0';
	fclose(unit_err_file);
	for (size_t i = 0; i < n; i++)
		lines += unit_err[i] == '\n';
	return lines;
}

/* True when the captured stderr is exactly one "pinca: " line containing needle. */
static inline int
unit_one_error(int lines, const char *needle)
{
	return lines == 1 && strncmp(unit_err, "pinca: ", 7) == 0 &&
	    (needle == NULL || strstr(unit_err, needle) != NULL);
}

#endif
