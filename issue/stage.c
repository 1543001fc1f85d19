/* stage: the file half of `issue --batch`. file_write_atomic() syncs each file
 * and its directory (two journal commits per file on ext4, most of a batch's
 * wall time); a group instead writes every temporary file, syncs each
 * filesystem once (syncfs), renames the files into place and syncs each
 * directory once. A file is in place only after its data is on disk, so a
 * crash leaves the old file or the new one, as with file_write_atomic.
 * Where the filesystem has O_TMPFILE the temporaries have no name at all
 * until they are linked into place: the directory gets one entry per file
 * instead of a create and a rename, and a crash leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"
#include "issue/stage.h"

/* Whether /proc/self/fd can give an unnamed file a name (linkat): asked
 * once per process (pthread_once, as threads may stage at the same time). */
static int stage_proc_fd_ok;
static pthread_once_t stage_proc_fd_once = PTHREAD_ONCE_INIT;

/* Asks whether /proc/self/fd is there (pthread_once routine). */
static void
stage_proc_fd_probe(void)
{
	stage_proc_fd_ok = access("/proc/self/fd", X_OK) == 0;
}

/* Whether /proc/self/fd can give an unnamed file a name (linkat). */
static int
proc_fd_usable(void)
{
	if (pthread_once(&stage_proc_fd_once, stage_proc_fd_probe) != 0)
		return 0;
	return stage_proc_fd_ok;
}

/* Creates the temporary file of f in its directory: unnamed (O_TMPFILE)
 * where the filesystem allows, so the directory sees one new entry per file
 * (the final name, at link time) and a crash leaves no temporary behind;
 * else a named temporary beside the path. */
static int
stage_open(struct stage_file *f, mode_t mode, struct stat *sb)
{
	size_t n = strlen(f->path) + 64;

	if (proc_fd_usable()) {
		/* The mode the file got (umask, a default ACL) is set right
		 * only when it differs. */
		f->fd = open(f->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
		if (f->fd != -1 && fstat(f->fd, sb) == 0 &&
		    ((sb->st_mode & 07777) == mode || fchmod(f->fd, mode) == 0)) {
			f->unnamed = 1;
			return f->fd;
		}
		if (f->fd != -1) {
			close(f->fd);
			f->fd = -1;
		}
	}
	if ((f->tmp = malloc(n)) == NULL)
		return -1;
	if ((f->fd = file_temp_open(f->path, mode, f->tmp, n)) != -1 && fstat(f->fd, sb) == -1) {
		close(f->fd);
		return f->fd = -1;
	}
	return f->fd;
}

/* Gives unnamed file f its name: linked where the path is free, else linked
 * under a temporary name and renamed over the old file (atomic replace). */
static int
stage_link(struct stage_file *f)
{
	char proc[64], tmp[4200];
	int rc = -1;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, f->path, AT_SYMLINK_FOLLOW) == 0)
		rc = 0;
	for (int attempt = 0; rc == -1 && errno == EEXIST && attempt <= FILE_TEMP_ATTEMPTS;
	    attempt++) {
		if (file_temp_name(f->path, attempt, tmp, sizeof(tmp)) == -1)
			break;
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == -1)
			continue;
		if (rename(tmp, f->path) == 0) {
			rc = 0;
		} else {
			int saved = errno;
			unlink(tmp);
			errno = saved;
		}
		break;
	}
	close(f->fd);
	f->fd = -1;
	return rc;
}

int
stage_add(struct stage *s, const char *path, const char *abs, const void *data, size_t len,
    mode_t mode, int owner)
{
	struct stage_file *f;
	const unsigned char *p = data;
	struct stat sb;
	char *d;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct stage_file *nf = realloc(s->f, cap * sizeof(*nf));
		if (nf == NULL) {
			pinca_warnx("out of memory writing %s", path);
			return RC_FAIL;
		}
		s->f = nf;
		s->cap = cap;
	}
	f = &s->f[s->n];
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->owner = owner;
	if ((f->path = strdup(path)) == NULL || (d = strdup(path)) == NULL) {
		free(f->path);
		pinca_warnx("out of memory writing %s", path);
		return RC_FAIL;
	}
	f->dir = strdup(dirname(d));
	free(d);
	s->n++;
	if (abs ? file_is_special_resolved(abs) : file_is_special(path)) {
		/* Under /dev, a device or a FIFO (file_is_special): written in
		 * place, since renaming over it would destroy it. */
		f->direct = 1;
		if (file_write_special(path, data, len, mode) != RC_OK)
			f->failed = 1;
		return f->failed ? RC_FAIL : RC_OK;
	}
	if (f->dir == NULL || stage_open(f, mode, &sb) == -1)
		goto fail;
	f->dev = sb.st_dev;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(f->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	return RC_OK;
fail:
	pinca_warn("cannot write %s", path);
	f->failed = 1;
	return RC_FAIL;
}

int
stage_sync(struct stage *s)
{
	for (size_t i = 0; i < s->n; i++) {
		int seen = 0;
		if (s->f[i].failed || s->f[i].fd == -1)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !s->f[j].failed && !s->f[j].direct && s->f[j].dev == s->f[i].dev;
		if (!seen && syncfs(s->f[i].fd) == -1) {
			pinca_warn("cannot sync the files written to %s", s->f[i].dir);
			for (size_t k = 0; k < s->n; k++)
				s->f[k].failed = 1;
			return RC_FAIL;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->f[i].unnamed && !s->f[i].failed)
			continue;	/* its descriptor is its only name until stage_rename */
		if (s->f[i].fd != -1 && close(s->f[i].fd) == -1 && !s->f[i].failed) {
			pinca_warn("cannot write %s", s->f[i].path);
			s->f[i].failed = 1;
		}
		s->f[i].fd = -1;
	}
	return RC_OK;
}

int
stage_rename(struct stage *s, size_t i)
{
	struct stage_file *f = &s->f[i];

	if (f->failed)
		return RC_FAIL;
	if (f->direct)
		return RC_OK;
	if (f->unnamed ? stage_link(f) == -1 : rename(f->tmp, f->path) == -1) {
		pinca_warn("cannot write %s", f->path);
		f->failed = 1;
		return RC_FAIL;
	}
	free(f->tmp);
	f->tmp = NULL;
	return RC_OK;
}

void
stage_sync_dirs(struct stage *s)
{
	for (size_t i = 0; i < s->n; i++) {
		int seen = 0, fd, bad;
		if (s->f[i].failed || s->f[i].direct)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !s->f[j].failed && !s->f[j].direct &&
			    strcmp(s->f[j].dir, s->f[i].dir) == 0;
		if (seen)
			continue;
		fd = open(s->f[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		bad = fd == -1 || (fsync(fd) == -1 && errno != EINVAL);
		if (fd != -1)
			close(fd);
		if (!bad)
			continue;
		pinca_warn("cannot sync directory %s", s->f[i].dir);
		for (size_t k = i; k < s->n; k++)
			if (strcmp(s->f[k].dir, s->f[i].dir) == 0)
				s->f[k].failed = 1;
	}
}

void
stage_clear(struct stage *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->f[i].fd != -1)
			close(s->f[i].fd);
		if (s->f[i].tmp)
			unlink(s->f[i].tmp);
		free(s->f[i].tmp);
		free(s->f[i].path);
		free(s->f[i].dir);
	}
	free(s->f);
	memset(s, 0, sizeof(*s));
}
