/* test_pkcs11: the pkcs11: URI parser (ca/pkcs11.c), and a token signer
 * (ca/signer_pkcs11.c) on a SoftHSM2 token in a scratch directory across
 * fork(): a child may not sign with its parent's session (one error line),
 * but a signer it opens itself works, and the parent's keeps working. The
 * token's SoftHSM2 config resets its state on fork, as a hardware token's
 * module does. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/context.h"
#include "ca/pkcs11.h"
#include "ca/signer.h"
#include "common/err.h"
#include "tests/unit/unit.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"

/* Whether sig is a valid SHA-256 signature of msg under pub. */
static int
verifies(EVP_PKEY *pub, const char *msg, const unsigned char *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)msg, strlen(msg)) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Signs msg with sg and checks it under pub. */
static int
signs(struct signer *sg, EVP_PKEY *pub, const char *msg)
{
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	int ok = signer_sign_data_sha256(sg, (const unsigned char *)msg, strlen(msg), &sig,
	    &sig_len) == RC_OK && verifies(pub, msg, sig, sig_len);

	OPENSSL_free(sig);
	return ok;
}

static void
test_uri(void)
{
	struct p11_uri u;
	char out[P11_URI_MAX];
	int lines;

	CHECK(p11_uri_parse("pkcs11:token=My%20CA;object=root;id=%01%ff?module-path=/m.so", &u) ==
	    RC_OK && strcmp(u.token, "My CA") == 0 && strcmp(u.object, "root") == 0 &&
	    u.id_len == 2 && u.id[0] == 1 && u.id[1] == 0xff && strcmp(u.module_path, "/m.so") == 0,
	    "URI: %-escapes decoded, path and query attributes");
	CHECK(p11_uri_format(&u, out, sizeof(out)) == RC_OK &&
	    strcmp(out, "pkcs11:token=My%20CA;object=root;id=%01%FF;type=private") == 0,
	    "URI: written back escaped, without the module, with type=private");
	unit_stderr_begin();
	CHECK(p11_uri_parse("pkcs11:token=ca;object=k?pin-value=123456", &u) == RC_USAGE,
	    "URI: pin-value is refused (usage)");
	lines = unit_stderr_end();
	CHECK(unit_one_error(lines, "pin-value") && strstr(unit_err, "123456") == NULL,
	    "URI: one line, naming pin-value, without the PIN");
	unit_stderr_begin();
	CHECK(p11_uri_parse("pkcs11:token=a;token=b", &u) == RC_USAGE &&
	    p11_uri_parse("pkcs11:token=%4", &u) == RC_USAGE &&
	    p11_uri_parse("pkcs11:token=ca;;object=k", &u) == RC_USAGE &&
	    p11_uri_parse("pkcs11:token=a%00b", &u) == RC_USAGE &&
	    p11_uri_parse("pkcs11:token=ca;type=cert", &u) == RC_USAGE &&
	    p11_uri_parse("pkcs11:token=0123456789abcdef0123456789abcdefX", &u) == RC_USAGE &&
	    p11_uri_parse("file:token=ca", &u) == RC_USAGE,
	    "URI: twice, bad escape, empty attribute, NUL, non-private type, too long, not pkcs11");
	unit_stderr_end();
}

/* Makes a SoftHSM2 token labelled "unit" in the scratch directory. */
static int
token_setup(const char *dir, struct pass_source *src)
{
	char cmd[1024];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s/tokens", dir);
	mkdir(cmd, 0700);
	if ((f = fopen(unit_path(0, "softhsm2.conf"), "w")) == NULL)
		return 0;
	fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
	    "log.level = ERROR\nlibrary.reset_on_fork = true\n", dir);
	fclose(f);
	setenv("SOFTHSM2_CONF", unit_path(0, "softhsm2.conf"), 1);
	if ((f = fopen(unit_path(1, "pin"), "w")) == NULL)
		return 0;
	fputs("9876-5432\n", f);
	fclose(f);
	chmod(unit_path(1, "pin"), 0600);
	src->pin_file = unit_path(1, "pin");
	src->module = MODULE;
	snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free --label unit --so-pin "
	    "12345678 --pin 9876-5432 >/dev/null 2>&1");
	return system(cmd) == 0;
}

/* In a forked child: the parent's signer must refuse with one line, a new
 * one must sign. The exit status says which part failed. */
static void
child(struct signer *parent, const struct ca_record *rec, const struct pass_source *src,
    EVP_PKEY *pub)
{
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	struct signer *mine;
	int rc = 0, lines;

	unit_stderr_begin();
	if (signer_sign_data_sha256(parent, (const unsigned char *)"x", 1, &sig, &sig_len) == RC_OK)
		rc |= 1;
	lines = unit_stderr_end();
	if (!unit_one_error(lines, "opened by another process"))
		rc |= 2;
	signer_free(parent);	/* must not touch the parent's token state */
	if ((mine = signer_open(unit_dir, rec, src, NULL, NULL)) == NULL)
		rc |= 4;
	else if (!signs(mine, pub, "signed in the child"))
		rc |= 8;
	signer_free(mine);
	_exit(rc);	/* not exit: the atexit cleanup is the parent's */
}

static void
test_token_fork(void)
{
	struct pass_source src = { 0 };
	struct ca_record rec;
	struct signer *sg = NULL, *again = NULL;
	EVP_PKEY *pub = NULL;
	char record[P11_URI_MAX];
	unsigned char *spki = NULL;
	int rc = RC_FAIL, n, status = -1;
	pid_t pid;

	if (!token_setup(unit_tmpdir(), &src)) {
		CHECK(0, "SoftHSM2 token set up (softhsm2-util, tools/deps.sh)");
		return;
	}
	sg = signer_generate_on_token("pkcs11:token=unit;object=fork", &src, KEY_EC_P384, &pub,
	    record, sizeof(record), &rc);
	CHECK(sg != NULL && rc == RC_OK && strncmp(record, "pkcs11:token=unit;object=fork;id=", 33)
	    == 0, "a P-384 key generated on the token; its URI carries the new id");
	if (sg == NULL)
		return;
	CHECK(signs(sg, pub, "signed in the parent"), "the token signs; the signature is DER ECDSA");
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.role, sizeof(rec.role), "root");
	rec.cn = "unit";
	rec.key_path = record;
	n = i2d_PUBKEY(pub, &spki);
	rec.spki = spki;
	rec.spki_len = n > 0 ? (size_t)n : 0;
	again = signer_open(unit_dir, &rec, &src, NULL, &rc);
	CHECK(again != NULL && signs(again, pub, "reopened"), "signer_open finds it by its URI");
	signer_free(again);
	fflush(stdout);
	if ((pid = fork()) == 0)
		child(sg, &rec, &src, pub);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status),
	    "the child ran");
	CHECK(WIFEXITED(status) && (WEXITSTATUS(status) & 3) == 0,
	    "child: the parent's session refuses with one line");
	CHECK(WIFEXITED(status) && (WEXITSTATUS(status) & 12) == 0,
	    "child: a signer it opens itself (its own C_Initialize) signs");
	CHECK(signs(sg, pub, "parent after the child"), "parent: its session still signs");
	CHECK(signer_discard_key(sg) == RC_OK, "the key is deleted from the token");
	signer_free(sg);
	unit_stderr_begin();
	again = signer_open(unit_dir, &rec, &src, NULL, &rc);
	n = unit_stderr_end();
	CHECK(again == NULL && rc == RC_FAIL && unit_one_error(n, "holds no private key"),
	    "after deletion the URI finds nothing (one line)");
	signer_free(again);
	OPENSSL_free(spki);
	EVP_PKEY_free(pub);
}

int
main(void)
{
	test_uri();
	test_token_fork();
	return unit_finish();
}
