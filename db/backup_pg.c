/* backup_pg: `db backup FILE` of a store in PostgreSQL: PostgreSQL's own
 * pg_dump in its custom format (-Fc, what pg_restore reads), written into
 * FILE created new (O_EXCL) with mode 0600, since the dump holds every
 * certificate and the audit log. The URL goes on pg_dump's argv, which
 * other users can read in ps, so a URL that carries a password is refused:
 * the password belongs in ~/.pgpass, where pg_dump's libpq finds it as
 * pinca's did. pg_dump's own error output is reduced to one `pinca:` line. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/dburl.h"
#include "common/err.h"
#include "db/backup_pg.h"

#define PG_DUMP_ERR_MAX 4096

/* The child: stdout into the dump file, stderr into the pipe, then pg_dump. */
static void
backup_pg_child(int out_fd, int err_fd, const char *target)
{
	if (dup2(out_fd, STDOUT_FILENO) == -1 || dup2(err_fd, STDERR_FILENO) == -1)
		_exit(126);
	/* -w: never prompt (no terminal to ask on); -Fc: the custom format. */
	execlp("pg_dump", "pg_dump", "-Fc", "-w", "-d", target, (char *)NULL);
	_exit(127);
}

/* Reads the child's stderr until it closes; keeps its first line. */
static void
backup_pg_read_err(int fd, char *first, size_t size)
{
	char buf[512];
	size_t have = 0;
	ssize_t n;

	first[0] = '\0';
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n == -1 && errno == EINTR)) {
		if (n > 0 && have + 1 < size) {
			size_t take = (size_t)n < size - have - 1 ? (size_t)n : size - have - 1;
			memcpy(first + have, buf, take);
			have += take;
			first[have] = '\0';
		}
	}
	first[strcspn(first, "\n")] = '\0';
}

int
backup_pg_dump(const char *target, const char *path)
{
	char err[PG_DUMP_ERR_MAX], shown[4096];
	int fd = -1, pipefd[2] = { -1, -1 }, status = 0, rc = RC_FAIL;
	pid_t pid;

	dburl_redact(target, shown, sizeof(shown));
	if (strcmp(shown, target) != 0) {
		pinca_warnx("%s carries a password, which pg_dump would show on its command line: "
		    "put it in ~/.pgpass (or $PGPASSFILE) and leave it out of the URL", shown);
		return RC_FAIL;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1) {
		pinca_warn("cannot create %s", path);
		goto out;
	}
	if (pipe2(pipefd, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		pinca_warn("cannot start pg_dump");
		goto fail;
	}
	if (pid == 0)
		backup_pg_child(fd, pipefd[1], target);
	close(pipefd[1]);
	pipefd[1] = -1;
	backup_pg_read_err(pipefd[0], err, sizeof(err));
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		pinca_warnx("cannot run pg_dump: it is not on PATH (Debian: apt install "
		    "postgresql-client)");
		goto fail;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		pinca_warnx("pg_dump of %s failed: %s", shown, err[0] ? err : "no message");
		goto fail;
	}
	if (fsync(fd) == -1) {
		pinca_warn("cannot write %s", path);
		goto fail;
	}
	rc = RC_OK;
	goto out;
fail:
	unlink(path);
out:
	if (fd != -1)
		close(fd);
	if (pipefd[0] != -1)
		close(pipefd[0]);
	if (pipefd[1] != -1)
		close(pipefd[1]);
	return rc;
}
