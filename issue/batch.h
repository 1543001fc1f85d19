/* batch: `issue --batch FILE`: JSON lines in, one JSON result line out per
 * request, in order. A bad request fails alone; good ones are issued. */
#ifndef PINCA_BATCH_H
#define PINCA_BATCH_H

#include "issue/leaf.h"

/* Requests per transaction: enough to amortise the fsync of a commit,
 * few enough that a failure costs little. */
#define BATCH_GROUP 256

/* Issues every request of path ("-": stdin). RC_OK when all succeeded,
 * RC_FAIL when any failed (each failure is in its result line). */
int batch_issue(struct issuer *is, const char *path);

#endif
