/* cmd_revoke: `pinca revoke`: records that a certificate is revoked, with
 * its RFC 5280 reason. It touches only the database (no key, no passphrase):
 * the next `pinca crl` publishes it. A leaf is revoked on the issuing host;
 * an intermediate in the root's directory, whose CRL lists it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/cert.h"
#include "ca/context.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"
#include "revoke/cmd.h"
#include "revoke/crl.h"
#include "revoke/keyblock.h"
#include "revoke/revocation.h"

enum { OPT_REASON = 20, OPT_NAME, OPT_KEY };

static const struct opt_spec revoke_opts[] = {
	OPT_SPEC_DIR,
	{ "reason", 1, OPT_REASON, "REASON", "unspecified (default), keyCompromise, cACompromise, "
	    "affiliationChanged, superseded, cessationOfOperation, certificateHold, "
	    "privilegeWithdrawn or aACompromise" },
	{ "name", 1, OPT_NAME, "LINEAGE", "revoke the current certificate of this lineage" },
	{ "key", 1, OPT_KEY, "PIN", "revoke every certificate of this key (sha256/BASE64) and block "
	    "the key for all later issuance (default reason keyCompromise)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help revoke_help = {
	"revoke", "(SERIAL | --name LINEAGE | --key PIN) [--reason REASON] [--json]",
	"Marks a certificate revoked (RFC 5280 5.3.1 reason codes). SERIAL is hex in\n"
	"any case, colons allowed. A leaf is revoked where it was issued; an\n"
	"intermediate in the root's CA directory. No key is needed: run 'pinca crl'\n"
	"afterwards to publish the revocation. Exit 1 if the serial is unknown or\n"
	"already revoked, 2 for a malformed serial or reason.\n"
	"--key PIN revokes every leaf certified for that key (renewal keeps keys, so\n"
	"there may be several) and blocks the key: issue, renew and batch then\n"
	"refuse it (exit 3) until the lineage moves on with 'renew --new-key'.\n"
	"Revoking one certificate for keyCompromise says how many others share its key.",
	revoke_opts,
};

/* Prints what was revoked, as text or JSON. */
static int
revoke_print(const struct revocation_target *t, const struct revocation_record *rec,
    const struct revocation_key_note *note, int json)
{
	char when[32], name[TEXT_SAFE_NAME];

	time_rfc3339(rec->revoked_at, when, sizeof(when));
	if (json) {
		json_t *o = json_pack("{s:s,s:s,s:s?,s:s,s:s}", "serial", t->serial, "kind",
		    t->kind, "name", t->name, "reason", crl_reason_name(rec->reason), "revoked_at",
		    when);
		if (o && note->wanted && json_object_update_new(o, json_pack("{s:s,s:I,s:I}", "pin",
		    note->pin, "same_key_others", (json_int_t)note->total, "same_key_unrevoked",
		    (json_int_t)note->unrevoked)) != 0) {
			json_decref(o);
			o = NULL;
		}
		return json_print(o);
	}
	printf("revoked %s %s%s%s%s at %s (reason %s); publish it with 'pinca crl'\n", t->kind,
	    t->serial, t->name ? " (" : "", t->name ? text_safe(t->name, name, sizeof(name)) : "",
	    t->name ? ")" : "", when,
	    crl_reason_name(rec->reason));
	if (note->wanted && note->unrevoked > 0)
		printf("%zu other certificate(s) share this key (%s), %zu of them not revoked: "
		    "revoke them all and block the key with 'pinca revoke --key %s'\n", note->total,
		    note->pin, note->unrevoked, note->pin);
	else if (note->wanted)
		printf("%zu other certificate(s) share this key (%s), none of them valid; block the "
		    "key with 'pinca revoke --key %s'\n", note->total, note->pin, note->pin);
	return RC_OK;
}

/* revoke --key: every leaf of the key, and the block (revocation_revoke_key),
 * then what it did. */
static int
revoke_by_key(struct ca_context *ctx, const char *pin, int reason, int json)
{
	struct keyblock_result res;
	char when[32];
	int rc;

	if ((rc = revocation_revoke_key(ctx, pin, reason, &res)) != RC_OK)
		goto out;
	time_rfc3339(res.at, when, sizeof(when));
	if (json) {
		rc = json_print(json_pack("{s:s,s:s,s:s,s:O,s:I,s:b}", "pin", pin, "reason",
		    crl_reason_name(reason), "revoked_at", when, "revoked", res.serials,
		    "already_revoked", (json_int_t)res.already, "blocked", 1));
		goto out;
	}
	for (size_t i = 0; i < json_array_size(res.serials); i++)
		printf("revoked leaf %s\n", json_string_value(json_array_get(res.serials, i)));
	printf("key %s blocked at %s (reason %s): %zu certificate(s) revoked, %zu revoked before; "
	    "publish with 'pinca crl'\n", pin, when, crl_reason_name(reason), res.revoked,
	    res.already);
out:
	json_decref(res.serials);
	return rc;
}

/* Parses --reason: unknown names and removeFromCRL are usage errors. */
static int
revoke_parse_reason(const char *arg, int *reason)
{
	*reason = crl_reason_parse(arg);
	if (*reason == 8)
		return opts_usage_error(&revoke_help, "removeFromCRL only has a meaning in delta "
		    "CRLs, which pinca does not make; a revocation cannot be undone");
	if (*reason < 0)
		return opts_usage_error(&revoke_help, "unknown reason '%s'", arg);
	return RC_OK;
}

/* pinca revoke: one certificate (revocation_revoke_one) or a key, then
 * what was revoked. */
int
cmd_revoke(int argc, char **argv)
{
	const char *flag_dir = NULL, *lineage = NULL, *key = NULL, *arg;
	char serial[72], **rest;	/* serial_canonical wants 65 bytes */
	struct ca_context ctx;
	struct revocation_result res;
	struct opts o;
	int id, rc, json = 0, reason = -1, nrest;

	memset(&res, 0, sizeof(res));
	opts_init(&o, argc, argv, &revoke_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			json = 1;
		else if (id == OPT_NAME)
			lineage = arg;
		else if (id == OPT_KEY)
			key = arg;
		else if (id == OPT_REASON && revoke_parse_reason(arg, &reason) != RC_OK)
			return PINCA_EXIT_USAGE;
	}
	nrest = opts_rest(&o, &rest);
	if ((nrest == 1) + (lineage != NULL) + (key != NULL) != 1 || nrest > 1)
		return rc_exit(opts_usage_error(&revoke_help, "name one certificate or key: a SERIAL, "
		    "--name LINEAGE or --key PIN"));
	if (key && !pin_is_valid(key))
		return rc_exit(opts_usage_error(&revoke_help, "--key '%s' is not a pin: "
		    "sha256/ and 44 base64 characters, as 'pinca db show' prints it", key));
	if (nrest == 1 && (rc = serial_canonical(rest[0], serial, sizeof(serial))) != RC_OK)
		return rc_exit(rc);
	if (reason < 0)
		reason = key ? 1 : 0;	/* --key exists for compromised keys */
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if (key)
		rc = revoke_by_key(&ctx, key, reason, json);
	else if ((rc = revocation_revoke_one(&ctx, lineage ? NULL : serial, lineage, reason,
	    &res)) == RC_OK)
		rc = revoke_print(&res.target, &res.rec, &res.note, json);
	revocation_result_clear(&res);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
