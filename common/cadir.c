/* cadir: resolving the CA directory and the paths inside it. */
#include <stdio.h>
#include <stdlib.h>

#include "common/cadir.h"
#include "common/err.h"

const char *
cadir_resolve(const char *flag_dir)
{
	const char *d = flag_dir ? flag_dir : getenv("PINCA_DIR");

	if (d == NULL || *d == '\0') {
		pinca_warnx("no CA directory: give --dir DIR or set PINCA_DIR");
		return NULL;
	}
	return d;
}

int
cadir_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		pinca_warnx("path too long: %s/%s", dir, name);
		return RC_FAIL;
	}
	return RC_OK;
}
