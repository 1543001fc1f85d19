/* outputs: checks the files a command will write before it signs anything
 * (see outputs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"
#include "issue/outputs.h"

int
out_set_init(struct out_set *s, const char *ca_dir)
{
	memset(s, 0, sizeof(*s));
	file_guard_init(&s->guard, ca_dir);
	return RC_OK;
}

void
out_set_clear(struct out_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* FNV-1a of a key, for the set's slots. */
static size_t
out_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return (size_t)h;
}

/* Looks key up in s; adds it if add. Returns 1 if it was there already, 0
 * if not, -1 on out of memory. */
static int
out_lookup(struct out_set *s, const char *key, int add)
{
	size_t i;

	if (add && (s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **nt = calloc(cap, sizeof(*nt));
		if (nt == NULL)
			return -1;
		for (size_t j = 0; j < s->cap; j++) {
			if (s->slot[j] == NULL)
				continue;
			for (i = out_hash(s->slot[j]) & (cap - 1); nt[i]; i = (i + 1) & (cap - 1))
				;
			nt[i] = s->slot[j];
		}
		free(s->slot);
		s->slot = nt;
		s->cap = cap;
	}
	if (s->cap == 0)
		return 0;
	for (i = out_hash(key) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (strcmp(s->slot[i], key) == 0)
			return 1;
	if (!add)
		return 0;
	if ((s->slot[i] = strdup(key)) == NULL)
		return -1;
	s->n++;
	return 0;
}

int
out_claim(struct out_set *s, const char *path, const char *abs, enum out_kind kind)
{
	struct stat lsb, sb;
	const char *base = strrchr(abs, '/');
	char key[64], chain[PATH_MAX + 2];
	int exists, seen;

	if (file_is_special_resolved(abs))
		return RC_OK;	/* written in place: /dev/null, a FIFO, a terminal */
	base = base ? base + 1 : abs;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		pinca_warnx("cannot write %s: it names a directory", path);
		return RC_FAIL;
	}
	exists = lstat(abs, &lsb) == 0;
	/* A symbolic link is replaced, not written through, but it must not
	 * make one file look like two: its target counts as well. */
	if (exists && S_ISLNK(lsb.st_mode) && stat(abs, &sb) == 0)
		lsb = sb;
	if (exists && S_ISDIR(lsb.st_mode)) {
		pinca_warnx("cannot write %s: it is a directory", path);
		return RC_FAIL;
	}
	if (exists && kind == OUT_NEW_KEY) {
		pinca_warnx("%s already exists; refusing to overwrite a key", path);
		return RC_FAIL;
	}
	if (file_guard_check(&s->guard, path, abs, kind == OUT_OWN_KEY) != RC_OK)
		return RC_FAIL;
	snprintf(chain, sizeof(chain), "\002%s", abs);
	if (kind == OUT_CHAIN && out_lookup(s, chain, 0) == 1)
		return RC_OK;	/* another chain output: the same bytes */
	seen = out_lookup(s, abs, 1);
	if (seen == 0 && exists) {
		snprintf(key, sizeof(key), "\001%llu:%llu", (unsigned long long)lsb.st_dev,
		    (unsigned long long)lsb.st_ino);
		seen = out_lookup(s, key, 1);
	}
	if (seen == 0 && kind == OUT_CHAIN)
		seen = out_lookup(s, chain, 1);
	if (seen < 0) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	if (seen) {
		pinca_warnx("refusing to write %s twice: it is also another output of this %s", path,
		    kind == OUT_OWN_KEY ? "run" : "command");
		return RC_FAIL;
	}
	return RC_OK;
}

int
out_probe_dir(const char *path)
{
	char tmp[PATH_MAX + 64];
	int fd;

	if (file_check_parent(path) != RC_OK)
		return RC_FAIL;
	if ((fd = file_temp_open(path, 0600, tmp, sizeof(tmp))) == -1) {
		pinca_warn("cannot write %s", path);
		return RC_FAIL;
	}
	close(fd);
	unlink(tmp);
	return RC_OK;
}
