/* commit_group: the server's writes share commits. A request's writes (its
 * "part") run inside a savepoint of the group's open transaction, on the
 * group's own store handle; the first request into an empty group (the
 * leader) waits for the requests already on their way in, then commits them
 * all with one fsync. A part that fails rolls back only its savepoint; a
 * commit that fails fails every part in it. commit_group_run returns only
 * once the part is committed (or not), so a response never promises what a
 * crash could still take back. */
#ifndef PINCA_COMMIT_GROUP_H
#define PINCA_COMMIT_GROUP_H

#include <pthread.h>
#include <stdint.h>

#include "common/err.h"

#include "ca/context.h"
#include "db/store.h"

/* commit_group_run's answer when the part ran, but the commit of its group
 * failed: nothing of it was recorded. */
#define COMMIT_GROUP_LOST 16
/* At most this many parts in one transaction. */
#define COMMIT_GROUP_MAX 64

struct commit_member;

struct commit_group {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_mutex_t *writer;	/* the process's writer lock (store_set_writer_lock) */
	int cache_kib;			/* page cache of the group's handle */
	struct store *st;		/* the group's handle, opened on first use */
	int arrivals;			/* threads on their way in (atomic) */
	int beginning;			/* a leader is beginning one (waiting for the writer lock) */
	int open;			/* a transaction is open on st */
	int closed;			/* it takes no more parts: its leader commits */
	int size;			/* parts in it that succeeded */
	struct commit_member *members;	/* their threads, to wake after the commit */
	uint64_t commits, parts;	/* totals: transactions committed, parts in them */
	const struct pinca_report *log;	/* the server's log (a failed commit's line); NULL: none */
};

/* Prepares g; the group's handle is opened later, on the path of the first
 * caller's store, and takes writer in store_begin. RC_OK or RC_FAIL. */
int commit_group_init(struct commit_group *g, pthread_mutex_t *writer, int cache_kib);
/* Closes the group's handle (no part may be running). */
void commit_group_free(struct commit_group *g);

/* Runs part(st, arg) in the group's next transaction, inside its own
 * savepoint, and returns once that transaction is committed. While the part
 * runs, ctx->st (the caller's own context) points at the group's handle, so
 * domain functions that write through a context write into the group.
 * Returns RC_OK (committed), the part's own non-zero return (its savepoint
 * rolled back; RC_FAIL also closes the group, as the store may have lost the
 * transaction), COMMIT_GROUP_LOST (the group's commit failed; *group says
 * how many parts it held), or RC_FAIL when no transaction could start (one
 * line printed). group may be NULL. */
int commit_group_run(struct commit_group *g, struct ca_context *ctx,
    int (*part)(struct store *st, void *arg), void *arg, int *group);

#endif
