/* fileio: atomic writes and bounded reads. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fileio.h"

/* Copies the directory part of path into buf. */
static void
parent_of(const char *path, char *buf, size_t size)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(buf, size, "%s", dirname(tmp));
}

static int
dir_fsync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (fsync(fd) == -1 && errno != EINVAL) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
file_sync_parent(const char *path)
{
	char dir[4096];

	parent_of(path, dir, sizeof(dir));
	if (dir_fsync(dir) == -1) {
		pinca_warn("cannot sync directory %s", dir);
		return RC_FAIL;
	}
	return RC_OK;
}

int
file_check_parent(const char *path)
{
	char dir[4096];
	struct stat st;

	parent_of(path, dir, sizeof(dir));
	if (stat(dir, &st) == -1) {
		pinca_warn("cannot write %s: directory %s", path, dir);
		return RC_FAIL;
	}
	if (!S_ISDIR(st.st_mode)) {
		pinca_warnx("cannot write %s: %s is not a directory", path, dir);
		return RC_FAIL;
	}
	return RC_OK;
}

int
file_temp_name(const char *path, int attempt, char *tmp, size_t size)
{
	if ((size_t)snprintf(tmp, size, "%s.tmp.%ld.%d", path, (long)getpid(), attempt) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
file_temp_open(const char *path, mode_t mode, char *tmp, size_t size)
{
	int fd = -1;

	for (int attempt = 0; fd == -1 && attempt <= FILE_TEMP_ATTEMPTS; attempt++) {
		if (file_temp_name(path, attempt, tmp, size) == -1)
			return -1;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd == -1 && errno != EEXIST)
			return -1;
	}
	if (fd != -1 && fchmod(fd, mode) == -1) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return fd;
}

/* /dev/stdout is a symlink into /proc: when standard output is a regular
 * file it stats as one, and a rename would replace the symlink in /dev
 * itself. Nothing in a directory under /dev or /proc, however the path
 * reaches it, is ever renamed over; nor is an existing device or FIFO. */
static int
special_dir(const char *real)
{
	return strcmp(real, "/dev") == 0 || strncmp(real, "/dev/", 5) == 0 ||
	    strcmp(real, "/proc") == 0 || strncmp(real, "/proc/", 6) == 0;
}

static int
special_node(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode);
}

int
file_is_special(const char *path)
{
	char dir[4096], real[PATH_MAX];

	parent_of(path, dir, sizeof(dir));
	return (realpath(dir, real) != NULL && special_dir(real)) || special_node(path);
}

int
file_is_special_resolved(const char *abs)
{
	char dir[4096];

	parent_of(abs, dir, sizeof(dir));
	return special_dir(dir) || special_node(abs);
}

int
file_is_stdout(const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && fstat(STDOUT_FILENO, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

int
file_write_special(const char *path, const void *data, size_t len, mode_t mode)
{
	const unsigned char *p = data;
	size_t off = 0;
	int to_stdout = file_is_stdout(path), fd;

	/* Standard output itself (/dev/stdout): through its own descriptor, after
	 * what was printed before, so nothing overwrites anything. */
	if (to_stdout && fflush(stdout) == EOF) {
		pinca_warn("cannot write %s", path);
		return RC_FAIL;
	}
	fd = to_stdout ? STDOUT_FILENO :
	    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, mode);

	while (fd != -1 && off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (fd == -1 || off < len || (!to_stdout && close(fd) == -1)) {
		pinca_warn("cannot write %s", path);
		if (fd != -1 && off < len && !to_stdout)
			close(fd);
		return RC_FAIL;
	}
	return RC_OK;
}

int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    int no_clobber)
{
	char dir[4096], tmp[4200];
	const unsigned char *p = data;
	int fd = -1;
	size_t off = 0;

	parent_of(path, dir, sizeof(dir));
	if (no_clobber && access(path, F_OK) == 0) {
		pinca_warnx("%s already exists; refusing to overwrite it", path);
		return RC_FAIL;
	}
	if (file_is_special(path))
		return file_write_special(path, data, len, mode);
	if ((fd = file_temp_open(path, mode, tmp, sizeof(tmp))) == -1) {
		pinca_warn("cannot create a temporary file for %s", path);
		return RC_FAIL;
	}
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (no_clobber) {
		if (link(tmp, path) == -1)
			goto fail;
		unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		goto fail;
	}
	if (dir_fsync(dir) == -1)
		goto fail_after;
	return RC_OK;
fail:
	pinca_warn("cannot write %s", path);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return RC_FAIL;
fail_after:
	pinca_warn("cannot sync directory %s", dir);
	return RC_FAIL;
}

int
file_read_all(const char *path, size_t max, unsigned char **data, size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0, got = 0;
	int fd;

	*data = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		pinca_warn("cannot read %s", path);
		return RC_FAIL;
	}
	for (;;) {
		ssize_t n;
		if (got + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			unsigned char *nbuf;
			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= got + 1) {
				pinca_warnx("%s is larger than %zu bytes", path, max);
				goto fail;
			}
			if ((nbuf = realloc(buf, ncap)) == NULL) {
				pinca_warnx("out of memory reading %s", path);
				goto fail;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + got, cap - got - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pinca_warn("cannot read %s", path);
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		goto fail;
	buf[got] = '\0';
	if (fd != STDIN_FILENO)
		close(fd);
	*data = buf;
	*len = got;
	return RC_OK;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	free(buf);
	return RC_FAIL;
}

int
dir_create(const char *path, mode_t mode, int exclusive)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return RC_OK;
	if (errno == EEXIST && !exclusive && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return RC_OK;
	pinca_warn("cannot create directory %s", path);
	return RC_FAIL;
}

void
file_guard_init(struct file_guard *g, const char *ca_dir)
{
	char db[sizeof(g->cadir) + 16];
	struct stat sb;

	memset(g, 0, sizeof(*g));
	if (ca_dir == NULL || realpath(ca_dir, g->cadir) == NULL)
		g->cadir[0] = '\0';
	snprintf(db, sizeof(db), "%s/pinca.db", g->cadir);
	if (g->cadir[0] && stat(db, &sb) == 0) {
		g->db_dev = sb.st_dev;
		g->db_ino = sb.st_ino;
		g->have_db = 1;
	}
}

int
file_holds_private_key(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && memmem(buf, (size_t)n, "PRIVATE KEY-----", 16) != NULL;
}

/* Which of the CA directory's own files abs is ("its keys", "its
 * database", "its own files"), or NULL. */
static const char *
guard_ca_file(const struct file_guard *g, const char *abs, int exists)
{
	size_t n = strlen(g->cadir);
	const char *rest;

	if (n == 0 || strncmp(abs, g->cadir, n) != 0 || abs[n] != '/')
		return NULL;
	rest = abs + n + 1;
	if (strncmp(rest, "keys/", 5) == 0 || strcmp(rest, "keys") == 0)
		return "its keys";
	if (strncmp(rest, "pinca.db", 8) == 0)
		return "its database";
	return exists || strchr(rest, '/') == NULL ? "its own files" : NULL;
}

int
file_guard_check(const struct file_guard *g, const char *path, const char *abs, int allow_key)
{
	char dir[PATH_MAX], real[PATH_MAX], base[PATH_MAX], own[PATH_MAX * 2];
	struct stat sb;
	const char *what;
	int exists;

	if (abs == NULL) {
		parent_of(path, dir, sizeof(dir));
		snprintf(base, sizeof(base), "%s", path);
		if (realpath(dir, real) == NULL)
			return RC_OK;	/* the write itself will say why */
		snprintf(own, sizeof(own), "%s/%s", real, basename(base));
		abs = own;
	}
	if (file_is_special_resolved(abs))
		return RC_OK;
	exists = stat(abs, &sb) == 0;
	if ((what = guard_ca_file(g, abs, exists)) != NULL ||
	    (exists && g->have_db && sb.st_dev == g->db_dev && sb.st_ino == g->db_ino)) {
		pinca_warnx("refusing to write %s: it is one of the CA directory's files (%s)", path,
		    what ? what : "its database");
		return RC_FAIL;
	}
	if (!allow_key && exists && S_ISREG(sb.st_mode) && file_holds_private_key(abs)) {
		pinca_warnx("refusing to write %s: it holds a private key", path);
		return RC_FAIL;
	}
	return RC_OK;
}

int
file_check_private(const char *path, const char *what)
{
	char buf[4096];
	const char *dir;
	struct stat sb;

	if (stat(path, &sb) == -1) {
		pinca_warn("cannot read %s (%s)", what, path);
		return RC_FAIL;
	}
	if ((sb.st_mode & 077) != 0) {
		pinca_warnx("%s (%s) is open to group or others (mode %04o): refusing to use it; "
		    "run 'chmod 600 %s' and consider the key exposed", what, path,
		    (unsigned)(sb.st_mode & 07777), path);
		return RC_FAIL;
	}
	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (stat(dir, &sb) == 0 && (sb.st_mode & 077) != 0) {
		pinca_warnx("%s holds %s and is open to group or others (mode %04o): refusing to "
		    "use it; run 'chmod 700 %s'", dir, what, (unsigned)(sb.st_mode & 07777), dir);
		return RC_FAIL;
	}
	return RC_OK;
}
