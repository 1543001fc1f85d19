/* test_commit_group: the server's group commit (acme/commit_group.c) on a
 * real database with one store handle per thread, as the server has them.
 * Eight threads held at the writer lock go into one commit; parts that
 * write and then fail leave nothing, the others all commit, the audit chain
 * stays whole, and each part ran on the group's handle through its own
 * context. A transaction the store loses fails every part that was in it,
 * and only those: what each caller was told matches what is stored. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acme/commit_group.h"
#include "common/err.h"
#include "tests/unit/unit.h"

#define THREADS 8

/* One caller: its own handle and context, what its part does, and what
 * commit_group_run said. */
struct caller {
	struct commit_group *g;
	struct ca_context ctx;
	int index;
	int fail_with;		/* the part's return after writing (RC_OK: none) */
	int lose_tx;		/* the part rolls the whole transaction back */
	int wait_arrivals;	/* the part holds the group until this many arrived */
	int on_group_handle;	/* ctx->st was the group's handle during the part */
	int in_part;		/* the part has started (atomic) */
	int rc, group;
};

/* Waits (bounded: 5 s) until *counter is at least n. */
static int
wait_at_least(int *counter, int n)
{
	for (int i = 0; i < 500; i++) {
		if (__atomic_load_n(counter, __ATOMIC_SEQ_CST) >= n)
			return 1;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return 0;
}

/* Waits (bounded) until n threads are on their way into g. */
static int
wait_arrivals(struct commit_group *g, int n)
{
	return wait_at_least(&g->arrivals, n);
}

/* The part: a setting and an audit record, then the caller's outcome. */
static int
part_write(struct store *st, void *arg)
{
	struct caller *c = arg;
	char key[32];
	json_t *objs = json_pack("{s:i}", "caller", c->index);
	int rc;

	__atomic_store_n(&c->in_part, 1, __ATOMIC_SEQ_CST);
	c->on_group_handle = c->ctx.st == st;
	snprintf(key, sizeof(key), "group-test-%d", c->index);
	rc = store_setting_set(st, key, "written");
	if (rc == RC_OK)
		rc = store_audit(st, "group-test", objs);
	json_decref(objs);
	if (c->lose_tx)
		store_rollback(st);	/* as SQLite does on some I/O errors */
	if (c->wait_arrivals)
		wait_arrivals(c->g, c->wait_arrivals);
	return rc != RC_OK ? rc : c->fail_with;
}

static void *
caller_run(void *arg)
{
	struct caller *c = arg;

	c->rc = commit_group_run(c->g, &c->ctx, part_write, c, &c->group);
	return NULL;
}

/* Whether caller i's setting is in the database (read on handle st). */
static int
stored(struct store *st, int i)
{
	char key[32], *v = NULL;
	int there;

	snprintf(key, sizeof(key), "group-test-%d", i);
	there = store_setting_get(st, key, &v) == RC_OK && v != NULL;
	free(v);
	return there;
}

/* Counts the "group-test" audit records and the ones whose hash is wrong. */
struct audit_count {
	int records, broken;
};

static int
count_audit(const struct audit_record *r, int ok, void *arg)
{
	struct audit_count *ac = arg;

	if (strcmp(r->action, "group-test") == 0)
		ac->records++;
	ac->broken += !ok;
	return 0;
}

/* Opens n callers' handles on db. */
static int
callers_open(struct caller *c, int n, struct commit_group *g, const char *db)
{
	memset(c, 0, sizeof(*c) * (size_t)n);
	for (int i = 0; i < n; i++) {
		c[i].g = g;
		c[i].index = i;
		if (store_open(db, 0, &c[i].ctx.st) != RC_OK)
			return 0;
	}
	return 1;
}

static void
callers_close(struct caller *c, int n)
{
	for (int i = 0; i < n; i++)
		store_close(c[i].ctx.st);
}

/* Eight callers held at the writer lock while they arrive: one group. */
static void
test_one_group(const char *db, struct store *reader)
{
	struct commit_group g;
	struct caller c[THREADS];
	pthread_t th[THREADS];
	pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;
	struct audit_count ac = { 0, 0 };
	int ok = 1, stores_match = 1;

	CHECK(commit_group_init(&g, &writer, 0) == RC_OK, "a group starts");
	CHECK(callers_open(c, THREADS, &g, db), "eight handles open");
	c[3].fail_with = RC_POLICY;		/* writes, then is refused */
	c[5].fail_with = STORE_CONSTRAINT;
	pthread_mutex_lock(&writer);		/* the first caller waits here, group open */
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, caller_run, &c[i]);
	CHECK(wait_arrivals(&g, THREADS), "all eight arrive while the writer lock is held");
	pthread_mutex_unlock(&writer);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		int want = i == 3 ? RC_POLICY : i == 5 ? STORE_CONSTRAINT : RC_OK;
		ok &= c[i].rc == want && c[i].on_group_handle && c[i].ctx.st != g.st &&
		    c[i].group == (want == RC_OK ? THREADS - 2 : 0);
		stores_match &= stored(reader, i) == (want == RC_OK);
	}
	CHECK(ok, "six parts committed in a group of six; the two refused got their own codes");
	CHECK(g.commits == 1 && g.parts == THREADS - 2, "one commit for the eight callers");
	CHECK(stores_match, "the refused parts' writes are rolled back, the others' stored");
	CHECK(store_audit_each(reader, count_audit, &ac) == RC_OK && ac.records == THREADS - 2 &&
	    ac.broken == 0, "six audit records, the chain whole across the rolled-back parts");
	CHECK(pthread_mutex_trylock(&writer) == 0, "the writer lock is free after the commit");
	pthread_mutex_unlock(&writer);
	callers_close(c, THREADS);
	commit_group_free(&g);
}

/* A part loses the transaction: every part in it fails, later callers go
 * into the next group. */
static void
test_lost_transaction(const char *db, struct store *reader)
{
	struct commit_group g;
	struct caller c[3];
	pthread_t th[3];
	int lines, matches = 1;

	CHECK(commit_group_init(&g, NULL, 0) == RC_OK, "a second group starts");
	g.log = &pinca_report_stdio;	/* the server's log: stderr, as pinca serve's */
	CHECK(callers_open(c, 3, &g, db), "three handles open");
	for (int i = 0; i < 3; i++)
		c[i].index = 10 + i;
	/* The leader holds its group until the second caller arrived; the
	 * second loses the transaction and holds on until the third arrived,
	 * which starts only once the second's part runs: the third comes
	 * while the lost group is still open. */
	c[0].wait_arrivals = 2;
	c[1].lose_tx = 1;
	c[1].wait_arrivals = 2;
	unit_stderr_begin();
	pthread_create(&th[0], NULL, caller_run, &c[0]);
	wait_arrivals(&g, 1);
	pthread_create(&th[1], NULL, caller_run, &c[1]);
	wait_at_least(&c[1].in_part, 1);
	pthread_create(&th[2], NULL, caller_run, &c[2]);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	lines = unit_stderr_end();
	CHECK(c[0].rc == COMMIT_GROUP_LOST && c[0].group == 1,
	    "the leader's part: its group's commit failed");
	CHECK(c[1].rc == RC_FAIL, "the part that lost the transaction failed");
	CHECK(c[2].rc == RC_OK && c[2].group == 1,
	    "the part that came after the loss went into the next group, which committed");
	for (int i = 0; i < 3; i++)
		matches &= stored(reader, 10 + i) == (c[i].rc == RC_OK);
	CHECK(matches, "what each caller was told matches what is stored");
	CHECK(lines >= 1 && strstr(unit_err, "the commit of a group of") != NULL,
	    "the failed commit is logged");
	callers_close(c, 3);
	commit_group_free(&g);
}

int
main(void)
{
	struct store *st = NULL;
	const char *db;

	unit_tmpdir();
	db = unit_path(0, "pinca.db");
	CHECK(store_open(db, 1, &st) == RC_OK, "a database");
	if (st == NULL)
		return unit_finish();
	test_one_group(db, st);
	test_lost_transaction(db, st);
	store_close(st);
	return unit_finish();
}
