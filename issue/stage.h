/* stage: durable, atomic writes of a batch group's files with one filesystem
 * sync for the group instead of two fsyncs per file. */
#ifndef PINCA_STAGE_H
#define PINCA_STAGE_H

#include <stddef.h>
#include <sys/types.h>

struct stage_file {
	char *path, *tmp, *dir;
	int fd;			/* open until stage_sync (an unnamed file: until linked) */
	int unnamed;		/* O_TMPFILE: no name until stage_rename links it */
	int direct;		/* a device or FIFO, written in place by stage_add */
	dev_t dev;
	int owner;		/* the caller's index (a batch slot) */
	int failed;
};

struct stage {
	struct stage_file *f;
	size_t n, cap;
};

/* Writes data to a new temporary file beside path (mode, O_EXCL), without
 * syncing. abs is path with its directory resolved (leaf_abs_path), or
 * NULL. Records the error line and returns RC_FAIL on error. */
int stage_add(struct stage *s, const char *path, const char *abs, const void *data, size_t len,
    mode_t mode, int owner);
/* syncfs() once per filesystem the staged files live on. On failure records
 * the error line and marks every file failed. */
int stage_sync(struct stage *s);
/* Renames file i into place (after stage_sync). Records the error line on error. */
int stage_rename(struct stage *s, size_t i);
/* fsync()s each directory that received a renamed file, once; a failure
 * marks that directory's files failed (one line printed per directory). */
void stage_sync_dirs(struct stage *s);
/* Closes, unlinks leftover temporaries and frees everything. */
void stage_clear(struct stage *s);

#endif
