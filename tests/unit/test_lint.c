/* test_lint: the leaf rules that the issue command cannot be made to break
 * (its profile always sets them right) are tripped here on hand-built
 * certificates: EKU, key usage, basic constraints, digest. */
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

/* A leaf with the given extension values (NULL: left out). */
static X509 *
make_leaf(X509 *issuer, EVP_PKEY *key, const char *bc, const char *ku, const char *eku)
{
	X509 *x = X509_new();
	int64_t now = (int64_t)time(NULL);
	char serial[SERIAL_HEX_MAX];

	X509_set_version(x, X509_VERSION_3);
	cert_set_random_serial(x, serial);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	cert_set_validity(x, now, now + 30 * 86400);
	X509_set_pubkey(x, key);
	cert_add_ext(x, issuer, NID_subject_alt_name, "DNS:unit.example.com");
	if (bc)
		cert_add_ext(x, issuer, NID_basic_constraints, bc);
	if (ku)
		cert_add_ext(x, issuer, NID_key_usage, ku);
	if (eku)
		cert_add_ext(x, issuer, NID_ext_key_usage, eku);
	return x;
}

int
main(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *ca = make_issuer(key), *x;
	const char *ds = "critical,digitalSignature", *bc = "critical,CA:FALSE";

	/* Messages from refused lints go to a buffer, not the test output. */
	char sink[512];
	pinca_err_capture(sink, sizeof(sink));
	x = make_leaf(ca, key, bc, ds, "serverAuth");
	CHECK(lint_leaf(x, ca, "server", EVP_sha256()) == RC_OK, "a correct server leaf passes");
	CHECK(lint_leaf(x, ca, "server", EVP_sha1()) == RC_POLICY, "SHA-1 is refused");
	CHECK(lint_leaf(x, ca, "client", EVP_sha256()) == RC_POLICY, "a server leaf is not a client leaf");
	X509_free(x);
	x = make_leaf(ca, key, bc, ds, NULL);
	CHECK(lint_leaf(x, ca, "server", EVP_sha256()) == RC_POLICY, "missing EKU is refused");
	X509_free(x);
	x = make_leaf(ca, key, bc, ds, "serverAuth,codeSigning");
	CHECK(lint_leaf(x, ca, "server", EVP_sha256()) == RC_POLICY, "an extra EKU is refused");
	X509_free(x);
	x = make_leaf(ca, key, bc, "critical,keyEncipherment", "serverAuth");
	CHECK(lint_leaf(x, ca, "server", EVP_sha256()) == RC_POLICY, "KU without digitalSignature is refused");
	X509_free(x);
	x = make_leaf(ca, key, bc, "critical,digitalSignature,keyCertSign", "serverAuth");
	CHECK(lint_leaf(x, ca, "server", EVP_sha256()) == RC_POLICY, "KU with keyCertSign is refused");
	X509_free(x);
	x = make_leaf(ca, key, "critical,CA:TRUE", ds, "serverAuth");
	CHECK(lint_leaf(x, ca, "server", EVP_sha256()) == RC_POLICY, "CA:TRUE is refused");
	X509_free(x);
	x = make_leaf(ca, key, NULL, ds, "serverAuth");
	CHECK(lint_leaf(x, ca, "server", EVP_sha256()) == RC_POLICY, "missing basicConstraints is refused");
	X509_free(x);
	x = make_leaf(ca, key, bc, ds, "clientAuth");
	CHECK(lint_leaf(x, ca, "client", EVP_sha256()) == RC_OK, "a correct client leaf passes");
	X509_free(x);
	pinca_err_capture(NULL, 0);
	X509_free(ca);
	EVP_PKEY_free(key);
	return unit_finish();
}
