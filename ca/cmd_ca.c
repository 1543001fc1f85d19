/* cmd_ca: `pinca ca ...`: the dispatcher of the ca subcommands, and the
 * one-machine ceremony commands `ca root` and `ca intermediate`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/authority.h"
#include "ca/cmd.h"
#include "ca/crl_url.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"
#include "issue/lint.h"

enum { OPT_CN = 20, OPT_KEY, OPT_DAYS, OPT_STANDBY_CN };
enum { OPT_KEY_URI = 50, OPT_STANDBY_KEY_URI };	/* keys on a PKCS#11 token */

/* Deletes key files written for a ceremony that did not commit. */
static void
unlink_keys(const char *dir, const char *a, const char *b)
{
	char path[4096];

	if (a && !signer_key_uri_is(a) && cadir_path(path, sizeof(path), dir, a) == RC_OK)
		unlink(path);
	if (b && !signer_key_uri_is(b) && cadir_path(path, sizeof(path), dir, b) == RC_OK)
		unlink(path);
}

/* Generates a CA key of type, writes it encrypted under keys/, and returns
 * the key with its relative path in rel. */
EVP_PKEY *
ca_new_key_file(const char *dir, const char *role, enum key_type type,
    const struct secret *pass, char *rel, size_t rel_size)
{
	char pin[PIN_LEN], path[4096];
	EVP_PKEY *key;

	if ((key = key_generate(type)) == NULL)
		return NULL;
	if (spki_normalize(key) != RC_OK || pin_of_pkey(key, pin) != RC_OK ||
	    ca_key_relpath(role, pin, rel, rel_size) != RC_OK ||
	    cadir_path(path, sizeof(path), dir, rel) != RC_OK ||
	    dir_create_keys(dir) != RC_OK || key_write(path, key, pass) != RC_OK) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

EVP_PKEY *
ca_new_key(const char *dir, const char *role, enum key_type type, const struct secret *pass,
    const char *uri, const struct pass_source *src, struct signer **token, char *rel,
    size_t rel_size, int *rc)
{
	EVP_PKEY *pub = NULL;

	*token = NULL;
	if (uri == NULL)
		return ca_new_key_file(dir, role, type, pass, rel, rel_size);
	*token = signer_generate_on_token(uri, src, type, &pub, rel, rel_size, rc);
	return pub;
}

int
dir_create_keys(const char *dir)
{
	char path[4096];

	if (cadir_path(path, sizeof(path), dir, CADIR_KEYS) != RC_OK)
		return RC_FAIL;
	return dir_create(path, 0700, 0);
}

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

int
cmd_ca_root(int argc, char **argv)
{
	const char *flag_dir = NULL, *cn = NULL, *standby_cn = NULL, *arg, *uri[2] = { NULL, NULL };
	char standby_default[256], rel[2][1024], serial[SERIAL_HEX_MAX], transcript[4096];
	struct pass_source src = { 0 };
	struct ca_context ctx = { 0 };
	struct ca_record recs[2], existing;
	struct secret *pass = NULL;
	struct signer *sg = NULL, *token[2] = { NULL, NULL };
	enum key_type type = KEY_EC_P384;
	EVP_PKEY *keys[2] = { NULL, NULL };
	X509 *certs[2] = { NULL, NULL };
	json_t *entries = NULL;
	long days = ROOT_DEFAULT_DAYS;
	struct opts o;
	int id, rc, json = 0, keys_written = 0, transcript_made = 0;

	memset(recs, 0, sizeof(recs));
	transcript[0] = '\0';
	opts_init(&o, argc, argv, &root_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_CN: cn = arg; break;
		case OPT_STANDBY_CN: standby_cn = arg; break;
		case OPT_KEY_URI: uri[0] = arg; break;
		case OPT_STANDBY_KEY_URI: uri[1] = arg; break;
		case OPT_JSON: json = 1; break;
		case OPT_KEY:
			if ((rc = key_type_parse(arg, &type)) != RC_OK)
				return rc_exit(rc);
			break;
		case OPT_DAYS:
			if (opts_parse_long(&root_help, "days", arg, 1, 36500, &days) != RC_OK)
				return PINCA_EXIT_USAGE;
			break;
		}
	}
	if (cn == NULL || *cn == '\0')
		return rc_exit(opts_usage_error(&root_help, "--cn NAME is required"));
	if (standby_cn == NULL) {
		snprintf(standby_default, sizeof(standby_default), "%s Standby", cn);
		standby_cn = standby_default;
	}
	if (strcmp(cn, standby_cn) == 0)
		return rc_exit(opts_usage_error(&root_help, "the standby root needs its own name"));
	if ((rc = lint_ca_name("--cn", cn, strlen(cn))) != RC_OK ||
	    (rc = lint_ca_name("--standby-cn", standby_cn, strlen(standby_cn))) != RC_OK)
		return rc_exit(rc);
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	rc = RC_FAIL;
	if (store_ca_find(ctx.st, "root", NULL, &existing) != STORE_NOT_FOUND) {
		if (existing.cn)
			pinca_warnx("%s already has a root ('%s'); a CA directory holds one ceremony",
			    ctx.dir, existing.cn);
		ca_record_clear(&existing);
		goto out;
	}
	/* A passphrase only for a key kept in a file. */
	if ((uri[0] == NULL || uri[1] == NULL) &&
	    (rc = secret_read(&src, "the new root keys", 1, &pass)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if ((keys[0] = ca_new_key(ctx.dir, "root", type, pass, uri[0], &src, &token[0], rel[0],
	    sizeof(rel[0]), &rc)) == NULL)
		goto out;
	keys_written = 1;
	if ((keys[1] = ca_new_key(ctx.dir, "standby", type, pass, uri[1], &src, &token[1], rel[1],
	    sizeof(rel[1]), &rc)) == NULL)
		goto out;
	keys_written = 2;
	rc = RC_FAIL;
	if ((certs[0] = root_build_with(token[0], keys[0], cn, days, serial)) == NULL ||
	    (certs[1] = root_build_with(token[1], keys[1], standby_cn, days, serial)) == NULL ||
	    ca_record_from_cert(&recs[0], certs[0], "root", "active", type, rel[0], 0) != RC_OK ||
	    ca_record_from_cert(&recs[1], certs[1], "standby", "active", type, rel[1], 0) != RC_OK)
		goto out;
	if (store_begin(ctx.st) != RC_OK)
		goto out;
	if (store_ca_insert(ctx.st, &recs[0]) != RC_OK || store_ca_insert(ctx.st, &recs[1]) != RC_OK ||
	    ca_crl_url_adopt(&ctx, recs[0].id, NULL, NULL) != RC_OK)
		goto rollback;
	entries = json_pack("[o,o]", transcript_cert_entry(&recs[0]), transcript_cert_entry(&recs[1]));
	if (token[0])
		signer_set_cert(token[0], certs[0]);
	if (store_audit(ctx.st, "ca.root", entries) != RC_OK ||
	    (token[0] == NULL && (sg = signer_from_key(keys[0], certs[0])) == NULL))
		goto rollback;
	if (transcript_write(&ctx, token[0] ? token[0] : sg, recs[0].id, "root", entries,
	    transcript, sizeof(transcript)) != RC_OK)
		goto rollback;
	transcript_made = 1;
	if (store_commit(ctx.st) != RC_OK)
		goto out;
	keys_written = transcript_made = 0;
	rc = print_cas(recs, 2, transcript, NULL, json);
	goto out;
rollback:
	store_rollback(ctx.st);
out:
	if (transcript_made)
		transcript_discard(transcript);
	if (keys_written)
		unlink_keys(ctx.dir, rel[0], keys_written > 1 ? rel[1] : NULL);
	for (int i = 0; i < keys_written; i++)
		signer_discard_key(token[i]);
	json_decref(entries);
	signer_free(sg);
	for (int i = 0; i < 2; i++) {
		signer_free(token[i]);
		EVP_PKEY_free(keys[i]);
		X509_free(certs[i]);
		ca_record_clear(&recs[i]);
	}
	secret_free(pass);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec intermediate_opts[] = {
	OPT_SPEC_DIR,
	{ "cn", 1, OPT_CN, "NAME", "common name of the intermediate (required)" },
	{ "key", 1, OPT_KEY, "TYPE", "ec-p256 (default), ec-p384, rsa-2048 or rsa-4096" },
	OPT_SPEC_CA_DAYS,
	OPT_SPEC_CA_PERMIT_DNS,
	OPT_SPEC_CA_PERMIT_IP,
	OPT_SPEC_CA_NO_CONSTRAINTS,
	OPT_SPEC_CA_ROOT,
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

int
cmd_ca_intermediate(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg, *which = "root", *uri = NULL;
	char rel[1024], serial[SERIAL_HEX_MAX], transcript[4096] = "";
	struct intermediate_params p = { .days = INTERMEDIATE_DEFAULT_DAYS };
	struct pass_source src = { 0 }, root_src = { 0 };
	struct ca_context ctx = { 0 };
	struct ca_record root = { 0 }, rec = { 0 }, old = { 0 };
	struct secret *pass = NULL;
	struct signer *sg = NULL, *token = NULL;
	enum key_type type = KEY_EC_P256;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	char *crl_url = NULL, *own_url = NULL;
	const char *flag_crl_url = NULL, *why;
	struct constraints_choice choice = { 0 };
	json_t *objs = NULL, *entries = NULL, *signing = NULL;
	int id, rc, json = 0, force = 0, key_written = 0, have_old, separate_root_pass;
	int transcript_made = 0;
	struct opts o;

	opts_init(&o, argc, argv, &intermediate_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		if ((rc = intermediate_option(&intermediate_help, &p, &which, id, arg)) != 0) {
			if (rc < 0)
				return rc_exit(rc);
			continue;
		}
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_CN: p.cn = arg; break;
		case OPT_JSON: json = 1; break;
		case OPT_FORCE: force = 1; break;
		case OPT_KEY_URI: uri = arg; break;
		case 40: root_src.file = arg; break;
		case 41: root_src.env = arg; break;
		case 42:
			if (!crl_url_valid(arg, &why))
				return rc_exit(opts_usage_error(&intermediate_help, "--crl-url %s", why));
			flag_crl_url = arg;
			break;
		case OPT_KEY:
			if ((rc = key_type_parse(arg, &type)) != RC_OK)
				return rc_exit(rc);
			break;
		}
	}
	if (p.cn == NULL || *p.cn == '\0')
		return rc_exit(opts_usage_error(&intermediate_help, "--cn NAME is required"));
	if ((rc = lint_ca_name("--cn", p.cn, strlen(p.cn))) != RC_OK)
		return rc_exit(rc);
	if (p.no_constraints && p.npermit + p.npermit_ip > 0)
		return rc_exit(opts_usage_error(&intermediate_help,
		    "--no-constraints goes without --permit-dns and --permit-ip"));
	separate_root_pass = root_src.file != NULL || root_src.env != NULL;
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	ctx.report = &pinca_report_stdio;	/* the pin guard's --force warning */
	rc = RC_FAIL;
	if (store_ca_find_held(ctx.st, which, &root) != RC_OK) {
		if (ca_root_retired_note(&ctx, which))
			goto out;
		pinca_warnx("no %s root key in %s: run 'pinca ca root' first, or use 'pinca ca csr' "
		    "on this host and 'pinca ca sign' on the root's", which, ctx.dir);
		goto out;
	}
	if ((rc = guard_check_root(&ctx, &root, force)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if (constraints_choose(&ctx, p.permit_dns, p.npermit, p.permit_ip, p.npermit_ip,
	    p.no_constraints, &choice) != RC_OK)
		goto out;
	p.nc = choice.nc;
	if (ca_crl_url_get(&ctx, root.id, &crl_url) != RC_OK)
		goto out;
	p.crl_url = crl_url;
	if (!json) {
		constraints_choice_show(&choice);
		printf("crl distribution point: %s\n", crl_url ? crl_url :
		    "none (the root's CRL URL: 'pinca ca set-crl-url root URL')");
		fflush(stdout);
	}
	/* One passphrase serves both keys unless --root-pass-* says otherwise;
	 * it is read once (an environment variable is scrubbed after reading). */
	if (separate_root_pass && (sg = signer_open(ctx.dir, &root, &root_src, NULL, &rc)) == NULL)
		goto out;
	if (uri == NULL && (rc = secret_read(&src, "the new intermediate key", 1, &pass)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if (!separate_root_pass && (sg = signer_open(ctx.dir, &root, &src, pass, &rc)) == NULL)
		goto out;
	if ((key = ca_new_key(ctx.dir, "intermediate", type, pass, uri, &src, &token, rel,
	    sizeof(rel), &rc)) == NULL)
		goto out;
	key_written = 1;
	rc = RC_FAIL;
	if ((cert = intermediate_build(sg, key, &p, serial)) == NULL ||
	    ca_record_from_cert(&rec, cert, "intermediate", "active", type, rel, root.id) != RC_OK)
		goto out;
	if (store_begin(ctx.st) != RC_OK)
		goto out;
	have_old = store_ca_find_held(ctx.st, "intermediate", &old) == RC_OK;
	if (have_old && store_ca_set_state(ctx.st, old.id, "retired") != RC_OK)
		goto rollback;
	if (store_ca_insert(ctx.st, &rec) != RC_OK ||
	    ca_crl_url_adopt(&ctx, rec.id, flag_crl_url, &own_url) != RC_OK)
		goto rollback;
	if ((signing = transcript_signing_json(which, &root, NULL, &choice, crl_url)) == NULL)
		goto rollback;
	objs = json_pack("{s:o,s:s,s:s?,s:b,s:O}", "intermediate", ca_record_json(&rec), "signed_by",
	    root.serial, "retired", have_old ? old.serial : NULL, "forced", force, "signing", signing);
	entries = json_pack("[o]", transcript_cert_entry(&rec));
	if (store_audit(ctx.st, "ca.intermediate", objs) != RC_OK ||
	    transcript_write_signing(&ctx, sg, rec.id, "sign", entries, signing, transcript,
	    sizeof(transcript)) != RC_OK)
		goto rollback;
	transcript_made = 1;
	if (store_commit(ctx.st) != RC_OK)
		goto out;
	key_written = transcript_made = 0;
	rc = print_cas(&rec, 1, transcript, signing, json);
	if (rc == RC_OK && !json)
		printf("crl url      %s\n", own_url ? own_url : "none: its leaves carry no CRL distribution "
		    "point (set one with 'pinca ca set-crl-url intermediate URL')");
	goto out;
rollback:
	store_rollback(ctx.st);
out:
	if (transcript_made)
		transcript_discard(transcript);
	if (key_written) {
		unlink_keys(ctx.dir, rel, NULL);
		signer_discard_key(token);
	}
	signer_free(token);
	json_decref(entries);
	json_decref(objs);
	json_decref(signing);
	constraints_choice_clear(&choice);
	free(crl_url);
	free(own_url);
	EVP_PKEY_free(key);
	X509_free(cert);
	signer_free(sg);
	secret_free(pass);
	ca_record_clear(&root);
	ca_record_clear(&rec);
	ca_record_clear(&old);
	ca_context_close(&ctx);
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
