/* presign: root CRLs made in advance at a ceremony (`crl --presign N`), so
 * the offline root need not come out every year just to renew its CRL; and
 * the rule that a later revocation by that root voids the ones not yet
 * published (they do not list it, and would un-revoke it). */
#ifndef PINCA_PRESIGN_H
#define PINCA_PRESIGN_H

#include <stdint.h>

#include "ca/signer.h"
#include "db/store.h"
#include "revoke/crl.h"

#define PRESIGN_MAX 20		/* 20 CRLs of a year overlap: about 18 years */
#define PRESIGN_OVERLAP_DAYS 30	/* consecutive windows overlap by this much */
#define PRESIGN_DAYS_MIN 31
#define PRESIGN_DAYS_MAX 365	/* CA/B BR: a root's CRL is at most 12 months long */

/* One CRL of the series. */
struct presign_item {
	struct crl_request req;
	struct crl crl;
	char path[4096];
};

/* Fills the dates of items[0..n): CRL k (from 1) is valid from
 * now + (k-1)(days-30) days for days days, cut at the CA's notAfter; and
 * its file DIR/ROLE-crl-K.pem, which must not exist. RC_OK, or RC_FAIL
 * (message printed) when a CRL would start after the CA expires or a file
 * is already there. */
int crl_presign_plan(const char *out_dir, const char *role, int64_t now, long days,
    int64_t ca_not_after, int n, struct presign_item *items);
/* Builds, signs and records the n CRLs with consecutive numbers (the first
 * as crl_number_next gives it), as CRLs and as pre-signed ones, with one
 * audit record, in one transaction. RC_OK or RC_FAIL (message printed; the
 * CRLs already built are freed). */
int crl_presign_make(struct store *st, struct signer *sg, int n, struct presign_item *items);
/* Calls fn for each pre-signed CRL of the CA that a revocation made after it
 * has voided and that is not yet past its nextUpdate: it lists fewer
 * revocations than the CA has now. A non-zero return from fn stops. */
int crl_presigned_void_each(struct store *st, int64_t ca_id, int64_t now,
    int (*fn)(const struct presigned_crl *, void *), void *arg);

#endif
