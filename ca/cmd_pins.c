/* cmd_pins: `pinca pins`: the pins an app should carry (primary and standby
 * root by default, or one lineage's leaf key), in the form each mobile stack
 * wants (ca/pin_formats.c writes them). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/authority.h"
#include "ca/cmd.h"
#include "ca/pin_formats.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"

enum { OPT_FORMAT = 20, OPT_DOMAIN, OPT_SUBDOMAINS, OPT_EXPIRATION, OPT_LEAF, OPT_OUT,
	OPT_RAW_DIR, OPT_RAW_NAME, OPT_RAW_DER };

#define HPKP_DEFAULT_MAX_AGE 5184000L	/* 60 days */

static const struct opt_spec pins_opts[] = {
	OPT_SPEC_DIR,
	{ "format", 1, OPT_FORMAT, "F", "text (default), json, android, ios, okhttp, trustkit, curl, hpkp" },
	{ "domain", 1, OPT_DOMAIN, "HOST", "a domain the app pins (repeatable; android/ios/okhttp/trustkit)" },
	{ "include-subdomains", 0, OPT_SUBDOMAINS, NULL, "pin the subdomains too" },
	{ "expiration", 1, OPT_EXPIRATION, "YYYY-MM-DD", "pins end on this date (android, trustkit, hpkp max-age)" },
	{ "leaf", 1, OPT_LEAF, "NAME", "pin this lineage's leaf key instead of the roots" },
	{ "out", 1, OPT_OUT, "FILE", "write the configuration to FILE instead of stdout" },
	{ "raw-dir", 1, OPT_RAW_DIR, "DIR", "also write each root certificate to DIR/NAME_ROLE.pem (Android res/raw)" },
	{ "raw-name", 1, OPT_RAW_NAME, "NAME", "prefix of the raw resource names (default pinca)" },
	{ "raw-der", 0, OPT_RAW_DER, NULL, "write them as DER, NAME_ROLE.der (an iOS bundle's anchors)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help pins_help = {
	"pins", "[--format F] [--domain HOST]... [--include-subdomains] [--expiration YYYY-MM-DD] "
	"[--leaf NAME] [--out FILE] [--raw-dir DIR [--raw-name NAME] [--raw-der]]",
	"Writes the pin configuration apps should carry: by default the primary and\n"
	"the standby root (both keys, so the standby is the backup pin). A pin is\n"
	"sha256/ + base64 of SHA-256 over the DER SubjectPublicKeyInfo (RFC 7469).\n"
	"Formats that need a backup pin refuse a single-pin set (exit 3).",
	pins_opts,
};

/* What the command line asked for. */
struct pins_request {
	enum pin_format format;
	const char *leaf, *out, *raw_dir, *raw_name, *expiration;
	char domains[PIN_DOMAINS_MAX][254];
	size_t ndomains;
	int include_subdomains;
	int raw_der;		/* --raw-der: DER files instead of PEM */
	struct file_guard guard;	/* what --out and --raw-dir files must not replace */
};

/* Checks --expiration: a real calendar date after today (UTC); sets the
 * seconds from now until then. */
static int
expiration_check(const char *s, long *seconds)
{
	int64_t t, now = (int64_t)time(NULL);
	char back[32];
	struct tm tm;
	time_t tt;

	if (date_parse(s, &t) != RC_OK)
		return opts_usage_error(&pins_help, "--expiration '%s' is not a date YYYY-MM-DD", s);
	/* strptime accepts 2027-02-30 and timegm rolls it over: refuse that. */
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL || strftime(back, sizeof(back), "%Y-%m-%d", &tm) == 0 ||
	    strcmp(back, s) != 0)
		return opts_usage_error(&pins_help, "--expiration '%s' is not a calendar date", s);
	if (t <= now)
		return opts_usage_error(&pins_help, "--expiration %s is not in the future", s);
	*seconds = (long)(t - now);
	return RC_OK;
}

/* Adds a --domain value, lowercased, after checking it is a DNS name. */
static int
domain_add(struct pins_request *rq, const char *d)
{
	char *dst;

	if (!permit_dns_valid(d))
		return opts_usage_error(&pins_help, "--domain '%s' is not a DNS name (no wildcards: "
		    "use --include-subdomains)", d);
	if (rq->ndomains == PIN_DOMAINS_MAX)
		return opts_usage_error(&pins_help, "at most %d --domain", PIN_DOMAINS_MAX);
	dst = rq->domains[rq->ndomains++];
	for (size_t i = 0; d[i]; i++)
		dst[i] = (char)tolower((unsigned char)d[i]), dst[i + 1] = '\0';
	return RC_OK;
}

/* Checks that NAME can prefix an Android resource name: [a-z][a-z0-9_]*. */
static int
resource_name_valid(const char *name)
{
	if (!(name[0] >= 'a' && name[0] <= 'z') || strlen(name) > 40)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static int
pins_parse(int argc, char **argv, struct pins_request *rq, const char **flag_dir, long *max_age)
{
	const char *arg;
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, &pins_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: *flag_dir = arg; break;
		case OPT_JSON: rq->format = PIN_FORMAT_JSON; break;
		case OPT_SUBDOMAINS: rq->include_subdomains = 1; break;
		case OPT_LEAF: rq->leaf = arg; break;
		case OPT_OUT: rq->out = arg; break;
		case OPT_RAW_DIR: rq->raw_dir = arg; break;
		case OPT_RAW_NAME: rq->raw_name = arg; break;
		case OPT_RAW_DER: rq->raw_der = 1; break;
		case OPT_EXPIRATION: rq->expiration = arg; break;
		case OPT_FORMAT:
			if (pin_format_parse(arg, &rq->format) != RC_OK)
				return opts_usage_error(&pins_help, "unknown --format '%s'", arg);
			break;
		case OPT_DOMAIN:
			if ((rc = domain_add(rq, arg)) != RC_OK)
				return rc;
			break;
		}
	}
	/* Formats whose pins cannot expire: an ignored --expiration would let
	 * the mobile team believe the pins lapse on that date. */
	if (rq->expiration && rq->format == PIN_FORMAT_IOS)
		return opts_usage_error(&pins_help, "--expiration does not apply to --format ios: "
		    "NSPinnedDomains pins do not expire (ship an app release to change them)");
	if (rq->expiration && (rq->format == PIN_FORMAT_OKHTTP || rq->format == PIN_FORMAT_CURL))
		return opts_usage_error(&pins_help, "--expiration does not apply to --format %s: "
		    "its pins do not expire", rq->format == PIN_FORMAT_CURL ? "curl" : "okhttp");
	if (rq->expiration && (rc = expiration_check(rq->expiration, max_age)) != RC_OK)
		return rc;
	if (rq->raw_der && rq->raw_dir == NULL)
		return opts_usage_error(&pins_help, "--raw-der says how --raw-dir writes the "
		    "certificates: give --raw-dir DIR too");
	if (!resource_name_valid(rq->raw_name))
		return opts_usage_error(&pins_help, "--raw-name '%s': Android resource names are "
		    "[a-z][a-z0-9_]*", rq->raw_name);
	if (pin_format_needs_domain(rq->format) && rq->ndomains == 0)
		return opts_usage_error(&pins_help, "this format needs at least one --domain HOST");
	if (rq->format == PIN_FORMAT_CURL && rq->leaf == NULL)
		return opts_usage_error(&pins_help, "curl --pinnedpubkey pins the server's own key, "
		    "not a root: use --format curl --leaf NAME");
	if (rq->out && file_check_parent(rq->out) != RC_OK)
		return RC_FAIL;
	return RC_OK;
}

/* Writes each root certificate to DIR/PREFIX_ROLE.pem (PEM and nothing
 * else, as an Android raw resource wants) or, with --raw-der, to
 * DIR/PREFIX_ROLE.der (the bytes SecCertificateCreateWithData takes), and
 * names it in ps->anchors. */
static int
anchors_collect(const struct pins_request *rq, struct ca_record *roots, int nroots,
    struct pin_set *ps)
{
	for (int i = 0; i < nroots; i++) {
		char path[4096];
		X509 *x;
		char *pem = NULL;
		int rc, parsed;

		snprintf(ps->anchors[ps->nanchors++], sizeof(ps->anchors[0]), "%s_%s", rq->raw_name,
		    roots[i].role);
		if (rq->raw_dir == NULL)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s", rq->raw_dir,
		    ps->anchors[ps->nanchors - 1], rq->raw_der ? "der" : "pem") >= sizeof(path)) {
			pinca_warnx("--raw-dir path is too long");
			return RC_FAIL;
		}
		if (file_guard_check(&rq->guard, path, NULL, 0) != RC_OK)
			return RC_FAIL;
		/* Parsed either way, so a damaged row is never shipped. */
		x = cert_from_der(roots[i].der, roots[i].der_len);
		parsed = x != NULL;
		if (parsed && !rq->raw_der)
			pem = cert_to_pem(x);
		X509_free(x);
		if (!parsed || (!rq->raw_der && pem == NULL)) {
			pinca_warnx("the stored certificate of root '%s' is damaged", roots[i].cn);
			return RC_FAIL;
		}
		if (rq->raw_der)
			rc = file_write_atomic(path, roots[i].der, roots[i].der_len, 0644, 0);
		else
			rc = file_write_atomic(path, pem, strlen(pem), 0644, 0);
		free(pem);
		if (rc != RC_OK)
			return rc;
		if (rq->out)	/* stdout is free: say what was written */
			printf("wrote %s\n", path);
	}
	return RC_OK;
}

/* Fills ps with the pins of the primary and standby roots; in_chain marks
 * the root of the intermediate that issues here today. */
static int
pins_of_roots(struct ca_context *ctx, struct ca_record roots[2], int *nroots, struct pin_set *ps)
{
	const char *roles[2] = { "root", "standby" };
	struct ca_record inter = { 0 };
	int rc, have_inter;

	*nroots = 0;
	if ((rc = store_ca_find_held(ctx->st, "intermediate", &inter)) == RC_FAIL)
		return RC_FAIL;
	have_inter = rc == RC_OK;
	for (int i = 0; i < 2; i++) {
		struct ca_record *r = &roots[*nroots];
		if ((rc = store_ca_find(ctx->st, roles[i], "active", r)) == RC_FAIL) {
			ca_record_clear(&inter);
			return RC_FAIL;
		}
		if (rc != RC_OK)
			continue;
		snprintf(ps->pins[ps->npins].pin, PIN_LEN, "%s", r->pin);
		ps->pins[ps->npins].role = r->role;
		ps->pins[ps->npins].cn = r->cn;
		ps->pins[ps->npins].in_chain = have_inter ? inter.issuer_id == r->id : i == 0;
		ps->npins++;
		(*nroots)++;
	}
	ca_record_clear(&inter);
	if (*nroots == 0) {
		if (!ca_root_retired_note(ctx, "root"))
			pinca_warnx("no root known in %s: run 'pinca ca root' or 'pinca ca import' first",
			    ctx->dir);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Replaces the set with the leaf key of lineage NAME (name_buf keeps the
 * lineage name the entry points at). */
static int
pins_of_leaf(struct ca_context *ctx, const char *name, struct pin_set *ps, char *name_buf,
    size_t name_size)
{
	struct lineage_record l = { 0 };
	int rc = store_lineage_get(ctx->st, name, &l);

	if (rc == STORE_NOT_FOUND)
		pinca_warnx("no lineage '%s' in %s (see 'pinca db list')", name, ctx->dir);
	if (rc != RC_OK)
		return RC_FAIL;
	snprintf(name_buf, name_size, "%s", l.name);
	memset(ps->pins, 0, sizeof(ps->pins));
	snprintf(ps->pins[0].pin, PIN_LEN, "%s", l.pin);
	ps->pins[0].role = "leaf";
	ps->pins[0].cn = name_buf;
	ps->pins[0].in_chain = 1;
	ps->npins = 1;
	ps->leaf = 1;
	lineage_record_clear(&l);
	return RC_OK;
}

/* Refuses (RC_POLICY) a set without the backup pin the format needs. */
static int
backup_check(const struct pins_request *rq, const struct pin_set *ps)
{
	size_t spare = 0;

	if (!pin_format_needs_backup(rq->format))
		return RC_OK;
	if (ps->npins < 2) {
		pinca_warnx("refused: only one pin (%s); this format needs a backup pin, or the app "
		    "breaks the day that key changes%s", ps->pins[0].pin,
		    rq->leaf ? " (pin the roots instead of --leaf)" : " (make a standby root)");
		return RC_POLICY;
	}
	for (size_t i = 0; i < ps->npins; i++)
		spare += !ps->pins[i].in_chain;
	if (rq->format == PIN_FORMAT_HPKP && spare == 0) {
		/* RFC 7469 section 4.3: at least one pin must match nothing in the chain. */
		pinca_warnx("refused: every pin is in the chain served today; RFC 7469 needs a backup "
		    "pin outside it");
		return RC_POLICY;
	}
	return RC_OK;
}

/* Formats the set into memory, then writes it to --out or stdout. */
static int
pins_emit(const struct pins_request *rq, const struct pin_set *ps)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc;

	if (mem == NULL) {
		pinca_warn("cannot format the pins");
		return RC_FAIL;
	}
	rc = pin_format_write(mem, rq->format, ps);
	if (fclose(mem) != 0 && rc == RC_OK) {
		pinca_warn("cannot format the pins");
		rc = RC_FAIL;
	}
	if (rc == RC_OK) {
		if (rq->out) {
			rc = file_write_atomic(rq->out, buf, len, 0644, 0);
			if (rc == RC_OK)	/* stdout is free: say what was written */
				printf("wrote %s (%zu pin%s)\n", rq->out, ps->npins,
				    ps->npins == 1 ? "" : "s");
		} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			pinca_warn("cannot write the pins");
			rc = RC_FAIL;
		}
	}
	free(buf);
	return rc;
}

int
cmd_pins(int argc, char **argv)
{
	struct pins_request rq = { .format = PIN_FORMAT_TEXT, .raw_name = "pinca" };
	struct pin_set ps = { .max_age = HPKP_DEFAULT_MAX_AGE };
	struct ca_record roots[2];
	struct ca_context ctx = { 0 };
	const char *flag_dir = NULL;
	char leaf_name[256];
	long until = 0;
	int rc, nroots = 0;

	memset(roots, 0, sizeof(roots));
	if ((rc = pins_parse(argc, argv, &rq, &flag_dir, &until)) != RC_OK)
		return rc_exit(rc);
	for (size_t i = 0; i < rq.ndomains; i++)
		ps.domains[ps.ndomains++] = rq.domains[i];
	ps.include_subdomains = rq.include_subdomains;
	ps.expiration = rq.expiration;
	if (until > 0 && until < ps.max_age)
		ps.max_age = until;
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	/* Never over the database, a key or the CA directory's files. */
	file_guard_init(&rq.guard, ctx.dir);
	if (rq.out && (rc = file_guard_check(&rq.guard, rq.out, NULL, 0)) != RC_OK)
		goto out;
	if ((rc = pins_of_roots(&ctx, roots, &nroots, &ps)) != RC_OK)
		goto out;
	if (rq.leaf && (rc = pins_of_leaf(&ctx, rq.leaf, &ps, leaf_name, sizeof(leaf_name))) != RC_OK)
		goto out;
	if ((rc = backup_check(&rq, &ps)) != RC_OK)
		goto out;
	if ((rc = anchors_collect(&rq, roots, nroots, &ps)) != RC_OK)
		goto out;
	rc = pins_emit(&rq, &ps);
	if (rc == RC_OK && ps.npins == 1 && !rq.leaf)
		fprintf(stderr, "pinca: warning: only one root pin is known; apps need a backup pin\n");
out:
	for (int i = 0; i < 2; i++)
		ca_record_clear(&roots[i]);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
