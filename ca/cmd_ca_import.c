/* cmd_ca_import: `pinca ca import`, the issuing host's last step of the
 * two-machine ceremony: parses the options, installs the intermediate the
 * offline root signed (ceremony_import, ca/ceremony_import.c, which learns
 * the roots only as the bundle proves them) and prints the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/authority.h"
#include "ca/ceremony.h"
#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

enum { OPT_CERT = 20, OPT_ROOT_PIN };

static const struct opt_spec import_opts[] = {
	OPT_SPEC_DIR,
	{ "cert", 1, OPT_CERT, "FILE", "the file 'pinca ca sign' wrote (required)" },
	{ "root-pin", 1, OPT_ROOT_PIN, "PIN", "the primary root's pin, from the ceremony's record (required)" },
	{ "force", 0, OPT_FORCE, NULL, "override the pin guard (recorded in the audit log)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help import_help = {
	"ca import", "--cert FILE --root-pin PIN [--force]",
	"On the issuing host: installs the intermediate the root signed. It must\n"
	"match the key 'pinca ca csr' made here and chain to a root in FILE. The\n"
	"roots are learned only as proved: the primary is the root whose pin is\n"
	"PIN (read it from the ceremony's record, not from FILE); the standby is\n"
	"the root the ceremony transcript in FILE, signed by the primary, names.\n"
	"A file with any other self-signed certificate is refused (exit 1).",
	import_opts,
};

/* ca import: installs the intermediate (ceremony_import), then says so. */
int
cmd_ca_import(int argc, char **argv)
{
	struct ceremony_import_req req = { 0 };
	struct ceremony_result res = { 0 };
	const char *arg;
	int id, rc, json = 0;
	struct opts o;

	opts_init(&o, argc, argv, &import_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: req.dir = arg; break;
		case OPT_CERT: req.path = arg; break;
		case OPT_ROOT_PIN: req.root_pin = arg; break;
		case OPT_JSON: json = 1; break;
		case OPT_FORCE: req.force = 1; break;
		}
	}
	if (req.path == NULL || req.root_pin == NULL)
		return rc_exit(opts_usage_error(&import_help, "--cert FILE and --root-pin PIN are "
		    "required (the primary root's pin, from the ceremony's record)"));
	if (!pin_is_valid(req.root_pin))
		return rc_exit(opts_usage_error(&import_help, "--root-pin '%.60s' is not a pin "
		    "(sha256/ and 44 base64 characters)", req.root_pin));
	req.report = &pinca_report_stdio;
	if ((rc = ceremony_import(&req, &res)) == RC_OK && json)
		rc = json_print(ca_record_json(&res.cas[0]));
	else if (rc == RC_OK) {
		char cn1[TEXT_SAFE_NAME], cn2[TEXT_SAFE_NAME];
		printf("intermediate %s is active\n  serial %s\n  pin    %s\n  issued by '%s'\n",
		    text_safe(res.cas[0].cn, cn1, sizeof(cn1)), res.cas[0].serial, res.cas[0].pin,
		    text_safe(res.root.cn, cn2, sizeof(cn2)));
	}
	ceremony_result_clear(&res);
	return rc_exit(rc);
}
