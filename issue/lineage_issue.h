/* lineage_issue: one certificate for a lineage named by a caller that holds
 * only a public key (an ACME finalize, the server's own TLS certificate):
 * the first certificate makes the lineage, later ones renew it, and a new
 * key passes the pin guard exactly as `pinca renew --new-key` does. */
#ifndef PINCA_LINEAGE_ISSUE_H
#define PINCA_LINEAGE_ISSUE_H

#include "issue/leaf.h"

/* Builds, lints and signs the leaf for req (name, profile, names, days, pub
 * and key_type set), then in one transaction creates or renews the lineage
 * req->name, records the certificate and appends the audit record (action
 * "issue" or "renew", with "via": via). The certificate is committed before
 * this returns. RC_OK with *res filled; RC_POLICY (a lint, the pin guard,
 * names that differ from the lineage's) or RC_FAIL, the one line already
 * reported through pinca_warnx. *renewed says which of the two it was. */
int lineage_issue(struct issuer *is, struct leaf_request *req, const char *via, int *renewed,
    struct leaf_result *res);

/* Like lineage_issue, and in_tx(st, arg, res) runs inside the same
 * transaction after the certificate is recorded: its writes commit with the
 * certificate in one commit, or (it returns non-zero) nothing commits and
 * that value is returned. */
int lineage_issue_with(struct issuer *is, struct leaf_request *req, const char *via, int *renewed,
    struct leaf_result *res, int (*in_tx)(struct store *st, void *arg, const struct leaf_result *res),
    void *arg);

/* The recording half of lineage_issue_with, for a caller that signed res
 * itself (leaf_build, outside any transaction) and holds the transaction
 * (the ACME server's group commit): creates or renews the lineage
 * req->name, records the certificate (signing again on a serial collision)
 * and appends the audit record. dns_json and ip_json are req's names as
 * leaf_request_names_json gives them. RC_OK, RC_POLICY or RC_FAIL, the one
 * line reported through pinca_warnx. */
int lineage_issue_record(struct issuer *is, struct leaf_request *req, const char *via,
    int *renewed, struct leaf_result *res, const char *dns_json, const char *ip_json);

#endif
