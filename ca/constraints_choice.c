/* constraints_choice: which name constraints the next intermediate signed
 * in this CA directory gets (the flags', none, or the previous
 * intermediate's, carried so a rotation cannot drop them by omission), and
 * the text and JSON that show the choice to the operator and record it in
 * the transcript. The X.509 side is ca/constraints.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/cert.h"
#include "ca/constraints_choice.h"
#include "common/err.h"

/* store_ca_each callback: remembers the newest intermediate with a certificate. */
static int
newest_intermediate(const struct ca_record *r, void *arg)
{
	int64_t *id = arg;

	if (strcmp(r->role, "intermediate") == 0 && r->der != NULL && r->id > *id)
		*id = r->id;
	return 0;
}

/* The newest intermediate recorded here and its constraints into c. */
static int
choice_previous(struct ca_context *ctx, struct constraints_choice *c)
{
	struct ca_record prev = { 0 };
	int64_t id = 0;
	X509 *x = NULL;
	int rc = RC_FAIL;

	if (store_ca_each(ctx->st, newest_intermediate, &id) != RC_OK)
		return RC_FAIL;
	if (id == 0)
		return RC_OK;
	if (store_ca_get(ctx->st, id, &prev) != RC_OK)
		return RC_FAIL;
	if ((x = cert_from_der(prev.der, prev.der_len)) == NULL) {
		pinca_warnx("the stored certificate of intermediate '%s' cannot be read", prev.cn);
		goto out;
	}
	snprintf(c->previous_serial, sizeof(c->previous_serial), "%s", prev.serial ? prev.serial : "");
	snprintf(c->previous_cn, sizeof(c->previous_cn), "%s", prev.cn);
	rc = constraints_of_cert(x, &c->previous);
out:
	X509_free(x);
	ca_record_clear(&prev);
	return rc;
}

int
constraints_choose(struct ca_context *ctx, const char *const *dns, int ndns,
    const struct permit_ip *ip, int nip, int no_constraints, struct constraints_choice *out)
{
	int failed = 0;

	memset(out, 0, sizeof(*out));
	if (choice_previous(ctx, out) != RC_OK)
		goto fail;
	if (ndns + nip > 0) {
		out->source = CONSTRAINTS_FLAGS;
		if ((out->nc = constraints_from_permits(dns, ndns, ip, nip, &failed)) == NULL)
			goto fail;
	} else if (no_constraints) {
		out->source = CONSTRAINTS_DROPPED;
	} else if (out->previous != NULL) {
		/* A copy is completed; the previous is shown as it was. */
		out->source = CONSTRAINTS_CARRIED;
		out->nc = ASN1_item_dup(ASN1_ITEM_rptr(NAME_CONSTRAINTS), out->previous);
		if (out->nc == NULL || constraints_complete(out->nc) != RC_OK) {
			pinca_warn_ssl("cannot copy the previous intermediate's name constraints");
			goto fail;
		}
	} else {
		out->source = CONSTRAINTS_NONE;
	}
	return RC_OK;
fail:
	constraints_choice_clear(out);
	return RC_FAIL;
}

void
constraints_choice_clear(struct constraints_choice *c)
{
	NAME_CONSTRAINTS_free(c->nc);
	NAME_CONSTRAINTS_free(c->previous);
	memset(c, 0, sizeof(*c));
}

static const char *const source_names[] = { "none", "flags", "carried", "dropped" };


json_t *
constraints_choice_json(const struct constraints_choice *c)
{
	return json_pack("{s:s,s:o,s:s?,s:o}", "source", source_names[c->source],
	    "constraints", constraints_json(c->nc), "previous_serial",
	    c->previous_serial[0] ? c->previous_serial : NULL, "previous_constraints",
	    constraints_json(c->previous));
}
