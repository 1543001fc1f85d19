/* cmd_pins: `pinca pins`: the pins an app should carry (primary and standby
 * root by default), in the form each mobile stack wants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/authority.h"
#include "ca/cmd.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_FORMAT = 20 };

static const struct opt_spec pins_opts[] = {
	OPT_SPEC_DIR,
	{ "format", 1, OPT_FORMAT, "F", "text (default) or json" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help pins_help = {
	"pins", "[--format text|json]",
	"Prints the pins apps should carry: the primary and the standby root.\n"
	"A pin is sha256/ + base64 of SHA-256 over the DER SubjectPublicKeyInfo.",
	pins_opts,
};

int
cmd_pins(int argc, char **argv)
{
	const char *flag_dir = NULL, *format = "text", *arg;
	const char *roles[2] = { "root", "standby" };
	struct ca_context ctx;
	struct ca_record r[2];
	json_t *arr = NULL;
	struct opts o;
	int id, rc, n = 0;

	memset(r, 0, sizeof(r));
	opts_init(&o, argc, argv, &pins_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_FORMAT)
			format = arg;
		else if (id == OPT_JSON)
			format = "json";
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return rc_exit(opts_usage_error(&pins_help, "unknown --format '%s'", format));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	for (int i = 0; i < 2; i++) {
		rc = store_ca_find(ctx.st, roles[i], "active", &r[n]);
		if (rc == RC_FAIL)
			goto out;
		if (rc == RC_OK)
			n++;
	}
	rc = RC_FAIL;
	if (n == 0) {
		pinca_warnx("no root known in %s: run 'pinca ca root' or 'pinca ca import' first", ctx.dir);
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		arr = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s?}", "role", r[i].role,
			    "cn", r[i].cn, "pin", r[i].pin, "serial", r[i].serial));
		rc = json_print(json_pack("{s:o}", "pins", arr));
	} else {
		for (int i = 0; i < n; i++)
			printf("%s\t%s\t%s\n", r[i].pin, r[i].role, r[i].cn);
		rc = RC_OK;
	}
	if (n == 1)
		fprintf(stderr, "pinca: warning: only one root pin is known; apps need a backup pin\n");
out:
	for (int i = 0; i < 2; i++)
		ca_record_clear(&r[i]);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
