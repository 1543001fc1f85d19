/* outputs: the files one command (an issue, a batch, a renew run) will
 * write, checked before anything is signed: no two outputs are the same file
 * (by resolved path, or by device and inode when the file exists), no output
 * replaces a file holding a private key or one of the CA directory's own
 * files, and each output's directory takes a new file. */
#ifndef PINCA_OUTPUTS_H
#define PINCA_OUTPUTS_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/fileio.h"

enum out_kind {
	OUT_NEW_KEY,	/* a new key: nothing may be there yet */
	OUT_FILE,	/* a certificate: may replace a file with no private key */
	OUT_CHAIN,	/* a chain: as OUT_FILE, and may be another chain output (same bytes) */
	OUT_OWN_KEY,	/* a lineage's own key (kept, or rotated by renew --new-key) */
};

struct out_set {
	char **slot;		/* open addressing: resolved paths and "dev:ino" keys */
	size_t cap, n;
	struct file_guard guard;	/* the CA directory's files */
};

/* Starts an empty set for the CA directory ca_dir. */
int out_set_init(struct out_set *s, const char *ca_dir);
void out_set_clear(struct out_set *s);
/* Checks output path (abs: the same with its directory resolved, as
 * leaf_abs_path gives it) and adds it to s. Records the error line and returns
 * RC_FAIL when it collides with an output already in s, with a file holding
 * a private key (unless kind allows it), with the CA directory's files, or
 * is a directory. Chain outputs may share a file: they all hold the same
 * intermediate(s). Devices and FIFOs (file_is_special) pass unchecked. */
int out_claim(struct out_set *s, const char *path, const char *abs, enum out_kind kind);
/* Whether path's directory exists and takes a new file (a temporary file
 * is created there and removed). Records the error line and returns RC_FAIL
 * if not. */
int out_probe_dir(const char *path);

#endif
