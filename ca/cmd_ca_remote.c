/* cmd_ca_remote: the commands of the two-machine ceremony. The issuing
 * host makes its intermediate key and a CSR (`ca csr`), the offline root
 * signs it (`ca sign`), and the issuing host installs the result (`ca
 * import`, cmd_ca_import.c). The work is in ca/ceremony_remote.c; these
 * parse the options and print what it made. */
#include <stdio.h>
#include <string.h>

#include "ca/authority.h"
#include "ca/ceremony.h"
#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

enum { OPT_CN = 20, OPT_KEY, OPT_OUT, OPT_CSR };
enum { OPT_KEY_URI = 50 };	/* a key on a PKCS#11 token */

static const struct opt_spec csr_opts[] = {
	OPT_SPEC_DIR,
	{ "cn", 1, OPT_CN, "NAME", "common name of the intermediate (required)" },
	{ "key", 1, OPT_KEY, "TYPE", "ec-p256 (default), ec-p384, rsa-2048 or rsa-4096" },
	{ "out", 1, OPT_OUT, "FILE", "where to write the CSR (required)" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	{ "no-passphrase", 0, OPT_NO_PASSPHRASE, NULL, "store the intermediate key UNENCRYPTED" },
	{ "key-uri", 1, OPT_KEY_URI, "URI", "make the key on a PKCS#11 token (pkcs11:token=L;object=O)" },
	OPT_SPEC_MODULE,
	OPT_SPEC_PIN_FILE,
	OPT_END_SPEC,
};
static const struct cmd_help csr_help = {
	"ca csr", "--cn NAME [--key TYPE] --out FILE [--pass-file FILE | --key-uri URI]",
	"On the issuing host: makes the intermediate's key (encrypted under keys/,\n"
	"or on a PKCS#11 token with --key-uri) and writes a CSR for the offline root\n"
	"to sign with 'pinca ca sign'.",
	csr_opts,
};

/* ca csr: the issuing host's key and CSR (ceremony_csr), then what to do next. */
int
cmd_ca_csr(int argc, char **argv)
{
	struct ceremony_csr_req req = { .type = KEY_EC_P256 };
	struct ceremony_result res = { 0 };
	struct pass_source src = { 0 };
	const char *arg;
	struct opts o;
	int id, rc;

	req.src = &src;
	opts_init(&o, argc, argv, &csr_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: req.dir = arg; break;
		case OPT_CN: req.cn = arg; break;
		case OPT_OUT: req.out = arg; break;
		case OPT_KEY_URI: req.key_uri = arg; break;
		case OPT_KEY:
			if ((rc = key_type_parse(arg, &req.type)) != RC_OK)
				return rc_exit(rc);
			break;
		}
	}
	if (req.cn == NULL || *req.cn == '\0' || req.out == NULL)
		return rc_exit(opts_usage_error(&csr_help, "--cn NAME and --out FILE are required"));
	if ((rc = ceremony_csr(&req, &res)) == RC_OK)
		printf("csr          %s\n  pin    %s\nnext: sign it on the root's host with 'pinca ca "
		    "sign --csr FILE --out FILE',\nthen run 'pinca ca import --cert FILE --root-pin PIN' "
		    "here (PIN: the primary root's, from the ceremony log)\n", req.out, res.csr_pin);
	ceremony_result_clear(&res);
	return rc_exit(rc);
}

static const struct opt_spec sign_opts[] = {
	OPT_SPEC_DIR,
	{ "csr", 1, OPT_CSR, "FILE", "the intermediate's CSR (required)" },
	{ "out", 1, OPT_OUT, "FILE", "where to write the intermediate and the roots (required)" },
	OPT_SPEC_CA_SIGNING,
	OPT_SPEC_SIGNER,
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help sign_help = {
	"ca sign", "--csr FILE --out FILE [--days N] [--permit-dns DOMAIN]... [--permit-ip CIDR]...\n"
	"       [--no-constraints] [--root standby]",
	"On the offline root host: checks an intermediate's CSR (signature, key\n"
	"type), signs its public key (nothing else is taken from the CSR), and\n"
	"writes FILE with the intermediate, then the primary and standby roots,\n"
	"then the root ceremony's transcript signed by the primary root, which\n"
	"'pinca ca import --root-pin PIN' checks before it learns the roots.\n"
	"Name constraints: those of --permit-dns/--permit-ip (a name type not\n"
	"permitted is excluded whole: without --permit-ip, every IP address);\n"
	"without them, those of the newest intermediate signed here, carried over;\n"
	"--no-constraints drops them. They are shown before signing and recorded,\n"
	"with the CSR's SHA-256 and the signing root, in the signed transcript.",
	sign_opts,
};

/* Prints what ca sign made: text or JSON. */
static int
print_signed(const struct ceremony_sign_req *req, const struct ceremony_result *res, int json)
{
	const struct ca_record *rec = &res->cas[0];
	char cn1[TEXT_SAFE_NAME], cn2[TEXT_SAFE_NAME];

	if (json)
		return json_print(json_pack("{s:o,s:s,s:s,s:O}", "certificate", ca_record_json(rec),
		    "out", req->out, "transcript", res->transcript, "signing", res->signing));
	printf("intermediate %s\n  serial %s\n  pin    %s\n  signed by %s root '%s'\n"
	    "wrote %s (intermediate, the roots, the signed root ceremony transcript)\n"
	    "transcript %s\nnext: on the issuing host, 'pinca ca import --cert FILE --root-pin "
	    "%s'\n", text_safe(rec->cn, cn1, sizeof(cn1)), rec->serial, rec->pin, req->which,
	    text_safe(res->root.cn, cn2, sizeof(cn2)), req->out, res->transcript, res->primary_pin);
	return RC_OK;
}

/* ca sign: the offline root signs a CSR (ceremony_sign), then what it made. */
int
cmd_ca_sign(int argc, char **argv)
{
	struct ceremony_sign_req req = { .params = { .days = INTERMEDIATE_DEFAULT_DAYS },
	    .which = "root" };
	struct ceremony_result res = { 0 };
	struct pass_source src = { 0 };
	const char *arg;
	struct opts o;
	int id, rc, json = 0;

	req.src = &src;
	opts_init(&o, argc, argv, &sign_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		if ((rc = intermediate_option(&sign_help, &req.params, &req.which, id, arg)) != 0) {
			if (rc < 0)
				return rc_exit(rc);
			continue;
		}
		switch (id) {
		case OPT_DIR: req.dir = arg; break;
		case OPT_CSR: req.csr_path = arg; break;
		case OPT_OUT: req.out = arg; break;
		case OPT_JSON: json = 1; break;
		}
	}
	if (req.csr_path == NULL || req.out == NULL)
		return rc_exit(opts_usage_error(&sign_help, "--csr FILE and --out FILE are required"));
	if ((rc = intermediate_options_check(&sign_help, &req.params)) != RC_OK)
		return rc_exit(rc);
	if (!json)
		req.announce = ca_print_plan;
	if ((rc = ceremony_sign(&req, &res)) == RC_OK)
		rc = print_signed(&req, &res, json);
	ceremony_result_clear(&res);
	return rc_exit(rc);
}
