/* dbcheck: `db check` without the command line: the database's own
 * integrity, every CA and certificate row against the DER it was made from,
 * every signature against its issuer, every revocation against the
 * certificate it names, and the audit chain. It lives in the domain, above
 * the store, because it parses certificates, which db/ never does. */
#ifndef PINCA_DBCHECK_H
#define PINCA_DBCHECK_H

#include "db/store.h"

struct check_ca;

struct db_check {
	struct store *st;
	const char *dir;	/* the CA directory, for the file checks; NULL: skip them */
	/* Called once per problem with one line of text (no newline); a
	 * non-zero return stops the check and is returned. */
	int (*report)(const char *problem, void *arg);
	void *arg;
	/* counts, filled by db_check_run */
	long cas, certificates, revocations, audit_records, problems;
	/* internal: the CA certificates, kept parsed for the leaves' signatures */
	struct check_ca *ca;
	size_t nca;
};

/* Runs every check, streaming the certificates (never all in memory).
 * Failures of the store while reading (a damaged page) are problems, not
 * errors. Returns RC_OK when the check ran to the end (c->problems says what
 * it found), or the report callback's non-zero return. */
int db_check_run(struct db_check *c);
/* The file checks (ca/dbcheck_files.c): keys/ and the CA directory 0700,
 * every held CA key present and 0600. Run by db_check_run. */
int db_check_files(struct db_check *c);
/* `db check --crl FILE` (ca/dbcheck_crl.c): every serial the CRL in path
 * (PEM or DER) lists must be revoked in the store; each one that is not is
 * a problem (a restore that lost revocations). *entries counts the CRL's
 * entries. RC_OK when the check ran (see c->problems), RC_FAIL (message
 * printed) when the CRL cannot be read. */
int db_check_crl(struct db_check *c, const char *path, long *entries);

#endif
