/* cmd_acme: `pinca acme`: the operator's view of the ACME server's state:
 * external account bindings (eab add/list/remove) and accounts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "acme/cmd.h"
#include "acme/eab.h"
#include "ca/context.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/subcommand.h"
#include "issue/lint.h"

enum { OPT_PERMIT_DNS = 20 };

static const struct opt_spec eab_add_opts[] = {
	OPT_SPEC_DIR,
	{ "permit-dns", 1, OPT_PERMIT_DNS, "DOMAIN", "accounts of this binding may order DOMAIN and its subdomains (repeatable; default: any name)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help eab_add_help = {
	"acme eab add", "NAME [--permit-dns DOMAIN]... [--json]",
	"Makes an external account binding and prints its kid and hmac_key (base64url,\n"
	"as certbot's --eab-kid/--eab-hmac-key and lego's --kid/--hmac take them) once:\n"
	"they are not shown again. Any number of accounts may bind with it.",
	eab_add_opts,
};
static const struct opt_spec plain_opts[] = { OPT_SPEC_DIR, OPT_SPEC_JSON, OPT_END_SPEC };
static const struct cmd_help eab_list_help = {
	"acme eab list", "[--json]", "Lists the bindings (never their keys).", plain_opts,
};
static const struct opt_spec remove_opts[] = { OPT_SPEC_DIR, OPT_END_SPEC };
static const struct cmd_help eab_remove_help = {
	"acme eab remove", "NAME",
	"Removes a binding: no new account binds with it, and the accounts it bound may\n"
	"no longer order.", remove_opts,
};
static const struct cmd_help accounts_help = {
	"acme accounts", "[--json]", "Lists the ACME accounts.", plain_opts,
};

/* Reads eab add's options: the binding's name into b, its domains into
 * permit, --dir and --json. RC_OK, or RC_USAGE/RC_POLICY with its line. */
static int
eab_add_parse(int argc, char **argv, struct acme_eab *b, json_t *permit, const char **dir,
    int *json)
{
	const char *arg;
	char norm[256], **rest;
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, &eab_add_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			*dir = arg;
		else if (id == OPT_JSON)
			*json = 1;
		else if (id == OPT_PERMIT_DNS) {
			/* A name that fails the lints is refused as `issue --dns` refuses it (3). */
			if ((rc = lint_dns_name(arg, norm, sizeof(norm))) != RC_OK)
				return rc;
			if (norm[0] == '*')
				return opts_usage_error(&eab_add_help,
				    "--permit-dns takes a domain, not a wildcard: its subdomains are included");
			json_array_append_new(permit, json_string(norm));
		}
	}
	if (opts_rest(&o, &rest) != 1)
		return opts_usage_error(&eab_add_help, "name the binding");
	if (strlen(rest[0]) == 0 || strlen(rest[0]) >= sizeof(b->name) ||
	    strspn(rest[0], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
	    strlen(rest[0]))
		return opts_usage_error(&eab_add_help, "a binding name is 1-64 letters, digits, '-', '_', '.'");
	snprintf(b->name, sizeof(b->name), "%s", rest[0]);
	return RC_OK;
}

/* acme eab add: the binding made (acme_eab_create), its kid and key printed once. */
static int
cmd_eab_add(int argc, char **argv)
{
	const char *dir = NULL;
	struct ca_context ctx = { 0 };
	struct acme_eab b;
	json_t *permit = json_array();
	char hmac_b64[64] = "";
	int json = 0, rc;

	memset(&b, 0, sizeof(b));
	if ((rc = eab_add_parse(argc, argv, &b, permit, &dir, &json)) != RC_OK)
		goto out;
	b.permit_json = json_dumps(permit, JSON_COMPACT);
	b.created_at = (int64_t)time(NULL);
	if ((rc = ca_context_open(dir, &ctx)) != RC_OK ||
	    (rc = acme_eab_create(&ctx, &b, hmac_b64, sizeof(hmac_b64))) != RC_OK)
		goto out;
	if (json)
		json_print(json_pack("{s:s,s:s,s:s,s:O}", "name", b.name, "kid", b.kid, "hmac_key",
		    hmac_b64, "permit_dns", permit));
	else
		printf("kid: %s\nhmac_key: %s\n", b.kid, hmac_b64);
	fflush(stdout);
out:
	OPENSSL_cleanse(hmac_b64, sizeof(hmac_b64));
	json_decref(permit);
	acme_eab_clear(&b);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

/* Prints one binding (text line or JSON array item). */
static int
eab_list_one(const struct acme_eab *b, void *arg)
{
	json_t *arr = arg;
	char when[32];

	if (arr) {
		json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:I,s:I}", "name", b->name, "kid",
		    b->kid, "permit_dns", json_loads(b->permit_json, 0, NULL), "accounts",
		    (json_int_t)b->accounts, "created_at", (json_int_t)b->created_at));
		return RC_OK;
	}
	time_rfc3339(b->created_at, when, sizeof(when));
	printf("%s\t%s\t%lld accounts\t%s\t%s\n", b->name, b->kid, (long long)b->accounts,
	    strcmp(b->permit_json, "[]") ? b->permit_json : "any name", when);
	return RC_OK;
}

/* Opens the directory and runs one listing command. */
static int
list_command(int argc, char **argv, const struct cmd_help *help, int (*run)(struct ca_context *,
    json_t *))
{
	const char *dir = NULL, *arg;
	struct ca_context ctx = { 0 };
	json_t *arr = NULL;
	char **rest;
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			dir = arg;
		else if (id == OPT_JSON)
			arr = json_array();
	}
	if (opts_rest(&o, &rest) != 0) {
		json_decref(arr);
		return rc_exit(opts_usage_error(help, "no arguments expected"));
	}
	if ((rc = ca_context_open(dir, &ctx)) == RC_OK) {
		rc = run(&ctx, arr);
		if (rc == RC_OK && arr)
			rc = json_print(json_incref(arr));
	}
	json_decref(arr);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static int
eab_list_run(struct ca_context *ctx, json_t *arr)
{
	return store_acme_eab_each(ctx->st, eab_list_one, arr) == RC_OK ? RC_OK : RC_FAIL;
}

static int
cmd_eab_list(int argc, char **argv)
{
	return list_command(argc, argv, &eab_list_help, eab_list_run);
}

static int
cmd_eab_remove(int argc, char **argv)
{
	const char *dir = NULL, *arg;
	struct ca_context ctx = { 0 };
	char **rest;
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, &eab_remove_help);
	while ((id = opts_next(&o, &arg)) != 0)
		if (id == OPT_DIR)
			dir = arg;
	if (opts_rest(&o, &rest) != 1)
		return rc_exit(opts_usage_error(&eab_remove_help, "name the binding"));
	if ((rc = ca_context_open(dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	rc = acme_eab_remove(&ctx, rest[0]);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

/* Prints one account. */
static int
accounts_one(const struct acme_account *a, int64_t orders, void *arg)
{
	json_t *arr = arg;
	char when[32];

	if (arr) {
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:o,s:I,s:I,s:I}", "id",
		    (json_int_t)a->id, "thumbprint", a->thumbprint, "status", a->status, "contact",
		    json_loads(a->contact_json, 0, NULL), "eab_id", (json_int_t)a->eab_id, "orders",
		    (json_int_t)orders, "created_at", (json_int_t)a->created_at));
		return RC_OK;
	}
	time_rfc3339(a->created_at, when, sizeof(when));
	printf("%lld\t%s\t%s\t%lld orders\t%s\t%s\n", (long long)a->id, a->status, a->thumbprint,
	    (long long)orders, a->contact_json, when);
	return RC_OK;
}

static int
accounts_run(struct ca_context *ctx, json_t *arr)
{
	return store_acme_account_each(ctx->st, accounts_one, arr) == RC_OK ? RC_OK : RC_FAIL;
}

static int
cmd_acme_accounts(int argc, char **argv)
{
	return list_command(argc, argv, &accounts_help, accounts_run);
}

static int
cmd_acme_eab(int argc, char **argv)
{
	static const struct subcommand eab_cmds[] = {
		{ "add", cmd_eab_add, "make a binding and print its kid and hmac_key once" },
		{ "list", cmd_eab_list, "list the bindings" },
		{ "remove", cmd_eab_remove, "remove a binding" },
		{ NULL, NULL, NULL },
	};
	return subcommand_dispatch("acme eab", eab_cmds, argc, argv);
}

int
cmd_acme(int argc, char **argv)
{
	static const struct subcommand acme_cmds[] = {
		{ "eab", cmd_acme_eab, "external account bindings: add, list, remove" },
		{ "accounts", cmd_acme_accounts, "list the ACME accounts" },
		{ NULL, NULL, NULL },
	};
	return subcommand_dispatch("acme", acme_cmds, argc, argv);
}
