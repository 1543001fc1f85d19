/* dbcheck_files: the part of `db check` that looks at the CA directory's files
 * rather than its rows: keys/ exists and is 0700, every key the database
 * says is held here exists and is closed to group and others, and the CA
 * directory itself is private. A key file others can read is a key that
 * must be treated as exposed, so it is a problem, not a remark. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ca/dbcheck.h"
#include "common/cadir.h"
#include "common/err.h"

/* Reports one problem line through the check's callback. */
static int
files_problem(struct db_check *c, const char *line)
{
	c->problems++;
	return c->report(line, c->arg);
}

/* Checks that path is a directory closed to group and others. */
static int
files_private_dir(struct db_check *c, const char *path, const char *what)
{
	char line[5000];
	struct stat sb;

	if (stat(path, &sb) == -1)
		snprintf(line, sizeof(line), "files: %s %s is missing (pinca init makes it, mode 0700)",
		    what, path);
	else if (!S_ISDIR(sb.st_mode))
		snprintf(line, sizeof(line), "files: %s %s is not a directory", what, path);
	else if ((sb.st_mode & 077) != 0)
		snprintf(line, sizeof(line), "files: %s %s is open to group or others (mode %04o): "
		    "chmod 700 %s", what, path, (unsigned)(sb.st_mode & 07777), path);
	else
		return 0;
	return files_problem(c, line);
}

/* Checks the key file of one CA held here (active or pending: a retired
 * CA's key may have been destroyed on purpose). */
static int
files_ca_key(const struct ca_record *r, void *arg)
{
	struct db_check *c = arg;
	char path[4096], line[5000];
	struct stat sb;

	if (r->key_path == NULL || strcmp(r->state, "retired") == 0 ||
	    strncmp(r->key_path, "pkcs11:", 7) == 0)
		return 0;
	if (cadir_path(path, sizeof(path), c->dir, r->key_path) != RC_OK)
		return 0;
	if (stat(path, &sb) == -1)
		snprintf(line, sizeof(line), "files: the key of %s '%s' (%s) is missing", r->role,
		    r->cn, path);
	else if (!S_ISREG(sb.st_mode))
		snprintf(line, sizeof(line), "files: the key of %s '%s' (%s) is not a regular file",
		    r->role, r->cn, path);
	else if ((sb.st_mode & 077) != 0)
		snprintf(line, sizeof(line), "files: the key of %s '%s' (%s) is open to group or "
		    "others (mode %04o): chmod 600 it and treat the key as exposed", r->role, r->cn,
		    path, (unsigned)(sb.st_mode & 07777));
	else
		return 0;
	return files_problem(c, line);
}

int
db_check_files(struct db_check *c)
{
	char keys[4096];
	int rc;

	if (c->dir == NULL)
		return 0;
	if ((rc = files_private_dir(c, c->dir, "the CA directory")) != 0)
		return rc;
	if (cadir_path(keys, sizeof(keys), c->dir, CADIR_KEYS) == RC_OK &&
	    (rc = files_private_dir(c, keys, "the key directory")) != 0)
		return rc;
	rc = store_ca_each(c->st, files_ca_key, c);
	return rc == RC_FAIL ? files_problem(c, "files: cannot list the CAs' keys") : rc;
}
