/* test_cadir_db: which store a CA directory's commands open
 * (common/cadir_db.c): DIR/pinca.db by default; the database DIR/database
 * records; --db over PINCA_DB; and the refusals, each one "pinca: " line
 * with the password redacted, of a database the directory does not use. */
#include <sys/stat.h>

#include "tests/unit/unit.h"

#include "common/cadir_db.h"
#include "common/err.h"

#define URL_A "postgresql:///a?host=/run/pg&user=pinca"
#define URL_B "postgresql:///b?host=/run/pg&user=pinca"

/* Resolves dir; *rc gets the return code, and the target is returned
 * (static buffer). stderr is captured: *lines gets its line count. */
static const char *
target_of(const char *dir, int *rc, int *lines)
{
	static char out[CADIR_TARGET_MAX];
	int pg = -1;

	out[0] = '\0';
	unit_stderr_begin();
	*rc = cadir_db_target(dir, out, sizeof(out), &pg);
	*lines = unit_stderr_end();
	return out;
}

int
main(void)
{
	const char *t, *lite, *pgdir;
	char *rec = NULL;
	int rc, lines;
	FILE *f;

	unit_tmpdir();
	lite = unit_path(0, "lite");
	pgdir = unit_path(1, "pg");
	mkdir(lite, 0700);
	mkdir(pgdir, 0700);
	if ((f = fopen(unit_path(2, "lite/pinca.db"), "w")) != NULL)
		fclose(f);
	unsetenv("PINCA_DB");

	t = target_of(lite, &rc, &lines);
	CHECK(rc == RC_OK && strcmp(t, unit_path(3, "lite/pinca.db")) == 0 && lines == 0,
	    "no flag, no variable, no record: DIR/pinca.db");
	CHECK(cadir_db_record(pgdir, "postgresql://pinca:s3cret@/a?host=/run/pg") == RC_OK,
	    "recording a URL");
	CHECK(cadir_db_recorded(pgdir, &rec) == RC_OK && rec && strcmp(rec, "postgresql://pinca@/a?host=/run/pg") == 0,
	    "the record holds the URL without its password");
	free(rec);
	CHECK(cadir_db_record(pgdir, URL_A) == RC_OK, "recording again replaces the record");
	t = target_of(pgdir, &rc, &lines);
	CHECK(rc == RC_OK && strcmp(t, URL_A) == 0, "a directory that records a database opens it");

	setenv("PINCA_DB", URL_A, 1);
	t = target_of(pgdir, &rc, &lines);
	CHECK(rc == RC_OK && strcmp(t, URL_A) == 0, "PINCA_DB naming the recorded database is taken");
	setenv("PINCA_DB", URL_B, 1);
	t = target_of(pgdir, &rc, &lines);
	CHECK(rc == RC_USAGE && unit_one_error(lines, "PINCA_DB names postgresql:///b"),
	    "PINCA_DB naming another database: one line, exit 2");
	cadir_db_set_flag(URL_A);
	t = target_of(pgdir, &rc, &lines);
	CHECK(rc == RC_OK && strcmp(t, URL_A) == 0, "--db wins over PINCA_DB");
	cadir_db_set_flag("postgresql://u:pw-123@h/b");
	t = target_of(pgdir, &rc, &lines);
	CHECK(rc == RC_USAGE && unit_one_error(lines, "--db names postgresql://u:[redacted]@h/b") &&
	    strstr(unit_err, "pw-123") == NULL, "--db naming another database: refused, password redacted");
	t = target_of(lite, &rc, &lines);
	CHECK(rc == RC_USAGE && unit_one_error(lines, "keeps its store in"),
	    "a directory with pinca.db refuses --db");
	cadir_db_set_flag("/srv/other.db");
	t = target_of(pgdir, &rc, &lines);
	CHECK(rc == RC_USAGE && unit_one_error(lines, "takes a PostgreSQL database"),
	    "--db with a file path is a usage error");
	cadir_db_set_flag(URL_A);
	t = target_of(unit_path(0, "none"), &rc, &lines);
	CHECK(rc == RC_FAIL && unit_one_error(lines, "records no database"),
	    "--db for a directory that is no CA: one line, exit 1");
	cadir_db_set_flag(NULL);
	unsetenv("PINCA_DB");
	if ((f = fopen(unit_path(2, "pg/database"), "w")) != NULL) {
		fputs("/not/a/url\n", f);
		fclose(f);
	}
	t = target_of(pgdir, &rc, &lines);
	CHECK(rc == RC_FAIL && unit_one_error(lines, "does not name a PostgreSQL database"),
	    "a damaged record is refused in one line");
	return unit_finish();
}
