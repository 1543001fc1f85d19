/* transcript: the signed record of a ceremony. The JSON file is exactly the
 * bytes that were signed; FILE.json.sig is a DER ECDSA or RSA PKCS#1 v1.5
 * signature over their SHA-256, checkable with
 *   openssl dgst -sha256 -verify root-pub.pem -signature FILE.json.sig FILE.json */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "ca/authority.h"
#include "common/cadir.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"

json_t *
transcript_cert_entry(const struct ca_record *r)
{
	json_t *o = ca_record_json(r);

	if (o && r->key_path)
		json_object_set_new(o, "key_file", json_string(r->key_path));
	return o;
}

json_t *
transcript_signing_json(const char *which, const struct ca_record *root, X509_REQ *csr,
    const struct constraints_choice *choice, const char *crl_url)
{
	unsigned char *der = NULL;
	char csr_hash[65] = "";
	json_t *o;
	int n;

	if (csr != NULL) {
		if ((n = i2d_X509_REQ(csr, &der)) <= 0 ||
		    fingerprint_of_der(der, (size_t)n, csr_hash) != RC_OK) {
			OPENSSL_free(der);
			pinca_warn_ssl("cannot hash the CSR");
			return NULL;
		}
		OPENSSL_free(der);
	}
	o = json_pack("{s:{s:s,s:s,s:s?,s:s},s:s?,s:o,s:s?}", "root", "role", which, "cn", root->cn,
	    "serial", root->serial, "pin", root->pin, "csr_sha256", csr ? csr_hash : NULL,
	    "name_constraints", constraints_choice_json(choice), "crl_distribution_point", crl_url);
	if (o == NULL)
		pinca_warnx("cannot describe the signing for the transcript");
	return o;
}

void
transcript_discard(const char *path)
{
	char sig[4200];

	snprintf(sig, sizeof(sig), "%s.sig", path);
	unlink(path);
	unlink(sig);
}

int
transcript_write(struct ca_context *ctx, struct signer *sg, int64_t ca_id, const char *kind,
    json_t *certs, char *path_out, size_t path_size)
{
	return transcript_write_signing(ctx, sg, ca_id, kind, certs, NULL, path_out, path_size);
}

int
transcript_write_signing(struct ca_context *ctx, struct signer *sg, int64_t ca_id,
    const char *kind, json_t *certs, json_t *signing, char *path_out, size_t path_size)
{
	char host[256] = "unknown", when[32], stamp[32], name[128], sigpath[4200];
	struct passwd *pw = getpwuid(geteuid());
	time_t now = time(NULL);
	struct tm tm;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char *doc = NULL;
	json_t *t;
	int rc = RC_FAIL;

	gethostname(host, sizeof(host) - 1);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	time_rfc3339((int64_t)now, when, sizeof(when));
	t = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "pinca_transcript", 1, "kind", kind,
	    "created_at", when, "host", host, "user", pw ? pw->pw_name : "unknown",
	    "tool", "pinca " PINCA_VERSION, "openssl", OpenSSL_version(OPENSSL_VERSION),
	    "certificates", certs);
	if (t != NULL && signing != NULL)
		json_object_set(t, "signing", signing);
	if (t == NULL || (doc = json_dumps(t, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		pinca_warnx("cannot build the transcript");
		goto out;
	}
	snprintf(name, sizeof(name), "transcript-%s-%s-%lld.json", kind, stamp, (long long)ca_id);
	if (cadir_path(path_out, path_size, ctx->dir, name) != RC_OK)
		goto out;
	snprintf(sigpath, sizeof(sigpath), "%s.sig", path_out);
	if (signer_sign_data_sha256(sg, (unsigned char *)doc, strlen(doc), &sig, &sig_len) != RC_OK)
		goto out;
	if (store_transcript_insert(ctx->st, ca_id, kind, name, doc, sig, sig_len) != RC_OK)
		goto out;
	if (file_write_atomic(path_out, doc, strlen(doc), 0644, 1) != RC_OK)
		goto out;
	if (file_write_atomic(sigpath, sig, sig_len, 0644, 1) != RC_OK) {
		unlink(path_out);
		goto out;
	}
	rc = RC_OK;
out:
	OPENSSL_free(sig);
	free(doc);
	json_decref(t);
	return rc;
}
