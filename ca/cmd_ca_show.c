/* cmd_ca_show: `ca list` and `ca show`, the read side of the ca commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/authority.h"
#include "ca/cmd.h"
#include "ca/crl_url.h"
#include "common/err.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"

static const struct opt_spec list_opts[] = { OPT_SPEC_DIR, OPT_SPEC_JSON, OPT_END_SPEC };
static const struct cmd_help list_help = {
	"ca list", "[--json]",
	"Lists every CA this directory knows: roots, standby roots and\n"
	"intermediates, with state, validity, pin and whether the key is here.",
	list_opts,
};

struct list_state {
	int json;
	json_t *arr;
};

static int
list_one(const struct ca_record *r, void *arg)
{
	struct list_state *ls = arg;
	char na[32] = "-", cn[TEXT_SAFE_NAME];

	if (ls->json)
		return json_array_append_new(ls->arr, ca_record_json(r)) == 0 ? 0 : RC_FAIL;
	if (r->not_after)
		time_rfc3339(r->not_after, na, sizeof(na));
	printf("%-12s %-8s %-4s %-20s %-32s %s\n", r->role, r->state, r->key_path ? "key" : "-",
	    na, r->serial ? r->serial : "(pending)", text_safe(r->cn, cn, sizeof(cn)));
	printf("%57s pin %s\n", "", r->pin);
	return 0;
}

int
cmd_ca_list(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_context ctx;
	struct list_state ls = { 0, NULL };
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, &list_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			ls.json = 1;
	}
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if (ls.json && (ls.arr = json_array()) == NULL)
		rc = RC_FAIL;
	else {
		if (!ls.json)
			printf("%-12s %-8s %-4s %-20s %-32s %s\n", "ROLE", "STATE", "KEY", "NOT_AFTER",
			    "SERIAL", "CN");
		rc = store_ca_each(ctx.st, list_one, &ls);
	}
	if (rc == RC_OK && ls.json) {
		rc = json_print(ls.arr);
		ls.arr = NULL;
	}
	json_decref(ls.arr);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec show_opts[] = {
	OPT_SPEC_DIR,
	OPT_SPEC_JSON,
	{ "pem", 0, 20, NULL, "print the certificate alone, as PEM" },
	OPT_END_SPEC,
};
static const struct cmd_help show_help = {
	"ca show", "(root|standby|intermediate|SERIAL) [--pem|--json]",
	"Shows one CA: the active root, standby or intermediate, or the CA with\n"
	"that serial. --pem prints only its certificate (for trust stores and apps).",
	show_opts,
};

/* --pem: the certificate alone. */
static int
show_pem(const struct ca_record *r)
{
	X509 *x = r->der ? cert_from_der(r->der, r->der_len) : NULL;
	char *text = x ? cert_to_pem(x) : NULL;
	int rc = RC_FAIL;

	if (r->der == NULL)
		pinca_warnx("%s '%s' has no certificate yet (its CSR is out for signing)", r->role, r->cn);
	else if (text == NULL)
		pinca_warnx("the stored certificate of '%s' is damaged", r->cn);
	else {
		fputs(text, stdout);
		rc = RC_OK;
	}
	free(text);
	X509_free(x);
	return rc;
}

/* --json: the record, its retirement and its CRL URL. */
static int
show_json(const struct ca_description *d)
{
	json_t *doc = ca_record_json(&d->rec);

	if (doc && d->retired) {
		json_object_set_new(doc, "retired_reason", json_string(d->reason));
		json_object_set_new(doc, "retired_at", json_string(d->when));
	}
	if (doc)
		json_object_set_new(doc, "crl_url", d->crl_url ? json_string(d->crl_url) : json_null());
	return json_print(doc);
}

/* The text form: one field a line. */
static void
show_text(const struct ca_description *d)
{
	const struct ca_record *r = &d->rec;
	char nb[32], na[32], cn[TEXT_SAFE_NAME];

	time_rfc3339(r->not_before, nb, sizeof(nb));
	time_rfc3339(r->not_after, na, sizeof(na));
	printf("role         %s\nstate        %s\ncn           %s\nkey type     %s\n"
	    "key          %s\nserial       %s\nnot before   %s\nnot after    %s\n"
	    "pin          %s\nsha256       %s\n", r->role, r->state, text_safe(r->cn, cn, sizeof(cn)),
	    r->key_type,
	    r->key_path ? r->key_path : "(not held here)", r->serial ? r->serial : "(pending)",
	    r->not_before ? nb : "-", r->not_after ? na : "-", r->pin,
	    r->sha256_fingerprint ? r->sha256_fingerprint : "-");
	if (d->retired)
		printf("retired      %s, %s (not pinned, not trusted)\n", d->reason, d->when);
	/* Where this CA's CRL goes: the CDP of what it signs (set-crl-url). */
	printf("crl url      %s\n", d->crl_url ? d->crl_url : "-");
}

/* ca show: one CA (ca_describe), as PEM, JSON or text. */
int
cmd_ca_show(int argc, char **argv)
{
	const char *flag_dir = NULL, *arg;
	struct ca_context ctx;
	struct ca_description d = { 0 };
	struct opts o;
	char **rest;
	int id, rc, json = 0, pem = 0;

	opts_init(&o, argc, argv, &show_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (id == OPT_DIR)
			flag_dir = arg;
		else if (id == OPT_JSON)
			json = 1;
		else if (id == 20)
			pem = 1;
	}
	if (opts_rest(&o, &rest) != 1)
		return rc_exit(opts_usage_error(&show_help, "name one CA: root, standby, intermediate or a serial"));
	if (json && pem)
		return rc_exit(opts_usage_error(&show_help, "--json and --pem exclude each other"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	if ((rc = ca_describe(&ctx, rest[0], &d)) == RC_OK) {
		if (pem)
			rc = show_pem(&d.rec);
		else if (json)
			rc = show_json(&d);
		else
			show_text(&d);
	}
	ca_description_clear(&d);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
