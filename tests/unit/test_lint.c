/* test_lint: the leaf rules that the issue command cannot be made to break
 * (its profile always sets them right) are tripped here on hand-built
 * extensions (EKU, key usage, basic constraints, digest), and the per-leaf
 * facts (names, validity, key type, name constraints) directly. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "common/err.h"
#include "issue/lint.h"
#include "tests/unit/unit.h"

/* A CA certificate to issue under, valid for a year. */
static X509 *
make_issuer(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *n = name_from_cn("Unit CA");
	int64_t now = (int64_t)time(NULL);
	char serial[SERIAL_HEX_MAX];

	X509_set_version(x, X509_VERSION_3);
	cert_set_random_serial(x, serial);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	cert_set_validity(x, now - 60, now + 365 * 86400);
	X509_set_pubkey(x, key);
	cert_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	cert_add_ext(x, x, NID_subject_key_identifier, "hash");
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

/* The extensions of a leaf profile with the given values (NULL: left out). */
static STACK_OF(X509_EXTENSION) *
make_exts(X509 *issuer, const char *bc, const char *ku, const char *eku)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	const char *values[3] = { bc, ku, eku };
	const int nids[3] = { NID_basic_constraints, NID_key_usage, NID_ext_key_usage };
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, issuer, NULL, NULL, NULL, 0);
	for (int i = 0; i < 3; i++)
		if (values[i])
			sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL, &ctx, nids[i], values[i]));
	return exts;
}

/* Checks the profile rules on one set of extensions. */
static int
profile(X509 *ca, const char *bc, const char *ku, const char *eku, const char *name, int rsa,
    const EVP_MD *md)
{
	STACK_OF(X509_EXTENSION) *exts = make_exts(ca, bc, ku, eku);
	int rc = lint_leaf_profile(exts, name, rsa, md);

	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

int
main(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	X509 *ca = make_issuer(key);
	const char *ds = "critical,digitalSignature", *bc = "critical,CA:FALSE";
	const EVP_MD *sha256 = EVP_sha256();
	char *dns[2] = { "www.example.com", "api.other.test" };
	int64_t now = (int64_t)time(NULL), ca_end = now + 365 * 86400;
	struct lint_leaf_facts f = { key, dns, 1, 0, now, now + 30 * 86400, ca_end, NULL, NULL };
	NAME_CONSTRAINTS *nc;
	X509V3_CTX ctx;
	X509_EXTENSION *nce;

	/* A refused lint records its line in the thread's error state. */
	pinca_err_clear();
	CHECK(profile(ca, bc, ds, "serverAuth", "server", 0, sha256) == RC_OK, "a correct server profile passes");
	CHECK(profile(ca, bc, ds, "serverAuth", "server", 0, EVP_sha1()) == RC_POLICY, "SHA-1 is refused");
	CHECK(profile(ca, bc, ds, "serverAuth", "client", 0, sha256) == RC_POLICY, "a server profile is not a client profile");
	CHECK(profile(ca, bc, ds, NULL, "server", 0, sha256) == RC_POLICY, "missing EKU is refused");
	CHECK(profile(ca, bc, ds, "serverAuth,codeSigning", "server", 0, sha256) == RC_POLICY, "an extra EKU is refused");
	CHECK(profile(ca, bc, "critical,keyEncipherment", "serverAuth", "server", 0, sha256) == RC_POLICY, "KU without digitalSignature is refused");
	CHECK(profile(ca, bc, "critical,digitalSignature,keyCertSign", "serverAuth", "server", 0, sha256) == RC_POLICY, "KU with keyCertSign is refused");
	CHECK(profile(ca, bc, ds, "serverAuth", "server", 1, sha256) == RC_POLICY, "an RSA leaf needs keyEncipherment");
	CHECK(profile(ca, "critical,CA:TRUE", ds, "serverAuth", "server", 0, sha256) == RC_POLICY, "CA:TRUE is refused");
	CHECK(profile(ca, NULL, ds, "serverAuth", "server", 0, sha256) == RC_POLICY, "missing basicConstraints is refused");
	CHECK(profile(ca, bc, ds, "clientAuth", "client", 0, sha256) == RC_OK, "a correct client profile passes");

	CHECK(lint_leaf_facts(&f) == RC_OK, "a correct leaf passes");
	f.ndns = 0;
	pinca_err_clear();
	CHECK(lint_leaf_facts(&f) == RC_POLICY && strstr(pinca_err_message(), "san-present"), "a leaf without names is refused");
	f.ndns = 1;
	f.not_after = now + 826 * 86400;
	f.issuer_not_after = now + 900 * 86400;
	pinca_err_clear();
	CHECK(lint_leaf_facts(&f) == RC_POLICY && strstr(pinca_err_message(), "validity-825"), "826 days are refused");
	f.not_after = now + 30 * 86400;
	f.issuer_not_after = now + 29 * 86400;
	pinca_err_clear();
	CHECK(lint_leaf_facts(&f) == RC_POLICY && strstr(pinca_err_message(), "validity-issuer"), "outliving the issuer is refused");
	f.issuer_not_after = ca_end;
	f.not_after = now;
	CHECK(lint_leaf_facts(&f) == RC_POLICY, "notAfter before notBefore is refused");
	f.not_after = now + 30 * 86400;
	f.pub = p521;
	CHECK(lint_leaf_facts(&f) == RC_POLICY, "a P-521 key is refused");
	f.pub = key;
	X509V3_set_ctx(&ctx, ca, NULL, NULL, NULL, 0);
	nce = X509V3_EXT_conf_nid(NULL, &ctx, NID_name_constraints, "critical,permitted;DNS:example.com");
	nc = X509V3_EXT_d2i(nce);
	f.nc = nc;
	CHECK(lint_leaf_facts(&f) == RC_OK, "a name inside the permitted subtree passes");
	f.ndns = 2;
	pinca_err_clear();
	CHECK(lint_leaf_facts(&f) == RC_POLICY && strstr(pinca_err_message(), "name-constraints"), "a name outside it is refused");
	f.ndns = 1;
	{
		char *ips[] = { "10.0.0.1", "2001:db8::1" };
		f.ip = ips;
		f.nip = 1;
		pinca_err_clear();
		CHECK(lint_leaf_facts(&f) == RC_POLICY && strstr(pinca_err_message(), "IP address 10.0.0.1"),
		    "DNS-only constraints (an older intermediate) issue no IP address");
		NAME_CONSTRAINTS_free(nc);
		X509_EXTENSION_free(nce);
		nce = X509V3_EXT_conf_nid(NULL, &ctx, NID_name_constraints,
		    "critical,permitted;DNS:example.com,permitted;IP:10.0.0.0/255.0.0.0");
		nc = X509V3_EXT_d2i(nce);
		f.nc = nc;
		CHECK(lint_leaf_facts(&f) == RC_OK, "an address inside a permitted IP subtree passes");
		f.ip = ips + 1;
		pinca_err_clear();
		CHECK(lint_leaf_facts(&f) == RC_POLICY && strstr(pinca_err_message(), "2001:db8::1"),
		    "an IPv6 address outside the IPv4 subtrees is refused");
		NAME_CONSTRAINTS_free(nc);
		X509_EXTENSION_free(nce);
		nce = X509V3_EXT_conf_nid(NULL, &ctx, NID_name_constraints,
		    "critical,permitted;DNS:example.com,excluded;DNS:bad.example.com");
		nc = X509V3_EXT_d2i(nce);
		f.nc = nc;
		f.nip = 0;
		f.ip = NULL;
		{
			char *wild[] = { "*.example.com" };
			char *const *keep = f.dns;
			f.dns = wild;
			pinca_err_clear();
			CHECK(lint_leaf_facts(&f) == RC_POLICY && strstr(pinca_err_message(), "*.example.com"),
			    "a wildcard that covers an excluded name is refused");
			f.dns = keep;
		}
	}
	NAME_CONSTRAINTS_free(nc);
	X509_EXTENSION_free(nce);
	pinca_err_clear();
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(p521);
	return unit_finish();
}
