/* crl_make: one CRL of a CA held here, as `pinca crl` makes it: its
 * dates, then built, signed and recorded with its audit record in one
 * transaction (revoke/crl_make.c). Writing it out is the caller's. */
#ifndef PINCA_CRL_MAKE_H
#define PINCA_CRL_MAKE_H

#include "ca/context.h"
#include "common/secret.h"
#include "revoke/crl.h"

/* Sets req's dates and scope for ca: thisUpdate now, nextUpdate days later
 * (0: CRL_DAYS_INTERMEDIATE or CRL_DAYS_ROOT by its role) but never past
 * the CA's notAfter, and a root's CRL lists only CA certificates. */
void crl_request_for(struct crl_request *req, const struct ca_record *ca, long days, int64_t now);
/* Opens ca's signer (the passphrase or PIN from src), then builds, signs
 * and records the CRL for req (its number taken inside the transaction).
 * RC_OK with c filled (the caller clears it), or an RC_* code with one line. */
int crl_make_signed(struct ca_context *ctx, const struct ca_record *ca,
    const struct pass_source *src, struct crl_request *req, struct crl *c);

#endif
