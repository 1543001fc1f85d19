/* appzip: the app archives (.apk, .aab, .ipa) through libzip, with the
 * limits that keep a hostile archive harmless: an entry count cap, every
 * entry name checked when the archive is opened (an archive carrying a
 * path-traversal name is refused whole, though nothing is ever extracted),
 * and reads capped by the bytes actually inflated, not the size the headers
 * claim (a zip bomb stops at the cap). */
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "ca/appread.h"
#include "common/err.h"

struct app_zip {
	zip_t *za;
	int64_t n;
	const char *path;
};

int
app_zip_name_safe(const char *name, size_t len)
{
	size_t start = 0;

	if (len == 0 || name[0] == '/')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			return 0;
		if (c == '/' || i + 1 == len) {
			size_t end = c == '/' ? i : i + 1;
			/* ".." anywhere, and "." or "" inside the path. */
			if (end - start == 2 && name[start] == '.' && name[start + 1] == '.')
				return 0;
			if (c == '/' && (end == start || (end - start == 1 && name[start] == '.')))
				return 0;
			start = i + 1;
		}
	}
	/* "C:..." would name a drive where the archive is unpacked on Windows. */
	return !(len >= 2 && name[1] == ':');
}

struct app_zip *
app_zip_open(const char *path)
{
	struct app_zip *z = calloc(1, sizeof(*z));
	int err = 0;

	if (z == NULL) {
		pinca_warnx("%s: out of memory", path);
		return NULL;
	}
	z->path = path;
	if ((z->za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err)) == NULL) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, err);
		pinca_warnx("%s: not a readable zip archive: %s", path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		goto fail;
	}
	z->n = zip_get_num_entries(z->za, 0);
	if (z->n < 0 || z->n > APP_ZIP_MAX_ENTRIES) {
		pinca_warnx("%s: refused: %lld entries (at most %d)", path, (long long)z->n,
		    APP_ZIP_MAX_ENTRIES);
		goto fail;
	}
	for (int64_t i = 0; i < z->n; i++) {
		const char *name = zip_get_name(z->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
		if (name == NULL || !app_zip_name_safe(name, strlen(name))) {
			pinca_warnx("%s: refused: entry %lld has an unsafe name (absolute, '..', "
			    "backslash or control character)", path, (long long)i);
			goto fail;
		}
	}
	return z;
fail:
	app_zip_close(z);
	return NULL;
}

void
app_zip_close(struct app_zip *z)
{
	if (z == NULL)
		return;
	if (z->za)
		zip_discard(z->za);
	free(z);
}

int64_t
app_zip_count(const struct app_zip *z)
{
	return z->n;
}

const char *
app_zip_name(const struct app_zip *z, int64_t i)
{
	return i < 0 || i >= z->n ? NULL : zip_get_name(z->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
}

int
app_zip_read(struct app_zip *z, const char *name, size_t max, unsigned char **data, size_t *len)
{
	zip_int64_t idx = zip_name_locate(z->za, name, ZIP_FL_ENC_RAW);
	zip_file_t *f;
	unsigned char *buf = NULL;
	size_t have = 0;
	int rc = RC_FAIL;

	*data = NULL;
	*len = 0;
	if (idx < 0)
		return 1;
	if ((f = zip_fopen_index(z->za, (zip_uint64_t)idx, 0)) == NULL) {
		pinca_warnx("%s: cannot read %s: %s", z->path, name, zip_strerror(z->za));
		return RC_FAIL;
	}
	/* One byte more than allowed tells "too large" from "exactly max". */
	if ((buf = malloc(max + 2)) == NULL) {
		pinca_warnx("%s: out of memory", z->path);
		goto out;
	}
	for (;;) {
		zip_int64_t n = zip_fread(f, buf + have, max + 1 - have);
		if (n < 0) {
			pinca_warnx("%s: cannot read %s: %s", z->path, name, zip_file_strerror(f));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max) {
			pinca_warnx("%s: refused: %s inflates to more than %zu bytes (a zip bomb?)",
			    z->path, name, max);
			goto out;
		}
	}
	buf[have] = '\0';
	*data = buf;
	*len = have;
	buf = NULL;
	rc = RC_OK;
out:
	free(buf);
	zip_fclose(f);
	return rc;
}
