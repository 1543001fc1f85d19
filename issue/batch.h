/* batch: `issue --batch FILE`: JSON lines in, one JSON result line out per
 * request, in order. A bad request fails alone; good ones are issued. */
#ifndef PINCA_BATCH_H
#define PINCA_BATCH_H

#include "common/err.h"
#include "issue/leaf.h"

/* Requests per transaction: enough to amortise a commit (its WAL sync,
 * the B-tree pages every request of the group touches), few enough that a
 * group's memory (a few KB a request) stays small. A request that fails
 * costs only its own savepoint. A group also ends early when its output
 * files would reach the open-file limit, and after BATCH_GROUP_MS of
 * preparing (slow requests, such as RSA keys made for key_out, still see
 * their results and commits within about a second). */
#define BATCH_GROUP 1024
#define BATCH_GROUP_MS 1000

/* Issues every request of path ("-": stdin), handing one JSON result line
 * per request to report (REPORT_OUT), in order, and flushing it after each
 * group. RC_OK when all succeeded, RC_FAIL when any failed (each failure is
 * in its result line; the error line counts them). */
int batch_issue(struct issuer *is, const char *path, const struct pinca_report *report);

#endif
