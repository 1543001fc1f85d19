/* context: an open CA directory (its path and its store), and the questions
 * every command asks of it: which CA signs here, which roots are known, and
 * the signer of a CA held here. */
#ifndef PINCA_CONTEXT_H
#define PINCA_CONTEXT_H

#include <stdint.h>

#include "ca/signer.h"
#include "common/err.h"
#include "db/store.h"

#define PINCA_VERSION "0.1.0"

struct ca_context {
	const char *dir;
	struct store *st;
	/* Where the domain sends the lines of a call that succeeds anyway (the
	 * pin guard's --force warning). NULL after ca_context_open: the lines
	 * are dropped; a command sets &pinca_report_stdio. */
	const struct pinca_report *report;
};

/* Opens the CA directory named by --dir or $PINCA_DIR. Returns RC_OK, or
 * RC_USAGE/RC_FAIL with a message. */
int ca_context_open(const char *flag_dir, struct ca_context *ctx);
void ca_context_close(struct ca_context *ctx);
/* The CA that signs in this directory: the active intermediate whose key is
 * here, else the primary root whose key is here. STORE_NOT_FOUND (with a
 * message) when there is none. */
int ca_find_signing(struct ca_context *ctx, struct ca_record *out);
/* Resolves "root", "standby", "intermediate" or a serial to a CA record. */
int ca_find_named(struct ca_context *ctx, const char *which, struct ca_record *out);
/* Opens the signing key of CA record ca held in directory cadir, as
 * signer_open_ca (ca/signer.h) says. */
struct signer *signer_open(const char *cadir, const struct ca_record *ca,
    const struct pass_source *src, const struct secret *pass, int *rc);
/* One CA as `ca show` describes it: its record, why and when it was
 * retired (a root `ca retire` retired), and where its CRL goes. */
struct ca_description {
	struct ca_record rec;
	int retired;			/* reason and when are set */
	char reason[16], when[32];
	char *crl_url;			/* NULL: none set */
};
/* Fills d for "root", "standby", "intermediate" or a serial. RC_OK, or
 * RC_FAIL (not found: one line) / the look-up's code. The caller clears d. */
int ca_describe(struct ca_context *ctx, const char *which, struct ca_description *d);
void ca_description_clear(struct ca_description *d);
/* A path under the CA directory: DIR/keys/ROLE-PINPREFIX.key, relative part in rel. */
int ca_key_relpath(const char *role, const char *pin, char *rel, size_t size);

#endif
