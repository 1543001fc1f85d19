/* cadir_db: choosing a CA directory's database (DIR/pinca.db, or the
 * PostgreSQL database DIR/database records, or --db / $PINCA_DB when they
 * agree with the directory) and keeping that record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cadir.h"
#include "common/cadir_db.h"
#include "common/dburl.h"
#include "common/err.h"
#include "common/fileio.h"

/* The --db value of this run, set once while main's options are read:
 * argv is the run's own, like cmdline.c's command line. */
static const char *cadir_db_flag;

void
cadir_db_set_flag(const char *target)
{
	cadir_db_flag = target;
}

const char *
cadir_db_wanted(const char **source)
{
	const char *env = getenv("PINCA_DB");

	if (cadir_db_flag != NULL) {
		if (source)
			*source = "--db";
		return cadir_db_flag;
	}
	if (env != NULL && *env != '\0') {
		if (source)
			*source = "PINCA_DB";
		return env;
	}
	return NULL;
}

int
cadir_db_check_wanted(const char *target, const char *source)
{
	char shown[CADIR_TARGET_MAX];

	if (dburl_is_postgres(target) && strlen(target) < CADIR_TARGET_MAX && strchr(target, '\n') == NULL)
		return RC_OK;
	dburl_redact(target, shown, sizeof(shown));
	pinca_warnx("%s takes a PostgreSQL database (postgresql://HOST/DB or 'host=... dbname=...'), "
	    "not '%s'; the SQLite store is always DIR/pinca.db", source, shown);
	return RC_USAGE;
}

int
cadir_db_recorded(const char *dir, char **out)
{
	char path[4096];
	unsigned char *data = NULL;
	size_t len = 0;
	struct stat sb;

	*out = NULL;
	if (cadir_path(path, sizeof(path), dir, CADIR_DATABASE) != RC_OK)
		return RC_FAIL;
	if (stat(path, &sb) == -1) {
		if (errno == ENOENT)
			return RC_OK;
		pinca_warn("cannot read %s", path);
		return RC_FAIL;
	}
	if (file_read_all(path, CADIR_TARGET_MAX, &data, &len) != RC_OK)
		return RC_FAIL;
	/* One line: the target, without its newline. */
	data[strcspn((char *)data, "\r\n")] = '\0';
	if (!dburl_is_postgres((char *)data)) {
		pinca_warnx("%s does not name a PostgreSQL database; it should hold one line such as "
		    "postgresql://HOST/DB", path);
		free(data);
		return RC_FAIL;
	}
	*out = (char *)data;
	return RC_OK;
}

int
cadir_db_record(const char *dir, const char *target)
{
	char path[4096], line[CADIR_TARGET_MAX + 1];
	size_t n;

	if (cadir_path(path, sizeof(path), dir, CADIR_DATABASE) != RC_OK)
		return RC_FAIL;
	/* The password stays in ~/.pgpass: the record is read by every
	 * command, copied with the directory and shown in messages. */
	if (dburl_without_password(target, line, sizeof(line) - 1) != 0) {
		pinca_warnx("the database URL is too long to record");
		return RC_FAIL;
	}
	n = strlen(line);
	line[n++] = '\n';
	return file_write_atomic(path, line, n, 0600, 0);
}

/* 1 when a and b name the same database, passwords aside. */
static int
cadir_db_same(const char *a, const char *b)
{
	char sa[CADIR_TARGET_MAX], sb[CADIR_TARGET_MAX];

	return dburl_without_password(a, sa, sizeof(sa)) == 0 &&
	    dburl_without_password(b, sb, sizeof(sb)) == 0 && strcmp(sa, sb) == 0;
}

/* The refusal of a wanted database that dir does not use. */
static int
cadir_db_mismatch(const char *dir, const char *wanted, const char *source, const char *recorded)
{
	char w[CADIR_TARGET_MAX], r[CADIR_TARGET_MAX];

	dburl_redact(wanted, w, sizeof(w));
	if (recorded) {
		dburl_redact(recorded, r, sizeof(r));
		pinca_warnx("%s uses the database %s (recorded in %s/" CADIR_DATABASE "), but %s names "
		    "%s; refusing to mix one CA directory's keys with another database", dir, r, dir,
		    source, w);
	} else {
		pinca_warnx("%s keeps its store in %s/" CADIR_DB ", but %s names %s; 'pinca db migrate "
		    "--to URL' moves the store into PostgreSQL", dir, dir, source, w);
	}
	return RC_USAGE;
}

int
cadir_db_target(const char *dir, char *out, size_t size, int *is_pg)
{
	const char *source = NULL, *wanted = cadir_db_wanted(&source), *use;
	char *recorded = NULL, sqlite_path[4096];
	struct stat sb;
	int rc = RC_FAIL;

	if (is_pg)
		*is_pg = 0;
	if (wanted && cadir_db_check_wanted(wanted, source) != RC_OK)
		return RC_USAGE;
	if (cadir_db_recorded(dir, &recorded) != RC_OK ||
	    cadir_path(sqlite_path, sizeof(sqlite_path), dir, CADIR_DB) != RC_OK)
		goto out;
	if (recorded && wanted && !cadir_db_same(wanted, recorded)) {
		rc = cadir_db_mismatch(dir, wanted, source, recorded);
		goto out;
	}
	if (recorded == NULL && wanted) {
		if (stat(sqlite_path, &sb) == 0)
			rc = cadir_db_mismatch(dir, wanted, source, NULL);
		else
			pinca_warnx("no CA here: %s records no database (run 'pinca init' with %s "
			    "first)", dir, source);
		goto out;
	}
	/* The wanted one may carry the password the record leaves out. */
	use = wanted ? wanted : recorded ? recorded : sqlite_path;
	if (strlen(use) >= size) {
		pinca_warnx("the database name is too long");
		goto out;
	}
	memcpy(out, use, strlen(use) + 1);
	if (is_pg)
		*is_pg = use != sqlite_path;
	rc = RC_OK;
out:
	free(recorded);
	return rc;
}
