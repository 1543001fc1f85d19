/* commit_group: group commit for the server's writes (see commit_group.h).
 *
 * The group's transaction lives on one store handle that the requests'
 * threads use in turn, under g->mu: a part runs while its thread holds
 * g->mu, and the leader commits with g->mu released but the group closed,
 * so no part touches the handle meanwhile. The leader is the thread that
 * began the transaction; it also ends it, so the process's writer lock
 * (taken by store_begin, released by store_commit) is locked and unlocked
 * by one thread. Requests that arrive while a group commits wait for it and
 * then make up the next group together: the more requests queue behind one
 * fsync, the more share the next. */
#include <stdio.h>
#include <string.h>

#include "acme/commit_group.h"
#include "common/err.h"

/* A part that succeeded, waiting for its group's commit. */
struct commit_member {
	struct commit_member *next;
	int done;
	int rc;		/* RC_OK or COMMIT_GROUP_LOST */
	int size;	/* parts in its group */
};

int
commit_group_init(struct commit_group *g, pthread_mutex_t *writer, int cache_kib)
{
	memset(g, 0, sizeof(*g));
	g->writer = writer;
	g->cache_kib = cache_kib;
	if (pthread_mutex_init(&g->mu, NULL) != 0)
		return RC_FAIL;
	if (pthread_cond_init(&g->cv, NULL) != 0) {
		pthread_mutex_destroy(&g->mu);
		return RC_FAIL;
	}
	return RC_OK;
}

void
commit_group_free(struct commit_group *g)
{
	store_close(g->st);
	g->st = NULL;
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

/* Opens the group's handle on the database of own (the first caller's
 * handle), with its audit command line. Called with g->mu held. */
static int
commit_group_open(struct commit_group *g, struct store *own)
{
	struct store *st = NULL;

	if (store_open(store_path(own), 0, &st) != RC_OK)
		return RC_FAIL;
	if (store_set_audit_command(st, store_audit_command(own)) != RC_OK ||
	    (g->cache_kib > 0 && store_set_cache_kib(st, g->cache_kib) != RC_OK)) {
		store_close(st);
		return RC_FAIL;
	}
	if (g->writer)
		store_set_writer_lock(st, g->writer);
	g->st = st;
	return RC_OK;
}

/* Runs one part in its savepoint, with ctx->st pointing at the group's
 * handle meanwhile. Called with g->mu held and the transaction open.
 * Returns the part's value, or RC_FAIL when a savepoint statement failed. */
static int
commit_group_part(struct commit_group *g, struct ca_context *ctx,
    int (*part)(struct store *st, void *arg), void *arg)
{
	struct store *own = ctx->st;
	int rc;

	if (store_savepoint(g->st) != RC_OK)
		return RC_FAIL;
	ctx->st = g->st;
	rc = part(g->st, arg);
	ctx->st = own;
	if (rc == RC_OK && store_savepoint_release(g->st) != RC_OK)
		rc = RC_FAIL;
	if (rc != RC_OK)
		store_savepoint_rollback(g->st);
	return rc;
}

/* The leader's end of a group: waits (g->mu held) for the threads on their
 * way in, closes the group, commits it (g->mu released: the group is
 * closed, so nobody else touches the handle), and wakes its members.
 * Returns the commit's result: RC_OK or COMMIT_GROUP_LOST. */
static int
commit_group_commit(struct commit_group *g)
{
	struct commit_member *m;
	int rc = RC_OK, n;

	while (!g->closed && __atomic_load_n(&g->arrivals, __ATOMIC_SEQ_CST) > 0)
		pthread_cond_wait(&g->cv, &g->mu);
	g->closed = 1;
	n = g->size;
	pthread_mutex_unlock(&g->mu);
	if (n == 0)
		store_rollback(g->st);	/* every part failed: nothing to make durable */
	else if (store_commit(g->st) != RC_OK)
		rc = COMMIT_GROUP_LOST;
	pthread_mutex_lock(&g->mu);
	if (rc != RC_OK)
		pinca_report(g->log, REPORT_LOG, "pinca-serve: the commit of a group of %d requests "
		    "failed; each was answered serverInternal and nothing of them was recorded", n);
	for (m = g->members; m; m = m->next) {
		m->done = 1;
		m->rc = rc;
		m->size = n;
	}
	if (rc == RC_OK && n > 0) {
		g->commits++;
		g->parts += (uint64_t)n;
	}
	g->members = NULL;
	g->size = 0;
	g->open = g->closed = 0;
	pthread_cond_broadcast(&g->cv);
	return rc;
}

/* Makes sure a transaction is open for the caller (g->mu held): opens the
 * handle on first use and begins one when none is. store_begin runs with
 * g->mu released, so the writer lock is always taken before g->mu, never
 * while holding it. *leader is set when the caller began it. RC_OK or
 * RC_FAIL (one line printed). */
static int
commit_group_enter(struct commit_group *g, struct ca_context *ctx, int *leader)
{
	int rc;

	*leader = 0;
	while (g->closed || g->beginning)
		pthread_cond_wait(&g->cv, &g->mu);
	if (g->open)
		return RC_OK;
	if (g->st == NULL && commit_group_open(g, ctx->st) != RC_OK)
		return RC_FAIL;
	g->beginning = 1;
	pthread_mutex_unlock(&g->mu);
	rc = store_begin(g->st);
	pthread_mutex_lock(&g->mu);
	g->beginning = 0;
	pthread_cond_broadcast(&g->cv);
	if (rc != RC_OK)
		return RC_FAIL;
	g->open = 1;
	*leader = 1;
	return RC_OK;
}

int
commit_group_run(struct commit_group *g, struct ca_context *ctx,
    int (*part)(struct store *st, void *arg), void *arg, int *group)
{
	struct commit_member me = { NULL, 0, RC_OK, 0 };
	int leader, rc;

	if (group)
		*group = 0;
	__atomic_add_fetch(&g->arrivals, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&g->mu);
	rc = commit_group_enter(g, ctx, &leader);
	if (rc == RC_OK)
		rc = commit_group_part(g, ctx, part, arg);
	__atomic_sub_fetch(&g->arrivals, 1, __ATOMIC_SEQ_CST);
	if (rc == RC_OK) {
		me.next = g->members;
		/* me stays listed only until its group's commit marks it done,
		 * which this thread waits for before it returns. */
		/* cppcheck-suppress autoVariables ; unlisted before the return */
		g->members = &me;
		if (++g->size >= COMMIT_GROUP_MAX)
			g->closed = 1;
	} else if (rc == RC_FAIL && g->open) {
		g->closed = 1;	/* the store may have lost the transaction: commit what is there */
	}
	if (leader) {
		int crc = commit_group_commit(g);
		if (rc == RC_OK)
			rc = crc;
	} else {
		pthread_cond_broadcast(&g->cv);	/* the leader may be waiting for this part */
		while (rc == RC_OK && !me.done)
			pthread_cond_wait(&g->cv, &g->mu);
		if (rc == RC_OK)
			rc = me.rc;
	}
	pthread_mutex_unlock(&g->mu);
	if (group)
		*group = me.size;
	return rc;
}
