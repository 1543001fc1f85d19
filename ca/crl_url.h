/* crl_url: where each CA's CRL is published. A CA's URL goes into the CRL
 * distribution point (RFC 5280 4.2.1.13) of every certificate it signs
 * from then on: the root's into its intermediates, an intermediate's into
 * its leaves. `init --crl-url` leaves a default that the CA made next in
 * the directory takes as its own. */
#ifndef PINCA_CRL_URL_H
#define PINCA_CRL_URL_H

#include <stdint.h>

#include "ca/context.h"

/* The setting `init --crl-url` and `ca set-crl-url next` write. */
#define CRL_URL_NEXT_SETTING "crl_url"

/* Checks a CRL URL: http:// (relying parties fetch CRLs over plain HTTP,
 * RFC 5280 4.2.1.13), at most 1024 printable ASCII characters, no space or
 * comma (it is written into a certificate as one URI). Returns 1 when
 * valid, else 0 with *why a phrase saying what is wrong. */
int crl_url_valid(const char *url, const char **why);
/* The URL of the CA with this id: *url new (caller frees) or NULL. */
int ca_crl_url_get(struct ca_context *ctx, int64_t ca_id, char **url);
/* Inside the caller's transaction, for a CA just made: gives it url when
 * not NULL, else the default `init --crl-url` left (if any); the default is
 * used up either way. *taken (may be NULL) receives the URL the CA got, a
 * new string or NULL. RC_OK or RC_FAIL. */
int ca_crl_url_adopt(struct ca_context *ctx, int64_t ca_id, const char *url, char **taken);
/* `ca set-crl-url`: sets url (NULL: none) as the CRL URL of the CA which
 * names ("root", "standby", "intermediate" or a serial; its key must be
 * here) or, for "next", the default of the CA made next, with the audit
 * record, in one transaction. ca receives the CA (zeroed for "next"; the
 * caller clears it). RC_OK, or an RC_* code with one line. */
int ca_crl_url_set(struct ca_context *ctx, const char *which, const char *url,
    struct ca_record *ca);

#endif
