/* authority: root and intermediate certificates (RFC 5280 4.2.1). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "ca/authority.h"
#include "common/err.h"
#include "common/output.h"

/* Sets the fields every CA certificate shares. */
static X509 *
ca_cert_start(EVP_PKEY *pub, const char *cn, int64_t not_before, int64_t not_after,
    char serial[SERIAL_HEX_MAX])
{
	X509 *x = X509_new();
	X509_NAME *name = name_from_cn(cn);

	if (x == NULL || name == NULL || !X509_set_version(x, X509_VERSION_3) ||
	    cert_set_random_serial(x, serial) != RC_OK || !X509_set_subject_name(x, name) ||
	    cert_set_validity(x, not_before, not_after) != RC_OK || spki_normalize(pub) != RC_OK ||
	    !X509_set_pubkey(x, pub)) {
		pinca_warn_ssl("cannot build the certificate for '%s'", cn);
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	return x;
}

X509 *
root_build(EVP_PKEY *key, const char *cn, long days, char serial[SERIAL_HEX_MAX])
{
	return root_build_with(NULL, key, cn, days, serial);
}

X509 *
root_build_with(struct signer *sg, EVP_PKEY *key, const char *cn, long days,
    char serial[SERIAL_HEX_MAX])
{
	int64_t now = (int64_t)time(NULL);
	struct signer *own = NULL;
	X509 *x;

	if ((x = ca_cert_start(key, cn, now, now + (int64_t)days * 86400, serial)) == NULL)
		return NULL;
	if (!X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    cert_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") != RC_OK ||
	    cert_add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") != RC_OK ||
	    cert_add_ext(x, x, NID_subject_key_identifier, "hash") != RC_OK ||
	    (sg == NULL && (sg = own = signer_from_key(key, NULL)) == NULL) ||
	    signer_sign_cert(sg, x) != RC_OK) {
		X509_free(x);
		x = NULL;
	}
	signer_free(own);
	return x;
}

int
permit_dns_valid(const char *d)
{
	size_t len = strlen(d), label = 0;

	if (len == 0 || len > 253 || d[0] == '.' || d[len - 1] == '.')
		return 0;
	for (const char *p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || (*p == '-' && label > 0)) || ++label > 63)
			return 0;
	}
	return label > 0 && d[len - 1] != '-';
}

int
intermediate_option(const struct cmd_help *help, struct intermediate_params *p,
    const char **which_root, int id, const char *arg)
{
	switch (id) {
	case OPT_CA_DAYS:
		return opts_parse_long(help, "days", arg, 1, 36500, &p->days) == RC_OK ? 1 : RC_USAGE;
	case OPT_CA_PERMIT_DNS:
		if (!permit_dns_valid(arg))
			return opts_usage_error(help, "--permit-dns '%s' is not a DNS name", arg);
		if (p->npermit == MAX_PERMIT_DNS)
			return opts_usage_error(help, "at most %d --permit-dns", MAX_PERMIT_DNS);
		p->permit_dns[p->npermit++] = arg;
		return 1;
	case OPT_CA_PERMIT_IP: {
		const char *why;
		if (p->npermit_ip == MAX_PERMIT_IP)
			return opts_usage_error(help, "at most %d --permit-ip", MAX_PERMIT_IP);
		if (permit_ip_parse(arg, &p->permit_ip[p->npermit_ip], &why) != RC_OK)
			return opts_usage_error(help, "--permit-ip '%s' %s", arg, why);
		p->npermit_ip++;
		return 1;
	}
	case OPT_CA_NO_CONSTRAINTS:
		p->no_constraints = 1;
		return 1;
	case OPT_CA_ROOT:
		if (strcmp(arg, "standby") == 0)
			*which_root = "standby";
		else if (strcmp(arg, "primary") != 0 && strcmp(arg, "root") != 0)
			return opts_usage_error(help, "--root takes 'primary' or 'standby'");
		return 1;
	default:
		return 0;
	}
}

int
intermediate_options_check(const struct cmd_help *help, const struct intermediate_params *p)
{
	if (p->no_constraints && p->npermit + p->npermit_ip > 0)
		return opts_usage_error(help,
		    "--no-constraints goes without --permit-dns and --permit-ip");
	return RC_OK;
}

X509 *
intermediate_build(struct signer *root, EVP_PKEY *pub, const struct intermediate_params *p,
    char serial[SERIAL_HEX_MAX])
{
	int64_t now = (int64_t)time(NULL), not_after = now + (int64_t)p->days * 86400;
	int64_t root_end = asn1_time_unix(X509_get0_notAfter(signer_cert(root)));
	char when[32];
	X509 *x;

	if (not_after > root_end) {
		/* An intermediate may not outlive the root that vouches for it. */
		not_after = root_end;
		time_rfc3339(root_end, when, sizeof(when));
		fprintf(stderr, "pinca: note: intermediate validity cut to the root's end, %s\n", when);
	}
	if ((x = ca_cert_start(pub, p->cn, now, not_after, serial)) == NULL)
		return NULL;
	if (cert_add_ext(x, signer_cert(root), NID_basic_constraints,
	    "critical,CA:TRUE,pathlen:0") != RC_OK ||
	    cert_add_ext(x, signer_cert(root), NID_key_usage,
	    "critical,digitalSignature,keyCertSign,cRLSign") != RC_OK ||
	    cert_add_ext(x, signer_cert(root), NID_subject_key_identifier, "hash") != RC_OK ||
	    cert_add_ext(x, signer_cert(root), NID_authority_key_identifier, "keyid:always") != RC_OK)
		goto fail;
	if (p->nc != NULL && constraints_add(x, p->nc) != RC_OK)
		goto fail;
	if (p->crl_url) {
		char dp[2048];
		snprintf(dp, sizeof(dp), "URI:%s", p->crl_url);
		if (cert_add_ext(x, signer_cert(root), NID_crl_distribution_points, dp) != RC_OK)
			goto fail;
	}
	if (signer_sign_cert(root, x) != RC_OK)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

int
ca_record_from_cert(struct ca_record *r, X509 *cert, const char *role, const char *state,
    enum key_type type, const char *key_path, int64_t issuer_id)
{
	char pin[PIN_LEN], fp[65], serial[SERIAL_HEX_MAX], cn[256];
	EVP_PKEY *pub = X509_get0_pubkey(cert);

	memset(r, 0, sizeof(*r));
	snprintf(r->role, sizeof(r->role), "%s", role);
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(r->key_type, sizeof(r->key_type), "%s", key_type_name(type));
	cert_subject_cn(cert, cn, sizeof(cn));
	if (pub == NULL || pin_of_cert(cert, pin) != RC_OK || cert_fingerprint(cert, fp) != RC_OK ||
	    cert_serial_hex(cert, serial) != RC_OK)
		goto fail;
	r->cn = strdup(cn);
	r->key_path = key_path ? strdup(key_path) : NULL;
	r->serial = strdup(serial);
	r->pin = strdup(pin);
	r->sha256_fingerprint = strdup(fp);
	r->issuer_id = issuer_id;
	r->not_before = asn1_time_unix(X509_get0_notBefore(cert));
	r->not_after = asn1_time_unix(X509_get0_notAfter(cert));
	r->created_at = (int64_t)time(NULL);
	if (r->cn == NULL || r->serial == NULL || r->pin == NULL || r->sha256_fingerprint == NULL ||
	    (key_path && r->key_path == NULL))
		goto fail;
	{
		unsigned char *der = NULL;
		size_t len = 0;
		if (spki_der_of_pkey(pub, &der, &len) != RC_OK)
			goto fail;
		r->spki = malloc(len);
		if (r->spki)
			memcpy(r->spki, der, len);
		r->spki_len = len;
		OPENSSL_free(der);
		if (cert_to_der(cert, &der, &len) != RC_OK)
			goto fail;
		r->der = malloc(len);
		if (r->der)
			memcpy(r->der, der, len);
		r->der_len = len;
		OPENSSL_free(der);
		if (r->spki == NULL || r->der == NULL)
			goto fail;
	}
	return RC_OK;
fail:
	pinca_warnx("cannot describe the certificate of '%s'", cn);
	ca_record_clear(r);
	return RC_FAIL;
}

json_t *
ca_record_json(const struct ca_record *r)
{
	char nb[32] = "", na[32] = "";
	json_t *o;

	if (r->not_before)
		time_rfc3339(r->not_before, nb, sizeof(nb));
	if (r->not_after)
		time_rfc3339(r->not_after, na, sizeof(na));
	o = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:s?,s:s?,s:s?,s:b}",
	    "role", r->role, "state", r->state, "cn", r->cn, "key_type", r->key_type,
	    "serial", r->serial, "pin", r->pin, "sha256_fingerprint", r->sha256_fingerprint,
	    "not_before", r->not_before ? nb : NULL, "not_after", r->not_after ? na : NULL,
	    "key_held", r->key_path != NULL);
	return o;
}
