/* cmd_ca_remote: the two-machine ceremony. The issuing host makes its
 * intermediate key and a CSR (`ca csr`), the offline root signs it (`ca sign`),
 * and the issuing host installs the result (`ca import`, cmd_ca_import.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/authority.h"
#include "ca/bundle.h"
#include "ca/cmd.h"
#include "ca/crl_url.h"
#include "ca/csr.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "common/output.h"
#include "common/text.h"
#include "issue/lint.h"

enum { OPT_CN = 20, OPT_KEY, OPT_OUT, OPT_CSR };
enum { OPT_KEY_URI = 50 };	/* a key on a PKCS#11 token */

/* Refuses (RC_FAIL, one line) an --out that would replace one of the CA
 * directory's own files (its database, a key) or any private key file. */
static int
ca_out_guard(const struct ca_context *ctx, const char *out)
{
	struct file_guard g;

	file_guard_init(&g, ctx->dir);
	return file_guard_check(&g, out, NULL, 0);
}

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

/* Writes the CSR as PEM to path atomically. */
static int
write_pem_req(const char *path, X509_REQ *req)
{
	BIO *b = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	int rc = RC_FAIL;

	if (b && PEM_write_bio_X509_REQ(b, req)) {
		BIO_get_mem_ptr(b, &bm);
		rc = file_write_atomic(path, bm->data, bm->length, 0644, 0);
	} else {
		pinca_warn_ssl("cannot encode the CSR");
	}
	BIO_free(b);
	return rc;
}

int
cmd_ca_csr(int argc, char **argv)
{
	const char *flag_dir = NULL, *cn = NULL, *out = NULL, *arg, *uri = NULL;
	char rel[1024], pin[PIN_LEN], keypath[4096];
	struct pass_source src = { 0 };
	struct ca_context ctx = { 0 };
	struct ca_record rec = { 0 };
	struct secret *pass = NULL;
	struct signer *sg = NULL, *token = NULL;
	enum key_type type = KEY_EC_P256;
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	unsigned char *der = NULL;
	json_t *objs = NULL;
	int id, rc, key_written = 0, n;
	struct opts o;

	opts_init(&o, argc, argv, &csr_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_CN: cn = arg; break;
		case OPT_OUT: out = arg; break;
		case OPT_KEY_URI: uri = arg; break;
		case OPT_KEY:
			if ((rc = key_type_parse(arg, &type)) != RC_OK)
				return rc_exit(rc);
			break;
		}
	}
	if (cn == NULL || *cn == '\0' || out == NULL)
		return rc_exit(opts_usage_error(&csr_help, "--cn NAME and --out FILE are required"));
	if ((rc = lint_ca_name("--cn", cn, strlen(cn))) != RC_OK)
		return rc_exit(rc);
	if (file_check_parent(out) != RC_OK)
		return PINCA_EXIT_FAIL;
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	/* The CSR must not land on the database or a key file. */
	if ((rc = ca_out_guard(&ctx, out)) != RC_OK)
		goto out;
	if (uri == NULL && (rc = secret_read(&src, "the new intermediate key", 1, &pass)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if ((key = ca_new_key(ctx.dir, "intermediate", type, pass, uri, &src, &token, rel,
	    sizeof(rel), &rc)) == NULL)
		goto out;
	key_written = 1;
	rc = RC_FAIL;
	if ((req = X509_REQ_new()) == NULL || (name = name_from_cn(cn)) == NULL ||
	    !X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, key) ||
	    (token == NULL && (sg = signer_from_key(key, NULL)) == NULL) ||
	    signer_sign_req(token ? token : sg, req) != RC_OK || pin_of_pkey(key, pin) != RC_OK)
		goto out;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.role, sizeof(rec.role), "intermediate");
	snprintf(rec.state, sizeof(rec.state), "pending");
	snprintf(rec.key_type, sizeof(rec.key_type), "%s", key_type_name(type));
	rec.cn = strdup(cn);
	rec.key_path = strdup(rel);
	rec.pin = strdup(pin);
	rec.created_at = (int64_t)time(NULL);
	if (spki_der_of_pkey(key, &rec.spki, &rec.spki_len) != RC_OK ||
	    (n = i2d_X509_REQ(req, &der)) <= 0 || rec.cn == NULL || rec.key_path == NULL ||
	    rec.pin == NULL)
		goto out;
	rec.csr = der;
	rec.csr_len = (size_t)n;
	der = NULL;
	if (store_begin(ctx.st) != RC_OK)
		goto out;
	objs = json_pack("{s:s,s:s,s:s}", "cn", cn, "pin", pin, "key_file", rel);
	if (store_ca_insert(ctx.st, &rec) != RC_OK || store_audit(ctx.st, "ca.csr", objs) != RC_OK ||
	    ca_crl_url_adopt(&ctx, rec.id, NULL, NULL) != RC_OK) {
		store_rollback(ctx.st);
		goto out;
	}
	if (store_commit(ctx.st) != RC_OK)
		goto out;
	key_written = 0;
	if (write_pem_req(out, req) != RC_OK)
		goto out;
	printf("csr          %s\n  pin    %s\nnext: sign it on the root's host with 'pinca ca sign --csr FILE --out FILE',\n"
	    "then run 'pinca ca import --cert FILE --root-pin PIN' here (PIN: the primary root's, "
	    "from the ceremony log)\n", out, pin);
	rc = RC_OK;
out:
	if (key_written && token)
		signer_discard_key(token);
	else if (key_written && cadir_path(keypath, sizeof(keypath), ctx.dir, rel) == RC_OK)
		unlink(keypath);
	signer_free(token);
	/* rec owns spki (OpenSSL-allocated) and csr: free them the matching way. */
	OPENSSL_free(rec.spki);
	rec.spki = NULL;
	OPENSSL_free(rec.csr);
	rec.csr = NULL;
	ca_record_clear(&rec);
	json_decref(objs);
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	signer_free(sg);
	secret_free(pass);
	ca_context_close(&ctx);
	return rc_exit(rc);
}

static const struct opt_spec sign_opts[] = {
	OPT_SPEC_DIR,
	{ "csr", 1, OPT_CSR, "FILE", "the intermediate's CSR (required)" },
	{ "out", 1, OPT_OUT, "FILE", "where to write the intermediate and the roots (required)" },
	OPT_SPEC_CA_DAYS,
	OPT_SPEC_CA_PERMIT_DNS,
	OPT_SPEC_CA_PERMIT_IP,
	OPT_SPEC_CA_NO_CONSTRAINTS,
	OPT_SPEC_CA_ROOT,
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_SPEC_MODULE,
	OPT_SPEC_PIN_FILE,
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

/* Appends the PEM of a stored CA certificate to a growing buffer. */
static int
append_pem(char **buf, size_t *len, const unsigned char *der, size_t der_len)
{
	X509 *x = cert_from_der(der, der_len);
	char *pem = x ? cert_to_pem(x) : NULL, *nbuf;
	size_t n = pem ? strlen(pem) : 0;

	X509_free(x);
	if (pem == NULL || (nbuf = realloc(*buf, *len + n + 1)) == NULL) {
		free(pem);
		pinca_warnx("cannot encode a certificate");
		return RC_FAIL;
	}
	memcpy(nbuf + *len, pem, n + 1);
	*buf = nbuf;
	*len += n;
	free(pem);
	return RC_OK;
}

/* The root ceremony's transcript (signed by the primary root when it was
 * made), which the bundle carries so that the import can prove the standby. */
static int
ceremony_transcript(struct ca_context *ctx, const struct ca_record *primary, char **doc,
    unsigned char **sig, size_t *sig_len)
{
	int rc = store_transcript_find(ctx->st, primary->id, "root", doc, sig, sig_len);

	if (rc == STORE_NOT_FOUND)
		pinca_warnx("%s holds no transcript of the ceremony that made root '%s': 'ca sign' "
		    "runs where 'pinca ca root' ran (or on a copy of its database)", ctx->dir,
		    primary->cn);
	return rc == RC_OK ? RC_OK : RC_FAIL;
}

int
cmd_ca_sign(int argc, char **argv)
{
	const char *flag_dir = NULL, *csr_path = NULL, *out = NULL, *arg, *which = "root";
	char serial[SERIAL_HEX_MAX], cn[256], transcript[4096] = "";
	struct intermediate_params p = { .days = INTERMEDIATE_DEFAULT_DAYS };
	struct pass_source src = { 0 };
	struct ca_context ctx = { 0 };
	struct ca_record root = { 0 }, primary = { 0 }, standby = { 0 }, rec = { 0 };
	struct signer *sg = NULL;
	enum key_type type;
	X509_REQ *req = NULL;
	EVP_PKEY *pub = NULL;
	X509 *cert = NULL;
	char *crl_url = NULL, *bundle = NULL, *doc = NULL;
	unsigned char *doc_sig = NULL;
	size_t bundle_len = 0, doc_sig_len = 0;
	struct constraints_choice choice = { 0 };
	json_t *entries = NULL, *signing = NULL, *audit = NULL;
	int id, rc, json = 0, transcript_made = 0;
	struct opts o;

	opts_init(&o, argc, argv, &sign_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		if (secret_option(&src, id, arg))
			continue;
		if ((rc = intermediate_option(&sign_help, &p, &which, id, arg)) != 0) {
			if (rc < 0)
				return rc_exit(rc);
			continue;
		}
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_CSR: csr_path = arg; break;
		case OPT_OUT: out = arg; break;
		case OPT_JSON: json = 1; break;
		}
	}
	if (csr_path == NULL || out == NULL)
		return rc_exit(opts_usage_error(&sign_help, "--csr FILE and --out FILE are required"));
	if (p.no_constraints && p.npermit + p.npermit_ip > 0)
		return rc_exit(opts_usage_error(&sign_help,
		    "--no-constraints goes without --permit-dns and --permit-ip"));
	if (file_check_parent(out) != RC_OK)
		return PINCA_EXIT_FAIL;
	if ((rc = csr_load(csr_path, &req, &pub, &type)) != RC_OK)
		return rc_exit(rc);
	if ((rc = csr_common_name(req, csr_path, cn, sizeof(cn))) != RC_OK)
		goto out;
	p.cn = cn;
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		goto out;
	if ((rc = ca_out_guard(&ctx, out)) != RC_OK)
		goto out;
	rc = RC_FAIL;
	if (store_ca_find_held(ctx.st, which, &root) != RC_OK) {
		if (!ca_root_retired_note(&ctx, which))
			pinca_warnx("no %s root key in %s: 'ca sign' runs on the offline root's host",
			    which, ctx.dir);
		goto out;
	}
	/* The bundle carries the primary even once it is retired: its signed
	 * ceremony transcript is what proves the standby to the import. */
	if (store_ca_find(ctx.st, "root", NULL, &primary) != RC_OK ||
	    store_ca_find(ctx.st, "standby", "active", &standby) == RC_FAIL)
		goto out;
	if (ceremony_transcript(&ctx, &primary, &doc, &doc_sig, &doc_sig_len) != RC_OK)
		goto out;
	if (ca_crl_url_get(&ctx, root.id, &crl_url) != RC_OK)
		goto out;
	p.crl_url = crl_url;
	if (constraints_choose(&ctx, p.permit_dns, p.npermit, p.permit_ip, p.npermit_ip,
	    p.no_constraints, &choice) != RC_OK ||
	    (signing = transcript_signing_json(which, &root, req, &choice, crl_url)) == NULL)
		goto out;
	p.nc = choice.nc;
	/* Shown before the root key is opened (and its passphrase asked for). */
	if (!json) {
		constraints_choice_show(&choice);
		printf("crl distribution point: %s\n", crl_url ? crl_url :
		    "none (the root's CRL URL: 'pinca ca set-crl-url root URL')");
		fflush(stdout);
	}
	if ((sg = signer_open(ctx.dir, &root, &src, NULL, &rc)) == NULL)
		goto out;
	if ((cert = intermediate_build(sg, pub, &p, serial)) == NULL ||
	    ca_record_from_cert(&rec, cert, "intermediate", "active", type, NULL, root.id) != RC_OK)
		goto out;
	if (append_pem(&bundle, &bundle_len, rec.der, rec.der_len) != RC_OK ||
	    append_pem(&bundle, &bundle_len, primary.der, primary.der_len) != RC_OK ||
	    (standby.der && append_pem(&bundle, &bundle_len, standby.der, standby.der_len) != RC_OK) ||
	    bundle_append_transcript(&bundle, &bundle_len, doc, doc_sig, doc_sig_len) != RC_OK)
		goto out;
	if (store_begin(ctx.st) != RC_OK)
		goto out;
	entries = json_pack("[o]", transcript_cert_entry(&rec));
	audit = json_pack("{s:O,s:O}", "certificates", entries, "signing", signing);
	if (store_ca_insert(ctx.st, &rec) != RC_OK || store_audit(ctx.st, "ca.sign", audit) != RC_OK ||
	    transcript_write_signing(&ctx, sg, rec.id, "sign", entries, signing, transcript,
	    sizeof(transcript)) != RC_OK) {
		store_rollback(ctx.st);
		goto out;
	}
	transcript_made = 1;
	if (store_commit(ctx.st) != RC_OK)
		goto out;
	transcript_made = 0;
	if (file_write_atomic(out, bundle, bundle_len, 0644, 0) != RC_OK)
		goto out;
	if (json)
		rc = json_print(json_pack("{s:o,s:s,s:s,s:O}", "certificate", ca_record_json(&rec), "out",
		    out, "transcript", transcript, "signing", signing));
	else {
		char cn1[TEXT_SAFE_NAME], cn2[TEXT_SAFE_NAME];
		printf("intermediate %s\n  serial %s\n  pin    %s\n  signed by %s root '%s'\n"
		    "wrote %s (intermediate, the roots, the signed root ceremony transcript)\n"
		    "transcript %s\nnext: on the issuing host, 'pinca ca import --cert FILE --root-pin "
		    "%s'\n", text_safe(rec.cn, cn1, sizeof(cn1)), rec.serial, rec.pin, which,
		    text_safe(root.cn, cn2, sizeof(cn2)), out, transcript, primary.pin);
		rc = RC_OK;
	}
out:
	if (transcript_made)
		transcript_discard(transcript);
	json_decref(entries);
	json_decref(signing);
	json_decref(audit);
	constraints_choice_clear(&choice);
	free(bundle);
	free(doc);
	free(doc_sig);
	free(crl_url);
	X509_free(cert);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	signer_free(sg);
	ca_record_clear(&root);
	ca_record_clear(&primary);
	ca_record_clear(&standby);
	ca_record_clear(&rec);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
