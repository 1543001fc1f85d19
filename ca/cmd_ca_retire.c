/* cmd_ca_retire: `pinca ca retire (root|standby) --lost|--compromised`. A
 * root whose key is gone (lost) or in other hands (compromised) stops being
 * a root of this CA: `pins` no longer hands out its pin, `app add` refuses
 * it, `verify` no longer trusts a chain to it, and `ca sign` must be told
 * to use the other root. The command names the app releases that lose
 * their pins and prints every step of the move to the other root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/authority.h"
#include "ca/cmd.h"
#include "ca/retire.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

enum { OPT_LOST = 20, OPT_COMPROMISED };

static const struct opt_spec retire_opts[] = {
	OPT_SPEC_DIR,
	{ "lost", 0, OPT_LOST, NULL, "the root's key is gone (destroyed, unreadable, no backup)" },
	{ "compromised", 0, OPT_COMPROMISED, NULL, "the root's key is, or may be, in other hands" },
	{ "force", 0, OPT_FORCE, NULL, "retire a lost root although releases lose their pins (audited)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help retire_help = {
	"ca retire", "(root|standby) (--lost|--compromised) [--force]",
	"Retires a root whose key is lost or compromised: 'pinca pins' and\n"
	"'app add' stop offering its pin, 'verify' stops trusting chains to it,\n"
	"and 'ca sign --root' must name the other root. Names the supported app\n"
	"releases that lose their pins (pin no other key pinca serves): a lost root\n"
	"is refused then (exit 3) unless --force; a compromised one is retired\n"
	"anyway, since its pin protects nobody any more. Prints the steps of the\n"
	"move to the other root. Run it on the root host and every issuing host.",
	retire_opts,
};

/* Prints the steps of the move away from the retired root. */
static void
print_next_steps(const struct ca_retire_result *res, const char *reason)
{
	const struct ca_record *r = &res->root, *other = res->have_other ? &res->other : NULL;
	size_t nlosers = json_array_size(res->losers);
	int inter_here = res->intermediate_here;
	int other_key_here = other && other->key_path;
	char cn[TEXT_SAFE_NAME];

	if (other == NULL) {
		printf("no root is left: run a new ceremony ('pinca ca root' in a new CA directory) and "
		    "follow docs/rotation.md, 'Replacing roots'\n");
		return;
	}
	printf("next: move to %s root '%s' (%s)\n", other->role, text_safe(other->cn, cn, sizeof(cn)),
	    other->pin);
	if (nlosers > 0)
		printf("  0. retire the releases that lost their pins ('pinca app retire NAME'): the pin "
		    "guard refuses the move while they are supported\n");
	if (inter_here && other_key_here) {
		printf("  1. here: pinca ca activate %s      (a new intermediate under it)\n",
		    other->role);
		printf("  2. here: pinca renew --due 100000 --exec CMD, then pinca verify --connect HOST:PORT\n");
	} else {
		printf("  1. on the %s too: pinca ca retire %s --%s\n", other_key_here ?
		    "issuing hosts" : "offline root host", r->role, reason);
		printf("  2. issuing host: pinca ca csr --cn NAME --out int.csr\n");
		printf("  3. root host:    pinca ca sign --root %s --csr int.csr --out int.pem\n",
		    other->role);
		printf("  4. issuing host: pinca ca import --cert int.pem --root-pin %s   (check it "
		    "against the ceremony log)\n", res->primary_pin);
		printf("  5. issuing host: pinca renew --due 100000 --exec CMD, then pinca verify "
		    "--connect HOST:PORT\n");
	}
	printf("  then: ship app releases that pin the %s root and a new standby (a new ceremony), "
	    "record them with 'pinca app add NAME --pin PIN...', and retire the releases that carry "
	    "the retired pin ('pinca app retire NAME')\n", other->role);
	if (strcmp(reason, "compromised") == 0)
		printf("  urgent: whoever holds the key can sign chains that apps carrying its pin "
		    "accept, until those releases are gone\n");
}

/* ca retire: retires the root (ca_retire_root), then prints the move. */
int
cmd_ca_retire(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_retire_req req = { 0 };
	struct ca_retire_result res = { 0 };
	struct ca_context ctx = { 0 };
	char **rest, cn[TEXT_SAFE_NAME];
	int id, rc, json = 0;
	struct opts o;

	opts_init(&o, argc, argv, &retire_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_FORCE: req.force = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_LOST:
		case OPT_COMPROMISED:
			if (req.reason != NULL)
				return rc_exit(opts_usage_error(&retire_help, "give one of --lost and --compromised"));
			req.reason = id == OPT_LOST ? "lost" : "compromised";
			break;
		}
	}
	if (opts_rest(&o, &rest) != 1 || (strcmp(rest[0], "root") != 0 && strcmp(rest[0], "standby") != 0))
		return rc_exit(opts_usage_error(&retire_help, "say which root: 'root' or 'standby'"));
	if (req.reason == NULL)
		return rc_exit(opts_usage_error(&retire_help, "say why: --lost or --compromised"));
	req.role = rest[0];
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	ctx.report = &pinca_report_stdio;	/* --force warnings */
	if ((rc = ca_retire_root(&ctx, &req, &res)) != RC_OK)
		goto out;
	if (json) {
		rc = json_print(json_pack("{s:s,s:s?,s:s,s:s,s:O,s:s?}", "role", res.root.role, "serial",
		    res.root.serial, "pin", res.root.pin, "reason", req.reason, "releases_losing_pins",
		    res.losers, "use", res.have_other ? res.other.role : NULL));
		goto out;
	}
	printf("retired %s root '%s' (%s) as %s: 'pinca pins' and 'app add' no longer offer its pin, "
	    "'verify' no longer trusts chains to it\n", strcmp(res.root.role, "root") == 0 ?
	    "primary" : "standby", text_safe(res.root.cn, cn, sizeof(cn)), res.root.pin, req.reason);
	if (json_array_size(res.losers) > 0)
		printf("releases that lose their pins: %zu (see the warning above)\n",
		    json_array_size(res.losers));
	print_next_steps(&res, req.reason);
out:
	ca_retire_result_clear(&res);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
