/* batch: `issue --batch FILE`: JSON lines in, one JSON result line out per
 * request, in order. A bad request fails alone; good ones are issued. */
#ifndef PINCA_BATCH_H
#define PINCA_BATCH_H

#include "issue/leaf.h"

/* Requests per transaction: enough to amortise a commit (its WAL sync,
 * the B-tree pages every request of the group touches), few enough that
 * results come back in well under a second and a group's memory (about
 * 5 KB a request) stays small. A request that fails costs only its own
 * savepoint. A group also ends early when its output files would reach the
 * open-file limit (issue/batch.c). */
#define BATCH_GROUP 1024

/* Issues every request of path ("-": stdin). RC_OK when all succeeded,
 * RC_FAIL when any failed (each failure is in its result line). */
int batch_issue(struct issuer *is, const char *path);

#endif
