/* lineage_issue: the one place a leaf is recorded for a lineage by name.
 * For a caller that holds only a public key (an ACME finalize, the server's
 * own TLS certificate), lineage_issue: the first certificate makes the
 * lineage, later ones renew it, and a new key passes the pin guard exactly
 * as `pinca renew --new-key` does. `pinca issue` and each line of `issue
 * --batch` (issue/job.c) record through lineage_issue_record inside their
 * own transaction or savepoint, with new_only and the lineage's files. */
#ifndef PINCA_LINEAGE_ISSUE_H
#define PINCA_LINEAGE_ISSUE_H

#include "issue/leaf.h"

/* How a leaf is recorded for a lineage (lineage_issue_record). */
struct lineage_issue_opts {
	const char *via;		/* audit "via" (lineage_issue's callers) */
	int new_only;			/* pinca issue: refuse a lineage recorded already */
	const char *key_source;		/* pinca issue: "csr" or "generated", its audit form */
	const char *key_path, *cert_path, *chain_path, *fullchain_path;	/* the lineage's files */
};

/* Inside the caller's transaction (or savepoint): records res, a leaf built
 * and signed for req (leaf_build), for the lineage req->name. A new name
 * makes the lineage (with opts' files); an existing one is renewed (same
 * names, a new key through the pin guard) unless opts->new_only refuses
 * it. Then the certificate (signed afresh on a serial collision) and the
 * audit record ("issue" or "renew"). Sets *renewed and *lineage_id. RC_OK,
 * RC_POLICY or RC_FAIL with the one line reported. */
int lineage_issue_record(struct issuer *is, struct leaf_request *req,
    const struct lineage_issue_opts *opts, int *renewed, int64_t *lineage_id,
    struct leaf_result *res);

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

#endif
