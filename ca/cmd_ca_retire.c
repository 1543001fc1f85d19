/* cmd_ca_retire: `pinca ca retire (root|standby) --lost|--compromised`. A
 * root whose key is gone (lost) or in other hands (compromised) stops being
 * a root of this CA: `pins` no longer hands out its pin, `app add` refuses
 * it, `verify` no longer trusts a chain to it, and `ca sign` must be told
 * to use the other root. The command names the app releases that lose
 * their pins and prints every step of the move to the other root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/authority.h"
#include "ca/cmd.h"
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

/* The supported releases that pin the retired root and none of the keys
 * pinca will still serve (the other root, the leaves). */
struct losers {
	const char *retired_pin;
	const char *const *keep;
	size_t nkeep;
	json_t *names;
};

/* store_app_each callback: adds a release that loses its pins. */
static int
release_loses(const struct app_release *r, void *arg)
{
	struct losers *l = arg;

	if (release_pins_any(r, &l->retired_pin, 1) && !release_pins_any(r, l->keep, l->nkeep))
		return json_array_append_new(l->names, json_string(r->name)) == 0 ? 0 : RC_FAIL;
	return 0;
}

/* store_lineage_each_due callback: a lineage's leaf key (renewals keep it). */
static int
keep_leaf(const struct lineage_record *l, void *arg)
{
	return served_keys_add(arg, l->pin) == RC_OK ? 0 : RC_FAIL;
}

/* The names of the releases that lose their pins (new array, caller frees). */
static json_t *
releases_losing_pins(struct ca_context *ctx, const struct ca_record *retired,
    const struct ca_record *other)
{
	struct served_keys sk = { 0 };
	struct losers l = { retired->pin, NULL, 0, json_array() };

	if (l.names == NULL || (other && served_keys_add(&sk, other->pin) != RC_OK) ||
	    store_lineage_each_due(ctx->st, INT64_MAX, keep_leaf, &sk) != RC_OK)
		goto fail;
	l.keep = (const char *const *)sk.pins;
	l.nkeep = sk.n;
	if (store_app_each(ctx->st, 1, release_loses, &l) != RC_OK)
		goto fail;
	served_keys_clear(&sk);
	return l.names;
fail:
	served_keys_clear(&sk);
	json_decref(l.names);
	return NULL;
}

/* The guard for a retirement: a lost root is refused while releases lose
 * their pins (unless forced); a compromised one goes, with a warning. */
static int
retire_guard(const struct ca_record *r, const char *reason, json_t *losers, int force)
{
	char list[1024] = "", buf[TEXT_SAFE_NAME];
	const char *cn;
	size_t i, used = 0;
	json_t *v;

	if (json_array_size(losers) == 0)
		return RC_OK;
	json_array_foreach(losers, i, v)
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s'%s'", i ? ", " : "",
			    json_string_value(v));
	cn = text_safe(r->cn, buf, sizeof(buf));
	if (strcmp(reason, "lost") == 0 && !force) {
		pinca_warnx("refused by the pin guard: retiring lost root '%s' leaves app release%s %s "
		    "with no pin pinca serves; a lost key endangers no one, so ship releases that pin "
		    "the other root first and retire these ('pinca app retire NAME'), or pass --force",
		    cn, json_array_size(losers) == 1 ? "" : "s", list);
		return RC_POLICY;
	}
	fprintf(stderr, "pinca: warning: app release%s %s pin%s no key but %s root '%s': %s users "
	    "lose their pins (recorded in the audit log)\n", json_array_size(losers) == 1 ? "" : "s",
	    list, json_array_size(losers) == 1 ? "s" : "", reason, cn,
	    json_array_size(losers) == 1 ? "its" : "their");
	return RC_OK;
}

/* Prints the steps of the move away from the retired root. */
static void
print_next_steps(struct ca_context *ctx, const struct ca_record *r, const struct ca_record *other,
    const char *primary_pin, const char *reason, size_t nlosers)
{
	struct ca_record inter = { 0 };
	int inter_here = store_ca_find_held(ctx->st, "intermediate", &inter) == RC_OK;
	int other_key_here = other && other->key_path;
	char cn[TEXT_SAFE_NAME];

	if (other == NULL) {
		printf("no root is left: run a new ceremony ('pinca ca root' in a new CA directory) and "
		    "follow docs/rotation.md, 'Replacing roots'\n");
		goto out;
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
		    "against the ceremony log)\n", primary_pin);
		printf("  5. issuing host: pinca renew --due 100000 --exec CMD, then pinca verify "
		    "--connect HOST:PORT\n");
	}
	printf("  then: ship app releases that pin the %s root and a new standby (a new ceremony), "
	    "record them with 'pinca app add NAME --pin PIN...', and retire the releases that carry "
	    "the retired pin ('pinca app retire NAME')\n", other->role);
	if (strcmp(reason, "compromised") == 0)
		printf("  urgent: whoever holds the key can sign chains that apps carrying its pin "
		    "accept, until those releases are gone\n");
out:
	ca_record_clear(&inter);
}

/* Finds the active root of role (root or standby) and the other one. */
static int
retire_find(struct ca_context *ctx, const char *role, struct ca_record *r, struct ca_record *other)
{
	char reason[16];
	int64_t at;
	int rc;

	if ((rc = store_ca_find(ctx->st, role, "active", r)) == STORE_NOT_FOUND) {
		if (store_ca_find(ctx->st, role, NULL, r) == RC_OK && r->der &&
		    store_ca_retirement(ctx->st, r->id, reason, sizeof(reason), &at) == RC_OK)
			pinca_warnx("the %s root is retired already (%s)", role, reason);
		else
			pinca_warnx("no active %s root in %s", role, ctx->dir);
		return RC_FAIL;
	}
	if (rc != RC_OK)
		return RC_FAIL;
	rc = store_ca_find(ctx->st, strcmp(role, "root") == 0 ? "standby" : "root", "active", other);
	return rc == RC_FAIL ? RC_FAIL : rc;
}

int
cmd_ca_retire(int argc, char **argv)
{
	const char *flag_dir = NULL, *reason = NULL, *arg;
	struct ca_context ctx = { 0 };
	struct ca_record r = { 0 }, other = { 0 }, primary = { 0 };
	json_t *losers = NULL, *objs = NULL;
	char **rest, cn[TEXT_SAFE_NAME];
	int id, rc, force = 0, json = 0, have_other;
	struct opts o;

	opts_init(&o, argc, argv, &retire_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_FORCE: force = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_LOST:
		case OPT_COMPROMISED:
			if (reason != NULL)
				return rc_exit(opts_usage_error(&retire_help, "give one of --lost and --compromised"));
			reason = id == OPT_LOST ? "lost" : "compromised";
			break;
		}
	}
	if (opts_rest(&o, &rest) != 1 || (strcmp(rest[0], "root") != 0 && strcmp(rest[0], "standby") != 0))
		return rc_exit(opts_usage_error(&retire_help, "say which root: 'root' or 'standby'"));
	if (reason == NULL)
		return rc_exit(opts_usage_error(&retire_help, "say why: --lost or --compromised"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = retire_find(&ctx, rest[0], &r, &other)) < 0)
		goto out;
	have_other = rc == RC_OK;
	rc = RC_FAIL;
	if ((losers = releases_losing_pins(&ctx, &r, have_other ? &other : NULL)) == NULL)
		goto out;
	if ((rc = retire_guard(&r, reason, losers, force)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if (store_ca_find(ctx.st, "root", NULL, &primary) != RC_OK)
		goto out;
	objs = json_pack("{s:s,s:s?,s:s,s:s,s:O,s:b}", "role", r.role, "serial", r.serial, "pin", r.pin,
	    "reason", reason, "releases_losing_pins", losers, "forced", force);
	if (objs == NULL || store_begin(ctx.st) != RC_OK)
		goto out;
	if (store_ca_retire_root(ctx.st, r.id, reason, (int64_t)time(NULL)) != RC_OK ||
	    store_audit(ctx.st, "ca.retire", objs) != RC_OK) {
		store_rollback(ctx.st);
		goto out;
	}
	if (store_commit(ctx.st) != RC_OK)
		goto out;
	if (json) {
		rc = json_print(json_pack("{s:s,s:s?,s:s,s:s,s:O,s:s?}", "role", r.role, "serial",
		    r.serial, "pin", r.pin, "reason", reason, "releases_losing_pins", losers, "use",
		    have_other ? other.role : NULL));
		goto out;
	}
	printf("retired %s root '%s' (%s) as %s: 'pinca pins' and 'app add' no longer offer its pin, "
	    "'verify' no longer trusts chains to it\n", strcmp(r.role, "root") == 0 ? "primary" :
	    "standby", text_safe(r.cn, cn, sizeof(cn)), r.pin, reason);
	if (json_array_size(losers) > 0)
		printf("releases that lose their pins: %zu (see the warning above)\n",
		    json_array_size(losers));
	print_next_steps(&ctx, &r, have_other ? &other : NULL, primary.pin, reason,
	    json_array_size(losers));
	rc = RC_OK;
out:
	json_decref(losers);
	json_decref(objs);
	ca_record_clear(&r);
	ca_record_clear(&other);
	ca_record_clear(&primary);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
