/* filecost: bench-only probe of what one small output file costs on the bench
 * filesystem, in CPU time (user + system) per file, the two ways the batch
 * part's tools write theirs:
 *
 *   create   open(O_CREAT | O_EXCL), write, close: a file created under its
 *            final name (what `openssl ca` does for each newcerts/ file);
 *   atomic   open(DIR, O_TMPFILE), fstat, a look-up of the final name,
 *            write, linkat from /proc/self/fd, close: pinca's batch path
 *            (issue/stage.c), where a file appears under its name only
 *            whole and only after its certificate is committed.
 *
 * The syncs are left out (one syncfs per group in pinca, none in openssl).
 * Each way writes N files of SIZE bytes into a subdirectory of DIR, which
 * must not exist yet. The files stay: on ext4 without a journal, a new inode
 * costs more for every inode freed lately in its block group, so deleting
 * them here would make the next probe (and the next tool) pay for it; the
 * bench removes its whole work directory at the end.
 *
 * usage: bench-filecost DIR N SIZE
 * prints: create_us atomic_us */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes n files into dir one way; returns CPU microseconds per file, or -1. */
static double
run(const char *dir, long n, const char *buf, size_t size, int atomic)
{
	char path[4096], proc[64];
	struct stat sb;
	double t0 = cpu_seconds();

	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%ld.pem", dir, i);
		if (atomic) {
			if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644)) == -1 ||
			    fstat(fd, &sb) == -1 || (stat(path, &sb) == -1 && errno != ENOENT))
				return -1;
		} else if ((fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644)) == -1) {
			return -1;
		}
		if (write_all(fd, buf, size) == -1)
			return -1;
		if (atomic) {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
			if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == -1)
				return -1;
		}
		if (close(fd) == -1)
			return -1;
	}
	return (cpu_seconds() - t0) * 1e6 / (double)n;
}

int
main(int argc, char **argv)
{
	char create_dir[4096], atomic_dir[4096], *buf;
	double create_us, atomic_us;
	long n;
	size_t size;

	if (argc != 4 || (n = strtol(argv[2], NULL, 10)) <= 0 ||
	    (size = (size_t)strtoul(argv[3], NULL, 10)) == 0 || size > 1 << 20) {
		fprintf(stderr, "usage: bench-filecost DIR N SIZE\n");
		return 2;
	}
	snprintf(create_dir, sizeof(create_dir), "%s/filecost-create", argv[1]);
	snprintf(atomic_dir, sizeof(atomic_dir), "%s/filecost-atomic", argv[1]);
	if ((buf = malloc(size)) == NULL || mkdir(argv[1], 0755) == -1 ||
	    mkdir(create_dir, 0755) == -1 || mkdir(atomic_dir, 0755) == -1) {
		perror("bench-filecost");
		return 1;
	}
	memset(buf, 'A', size);
	create_us = run(create_dir, n, buf, size, 0);
	atomic_us = run(atomic_dir, n, buf, size, 1);
	free(buf);
	if (create_us < 0 || atomic_us < 0) {
		perror("bench-filecost");
		return 1;
	}
	printf("%.1f %.1f\n", create_us, atomic_us);
	return 0;
}
