/* cmd_ca: `pinca ca ...`: the dispatcher of the ca subcommands, and the
 * one-machine ceremony commands `ca root` and `ca intermediate`, which
 * parse their options, run the ceremony (ca/ceremony.c) and print what it
 * made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/authority.h"
#include "ca/ceremony.h"
#include "ca/constraints.h"
#include "ca/constraints_choice.h"
#include "ca/cmd.h"
#include "ca/crl_url.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

enum { OPT_CN = 20, OPT_KEY, OPT_DAYS, OPT_STANDBY_CN };
enum { OPT_KEY_URI = 50, OPT_STANDBY_KEY_URI };	/* keys on a PKCS#11 token */

/* Prints what a ceremony made: text or JSON (with the signing object of
 * the transcript, if any). */
static int
print_cas(const struct ca_record *recs, int n, const char *transcript, json_t *signing, int json)
{
	if (json) {
		json_t *arr = json_array(), *o;
		for (int i = 0; i < n; i++)
			json_array_append_new(arr, ca_record_json(&recs[i]));
		o = json_pack("{s:o,s:s?,s:O?}", "certificates", arr, "transcript", transcript,
		    "signing", signing);
		return json_print(o);
	}
	for (int i = 0; i < n; i++) {
		char cn[TEXT_SAFE_NAME];
		printf("%-12s %s\n  serial %s\n  pin    %s\n", recs[i].role,
		    text_safe(recs[i].cn, cn, sizeof(cn)), recs[i].serial, recs[i].pin);
	}
	if (transcript)
		printf("transcript %s (signature %s.sig)\n", transcript, transcript);
	return RC_OK;
}

/* Shows an intermediate signing's plan on stdout (flushed) before the root
 * key is opened: the name constraints and the CRL distribution point. */
/* Prints the name constraints an intermediate signing will carry, and
 * where they came from (ca_print_plan). */
static void
constraints_choice_show(const struct constraints_choice *c)
{
	char now[2048], before[2048];

	constraints_text(c->nc, now, sizeof(now));
	constraints_text(c->previous, before, sizeof(before));
	printf("name constraints: %s\n", now);
	if (c->source == CONSTRAINTS_CARRIED)
		printf("  carried from intermediate '%s' (serial %s); --permit-dns/--permit-ip replace "
		    "them, --no-constraints drops them\n", c->previous_cn, c->previous_serial);
	else if (c->previous_serial[0] && strcmp(now, before) != 0)
		printf("  %s: the previous intermediate '%s' (serial %s) has: %s\n",
		    c->source == CONSTRAINTS_DROPPED ? "dropped by --no-constraints" :
		    "replaced by the flags", c->previous_cn, c->previous_serial, before);
	fflush(stdout);
}

void
ca_print_plan(const struct ceremony_plan *plan, void *arg)
{
	(void)arg;
	constraints_choice_show(plan->choice);
	printf("crl distribution point: %s\n", plan->root_crl_url ? plan->root_crl_url :
	    "none (the root's CRL URL: 'pinca ca set-crl-url root URL')");
	fflush(stdout);
}

static const struct opt_spec root_opts[] = {
	OPT_SPEC_DIR,
	{ "cn", 1, OPT_CN, "NAME", "common name of the primary root (required)" },
	{ "standby-cn", 1, OPT_STANDBY_CN, "NAME", "common name of the standby root (default: NAME Standby)" },
	{ "key", 1, OPT_KEY, "TYPE", "ec-p384 (default), ec-p256, rsa-2048 or rsa-4096" },
	{ "days", 1, OPT_DAYS, "N", "validity in days (default 7300, 20 years)" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	{ "no-passphrase", 0, OPT_NO_PASSPHRASE, NULL, "store the root keys UNENCRYPTED" },
	{ "key-uri", 1, OPT_KEY_URI, "URI", "make the primary root's key on a PKCS#11 token (pkcs11:token=L;object=O)" },
	{ "standby-key-uri", 1, OPT_STANDBY_KEY_URI, "URI", "make the standby root's key on a token (default: a file)" },
	OPT_SPEC_MODULE,
	OPT_SPEC_PIN_FILE,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help root_help = {
	"ca root", "--cn NAME [--standby-cn NAME] [--key TYPE] [--days N] [--pass-file FILE]\n"
	"    [--key-uri URI [--standby-key-uri URI] [--module PATH] [--pin-file FILE]]",
	"Runs the root ceremony (on the offline machine): makes the primary root and\n"
	"the standby root, each with its own key, writes the keys encrypted under\n"
	"keys/ (or makes them on a PKCS#11 token: --key-uri), prints both pins, and\n"
	"leaves a signed transcript in the CA directory.",
	root_opts,
};

/* ca root: the root ceremony (ceremony_root), then what it made. */
int
cmd_ca_root(int argc, char **argv)
{
	struct ceremony_root_req req = { .type = KEY_EC_P384, .days = ROOT_DEFAULT_DAYS };
	struct ceremony_result res = { 0 };
	struct pass_source src = { 0 };
	char standby_default[256];
	const char *arg;
	struct opts o;
	int id, rc, json = 0;

	req.src = &src;
	opts_init(&o, argc, argv, &root_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: req.dir = arg; break;
		case OPT_CN: req.cn = arg; break;
		case OPT_STANDBY_CN: req.standby_cn = arg; break;
		case OPT_KEY_URI: req.key_uri[0] = arg; break;
		case OPT_STANDBY_KEY_URI: req.key_uri[1] = arg; break;
		case OPT_JSON: json = 1; break;
		case OPT_KEY:
			if ((rc = key_type_parse(arg, &req.type)) != RC_OK)
				return rc_exit(rc);
			break;
		case OPT_DAYS:
			if (opts_parse_long(&root_help, "days", arg, 1, 36500, &req.days) != RC_OK)
				return PINCA_EXIT_USAGE;
			break;
		}
	}
	if (req.cn == NULL || *req.cn == '\0')
		return rc_exit(opts_usage_error(&root_help, "--cn NAME is required"));
	if (req.standby_cn == NULL) {
		snprintf(standby_default, sizeof(standby_default), "%s Standby", req.cn);
		req.standby_cn = standby_default;
	}
	if (strcmp(req.cn, req.standby_cn) == 0)
		return rc_exit(opts_usage_error(&root_help, "the standby root needs its own name"));
	if ((rc = ceremony_root(&req, &res)) == RC_OK)
		rc = print_cas(res.cas, 2, res.transcript, NULL, json);
	ceremony_result_clear(&res);
	return rc_exit(rc);
}

static const struct opt_spec intermediate_opts[] = {
	OPT_SPEC_DIR,
	{ "cn", 1, OPT_CN, "NAME", "common name of the intermediate (required)" },
	{ "key", 1, OPT_KEY, "TYPE", "ec-p256 (default), ec-p384, rsa-2048 or rsa-4096" },
	OPT_SPEC_CA_SIGNING,
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	{ "root-pass-file", 1, 40, "FILE", "passphrase of the root key, if it differs" },
	{ "root-pass-env", 1, 41, "VAR", "passphrase of the root key from VAR, if it differs" },
	{ "crl-url", 1, 42, "URL", "where the new intermediate's CRL is published (into its leaves)" },
	{ "no-passphrase", 0, OPT_NO_PASSPHRASE, NULL, "store the intermediate key UNENCRYPTED" },
	{ "key-uri", 1, OPT_KEY_URI, "URI", "make the key on a PKCS#11 token (pkcs11:token=L;object=O)" },
	OPT_SPEC_MODULE,
	OPT_SPEC_PIN_FILE,
	{ "force", 0, OPT_FORCE, NULL, "override the pin guard (recorded in the audit log)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help intermediate_help = {
	"ca intermediate", "--cn NAME [--key TYPE] [--days N] [--permit-dns DOMAIN]...\n"
	"       [--permit-ip CIDR]... [--no-constraints] [--crl-url URL] [--root standby]\n"
	"       [--key-uri URI] [--module PATH] [--pin-file FILE]",
	"One-machine mode: makes the intermediate key, has the root sign it, and\n"
	"makes it the CA that issues leaves in this directory. The previous\n"
	"intermediate, if any, is retired (its certificates stay valid), and its\n"
	"name constraints are carried over unless --permit-dns/--permit-ip give\n"
	"new ones or --no-constraints drops them. A name type not permitted is\n"
	"excluded whole: without --permit-ip, every IP address. The intermediate's\n"
	"CRL distribution point is the root's CRL URL ('ca set-crl-url root');\n"
	"--crl-url sets the new intermediate's own, which goes into its leaves.",
	intermediate_opts,
};

/* Reads ca intermediate's options into req, src, root_src and *json.
 * Returns RC_OK, or RC_USAGE/RC_POLICY with its line written. */
static int
intermediate_parse(int argc, char **argv, struct ceremony_intermediate_req *req,
    struct pass_source *src, struct pass_source *root_src, int *json)
{
	const char *arg, *why;
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, &intermediate_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(src, id, arg))
			continue;
		if ((rc = intermediate_option(&intermediate_help, &req->params, &req->which, id,
		    arg)) != 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		switch (id) {
		case OPT_DIR: req->dir = arg; break;
		case OPT_CN: req->params.cn = arg; break;
		case OPT_JSON: *json = 1; break;
		case OPT_FORCE: req->force = 1; break;
		case OPT_KEY_URI: req->key_uri = arg; break;
		case 40: root_src->file = arg; break;
		case 41: root_src->env = arg; break;
		case 42:
			if (!crl_url_valid(arg, &why))
				return opts_usage_error(&intermediate_help, "--crl-url %s", why);
			req->crl_url = arg;
			break;
		case OPT_KEY:
			if ((rc = key_type_parse(arg, &req->type)) != RC_OK)
				return rc;
			break;
		}
	}
	if (req->params.cn == NULL || *req->params.cn == '\0')
		return opts_usage_error(&intermediate_help, "--cn NAME is required");
	return intermediate_options_check(&intermediate_help, &req->params);
}

/* ca intermediate: the one-machine intermediate ceremony
 * (ceremony_intermediate), then what it made. */
int
cmd_ca_intermediate(int argc, char **argv)
{
	struct ceremony_intermediate_req req = {
		.params = { .days = INTERMEDIATE_DEFAULT_DAYS }, .which = "root", .type = KEY_EC_P256,
	};
	struct ceremony_result res = { 0 };
	struct pass_source src = { 0 }, root_src = { 0 };
	int rc, json = 0;

	if ((rc = intermediate_parse(argc, argv, &req, &src, &root_src, &json)) != RC_OK)
		return rc_exit(rc);
	req.src = &src;
	/* One passphrase serves both keys unless --root-pass-* says otherwise. */
	if (root_src.file != NULL || root_src.env != NULL)
		req.root_src = &root_src;
	req.report = &pinca_report_stdio;
	if (!json)
		req.announce = ca_print_plan;
	if ((rc = ceremony_intermediate(&req, &res)) == RC_OK) {
		rc = print_cas(res.cas, 1, res.transcript, res.signing, json);
		if (rc == RC_OK && !json)
			printf("crl url      %s\n", res.crl_url ? res.crl_url : "none: its leaves carry "
			    "no CRL distribution point (set one with 'pinca ca set-crl-url intermediate "
			    "URL')");
	}
	ceremony_result_clear(&res);
	return rc_exit(rc);
}

/* The ca subcommands. */
static const struct subcommand ca_commands[] = {
	{ "root", cmd_ca_root, "primary and standby root (offline ceremony)" },
	{ "intermediate", cmd_ca_intermediate, "intermediate signed by the root here (one machine)" },
	{ "csr", cmd_ca_csr, "intermediate key and CSR (issuing host)" },
	{ "sign", cmd_ca_sign, "root signs an intermediate CSR (offline host)" },
	{ "import", cmd_ca_import, "install the signed intermediate (issuing host)" },
	{ "activate", cmd_ca_activate, "move issuance under the standby root (guarded)" },
	{ "retire", cmd_ca_retire, "retire a lost or compromised root; prints the move" },
	{ "list", cmd_ca_list, "list the CAs this directory knows" },
	{ "show", cmd_ca_show, "show one CA (root, standby, intermediate or SERIAL)" },
	{ "backup", cmd_ca_backup, "root keys encrypted, the secret split into shares" },
	{ "restore", cmd_ca_restore, "root keys back from a backup and enough shares" },
	{ "set-crl-url", cmd_ca_set_crl_url, "where a CA's CRL is published (for what it signs next)" },
	{ NULL, NULL, NULL },
};

int
cmd_ca(int argc, char **argv)
{
	return subcommand_dispatch("ca", ca_commands, argc, argv);
}
