/* verify: checks a chain as a server serves it (leaf first, then the
 * intermediates): order, path to a root this CA directory knows, validity,
 * host name, revocation, and the pins of every supported app release. Also
 * fetches the chain a live server sends. */
#ifndef PINCA_VERIFY_H
#define PINCA_VERIFY_H

#include <openssl/x509.h>

#include "ca/context.h"

struct verify_options {
	const char *host;		/* DNS name or IP address to check, or NULL */
	STACK_OF(X509_CRL) *crls;	/* CRLs to check revocation against, or NULL */
	int json;			/* one JSON document instead of lines */
	const struct pinca_report *report;	/* where the findings go */
};

/* Hands one "ok ..." / "FAIL ..." / "skip ..." line per finding to
 * vo->report as REPORT_OUT (or, with vo->json, one indented document
 * {ok, checks, failures, findings[]} as a single REPORT_OUT text).
 * Returns RC_OK when every check passed, RC_FAIL (with an error line
 * counting the failures) otherwise. */
int verify_served_chain(struct ca_context *ctx, STACK_OF(X509) *served,
    const struct verify_options *vo);

/* Connects to HOST:PORT (or [V6]:PORT), sends SNI servername (if a DNS
 * name), and returns the certificates the server sent, leaf first (caller
 * frees with sk_X509_pop_free). Gives up after timeout_sec seconds for the
 * connection and again for the handshake. NULL with a message on failure. */
STACK_OF(X509) *verify_fetch_chain(const char *hostport, const char *servername, int timeout_sec,
    char *host_out, size_t host_size);

#endif
