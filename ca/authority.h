/* authority: building CA certificates (roots and intermediates) and recording
 * them, and the ceremony transcript that proves what was made. */
#ifndef PINCA_AUTHORITY_H
#define PINCA_AUTHORITY_H

#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "ca/cert.h"
#include "ca/constraints_choice.h"
#include "ca/context.h"
#include "ca/keys.h"
#include "ca/signer.h"
#include "common/opts.h"

#define ROOT_DEFAULT_DAYS 7300		/* 20 years */
#define INTERMEDIATE_DEFAULT_DAYS 1826	/* 5 years */
#define MAX_PERMIT_DNS 32
#define MAX_PERMIT_IP 32

/* What an intermediate certificate should say. */
struct intermediate_params {
	const char *cn;
	long days;
	const char *permit_dns[MAX_PERMIT_DNS];
	int npermit;
	struct permit_ip permit_ip[MAX_PERMIT_IP];
	int npermit_ip;
	int no_constraints;		/* --no-constraints: drop the previous ones */
	NAME_CONSTRAINTS *nc;		/* what goes in (constraints_choose), or NULL */
	const char *crl_url;		/* CRL distribution point of the root, or NULL */
};

/* Options every command that makes an intermediate takes (ca intermediate,
 * ca sign): ids above any command's own. */
enum { OPT_CA_DAYS = 60, OPT_CA_PERMIT_DNS, OPT_CA_ROOT, OPT_CA_PERMIT_IP, OPT_CA_NO_CONSTRAINTS };
#define OPT_SPEC_CA_DAYS { "days", 1, OPT_CA_DAYS, "N", "validity in days (default 1826, 5 years; never past the root)" }
#define OPT_SPEC_CA_PERMIT_DNS { "permit-dns", 1, OPT_CA_PERMIT_DNS, "DOMAIN", "name constraint: leaves only under DOMAIN (repeatable)" }
#define OPT_SPEC_CA_PERMIT_IP { "permit-ip", 1, OPT_CA_PERMIT_IP, "CIDR", "name constraint: IP leaves only in CIDR (repeatable); without it every IP is excluded" }
#define OPT_SPEC_CA_NO_CONSTRAINTS { "no-constraints", 0, OPT_CA_NO_CONSTRAINTS, NULL, "drop the previous intermediate's name constraints on purpose" }
#define OPT_SPEC_CA_ROOT { "root", 1, OPT_CA_ROOT, "WHICH", "sign with the 'primary' (default) or 'standby' root" }
/* The options of a command that has a root sign an intermediate: --days,
 * --permit-dns, --permit-ip, --no-constraints, --root, in that order. */
#define OPT_SPEC_CA_SIGNING OPT_SPEC_CA_DAYS, OPT_SPEC_CA_PERMIT_DNS, OPT_SPEC_CA_PERMIT_IP, \
	OPT_SPEC_CA_NO_CONSTRAINTS, OPT_SPEC_CA_ROOT
/* Applies one of those options to p (and *which_root: "root" or "standby").
 * Returns 1 when the id was one of them, 0 when not, RC_USAGE (message
 * printed) when its value is wrong. */
int intermediate_option(const struct cmd_help *help, struct intermediate_params *p,
    const char **which_root, int id, const char *arg);
/* Checks those options together once all are read: RC_OK, or RC_USAGE
 * (message printed) when --no-constraints comes with --permit-dns/-ip. */
int intermediate_options_check(const struct cmd_help *help, const struct intermediate_params *p);

/* Builds and signs a self-signed root certificate for key. Caller frees. */
X509 *root_build(EVP_PKEY *key, const char *cn, long days, char serial[SERIAL_HEX_MAX]);
/* The same, signed by sg (a key on a token, whose public half is key); a
 * NULL sg signs with key itself. */
X509 *root_build_with(struct signer *sg, EVP_PKEY *key, const char *cn, long days,
    char serial[SERIAL_HEX_MAX]);
/* Builds an intermediate for pub, signed by root, with p->nc as its name
 * constraints. The validity is cut to end no later than the root's (a note
 * says so). Caller frees. */
X509 *intermediate_build(struct signer *root, EVP_PKEY *pub, const struct intermediate_params *p,
    char serial[SERIAL_HEX_MAX]);
/* Checks a --permit-dns value: a DNS name (LDH labels) without wildcards. */
int permit_dns_valid(const char *domain);
/* Fills a CA record from a certificate (serial, pins, dates, der, spki). */
int ca_record_from_cert(struct ca_record *r, X509 *cert, const char *role, const char *state,
    enum key_type type, const char *key_path, int64_t issuer_id);
/* A JSON object describing a CA record, as `ca list --json` prints it. */
json_t *ca_record_json(const struct ca_record *r);
/* Writes DIR/transcript-KIND-TIME-CAID.json and .json.sig (signed with SHA-256 by
 * sg) and records it; runs inside the caller's transaction. The files are
 * written before the commit and removed if it fails (see transcript_discard).
 * Prints nothing on success; *path_out receives the JSON path (static buffer). */
int transcript_write(struct ca_context *ctx, struct signer *sg, int64_t ca_id, const char *kind,
    json_t *certs, char *path_out, size_t path_size);
/* The same with a "signing" object (the signing root, the name constraints,
 * the CSR's hash...) recorded beside the certificates; signing may be NULL. */
int transcript_write_signing(struct ca_context *ctx, struct signer *sg, int64_t ca_id,
    const char *kind, json_t *certs, json_t *signing, char *path_out, size_t path_size);
/* The "signing" object of a transcript: the root that signed (which:
 * "root" or "standby", its CN, serial and pin), the SHA-256 of the CSR's
 * DER (csr NULL in one-machine mode: none), the name constraints chosen and
 * the CRL distribution point given to the intermediate. NULL with a
 * message on failure. */
json_t *transcript_signing_json(const char *which, const struct ca_record *root, X509_REQ *csr,
    const struct constraints_choice *choice, const char *crl_url);
/* Removes the files of a transcript whose transaction did not commit. */
void transcript_discard(const char *path);
/* A transcript entry for one certificate. */
json_t *transcript_cert_entry(const struct ca_record *r);

#endif
