/* fileio: files written whole or not at all (temp file, fsync, rename, fsync
 * of the directory), and bounded reads. */
#ifndef PINCA_FILEIO_H
#define PINCA_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Whether path must be written in place rather than replaced by a rename:
 * it exists and is neither a regular file nor a directory (a device such as
 * /dev/null, a FIFO, the pipe behind /dev/stdout), or its directory is
 * /dev, /proc or below them, by whatever path (/dev/stdout leads to
 * whatever standard output is). */
int file_is_special(const char *path);
/* The same for a path whose directory is already resolved (realpath of the
 * directory, then the file's name): no second realpath. */
int file_is_special_resolved(const char *abs);
/* Whether path is the file standard output is (/dev/stdout, or the same
 * file by another name). */
int file_is_stdout(const char *path);
/* Writes data into such a path as it is (opened for writing, created with
 * mode if missing, truncated; no temporary, no rename, no sync). Prints one
 * line and returns RC_FAIL on error. */
int file_write_special(const char *path, const void *data, size_t len, mode_t mode);
/* Writes data to path atomically with the given mode. With no_clobber an
 * existing path is an error and is never replaced (the temp file is linked
 * into place, which fails if the name exists). An existing special file
 * (file_is_special) is written in place instead. Returns RC_OK or RC_FAIL
 * (message printed); on failure nothing is left at path or beside it. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    int no_clobber);
/* Reads a whole file of at most max bytes into a new buffer (caller frees,
 * NUL-terminated). Returns RC_OK or RC_FAIL (message printed). */
int file_read_all(const char *path, size_t max, unsigned char **data, size_t *len);
/* Checks that the directory that would hold path exists; prints and returns
 * RC_FAIL if not. Used before any state changes, so a bad --out changes nothing. */
int file_check_parent(const char *path);
/* The temporary name number attempt (0..FILE_TEMP_ATTEMPTS) for path: the
 * path, ".tmp.", the pid and the attempt. 0, or -1 with errno ENAMETOOLONG. */
#define FILE_TEMP_ATTEMPTS 100
int file_temp_name(const char *path, int attempt, char *tmp, size_t size);
/* Creates a temporary file beside path for an atomic write: a name no other
 * writer picks (pid and a counter, O_EXCL, O_NOFOLLOW), with exactly mode
 * whatever the umask. Its name goes to tmp. Returns the descriptor, or -1
 * with errno set and nothing printed (the caller names the file it meant). */
int file_temp_open(const char *path, mode_t mode, char *tmp, size_t size);
/* fsyncs the directory holding path, so a rename or link into it is durable. */
int file_sync_parent(const char *path);
/* What an output must not replace in a CA directory (file_guard_check):
 * the directory resolved once, and its database's device and inode. */
struct file_guard {
	char cadir[4096];	/* realpath of the CA directory, "" if unknown */
	dev_t db_dev;
	ino_t db_ino;
	int have_db;
};
void file_guard_init(struct file_guard *g, const char *ca_dir);
/* Whether the regular file at path holds a PEM private key (any label
 * ending in "PRIVATE KEY") in its first 64 KiB. */
int file_holds_private_key(const char *path);
/* Checks an output path before anything is written: records the error line and
 * returns RC_FAIL if it would replace one of the CA directory's own files
 * (pinca.db and its -wal/-shm/-journal, anything under keys/, any file
 * already in the directory; by any path, hard links included) or, unless
 * allow_key, an existing file holding a private key. abs is path with its
 * directory resolved (realpath of the directory, then the name), or NULL to
 * resolve it here. Devices and FIFOs (file_is_special) pass. */
int file_guard_check(const struct file_guard *g, const char *path, const char *abs,
    int allow_key);
/* Checks that a private key file and the directory holding it are closed to
 * group and others (the file 0600 or stricter, the directory 0700), so a key
 * another user could read or replace is never used. RC_OK, or RC_FAIL with
 * one line naming the mode and the chmod that fixes it. what names the key. */
int file_check_private(const char *path, const char *what);
/* Creates a directory with mode; an existing one is an error when exclusive. */
int dir_create(const char *path, mode_t mode, int exclusive);

#endif
