/* test_keys: the key types pinca allows (key_type_parse, key_type_of), key
 * files (key_write, key_load_with: encrypted PKCS#8 with PBKDF2 at 600,000
 * iterations, mode 0600, never overwritten) and passphrase sources
 * (secret_read: file mode, environment scrubbing). */
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tests/unit/unit.h"

#include "ca/keys.h"
#include "common/err.h"
#include "common/secret.h"

/* Public keys of types pinca must refuse (made with openssl genpkey). */
static const char PUB_RSA3072[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAq7OfHekzRMrKj3B0oF3+\n"
    "0Y0jkTfRBibVkYR7CCuRhO1FICauBurRupfXBEiYfZxRmRL7wnSJKQCeX9TIfkzL\n"
    "AbBdag+IGeQlgzkT6wfmCCq/Oz61e7abhHFzZajp+1G1BzLJLOKXyGJcXQd4VLsB\n"
    "3asBs+bXvjPinOgagYiu8CyVuhurm0qkhvvTP1yoOMkCYzw42Rqs87eb5J/j29md\n"
    "Hx+R1K1IusAlQWftpoue+6IpEXXlgXR7OE5DTyHk/k/IJqM+09oHfAEAcqvXAUZX\n"
    "eo4ug2EN4qWxATfoKMdbNfqBhjJ7wzu3jZP7oApBrGXrCU3YLroTFTGQd1Xoo3ig\n"
    "DtKd9YVSG5txPzpK3WMcWUVEYFT5fLAmP1L+SKt2sXISrj75SayEKA+DZGhg8SiG\n"
    "EL/ajSVNJ0ulXLcD1h3pXnkOjpm/NY0bhbmi7xZWlIW6xscIjGMDBHXXhqzMKirP\n"
    "3XjiVpop4RVuFzhcW8Cjfte/uePg0n+4Gd0+2KqfAFedAgMBAAE=\n"
    "-----END PUBLIC KEY-----\n";

static const char PUB_RSA_E3[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIDANBgkqhkiG9w0BAQEFAAOCAQ0AMIIBCAKCAQEAupcaRIKfSX/iFbjTfrXL\n"
    "j7v/wBWKdZsdSOGRE6KGu3nn7C92gW9nGMMtLrInr6RPd3Ppp58w620PWAoBJ2g/\n"
    "ouPHY2VkztftF5EB0H75+Mg3W4O42prAf7B/baweJ7gw9g6gx3gs/TBdhsp24W+q\n"
    "HKbAx4xjbLFrkDD6I6ifYL59XBF07RsjLDC9Ao83p/8UsUB5mGZ2c/SsKBrWFtkA\n"
    "ILRDLAJH70mz7FPl/M5VQnB3A5uc5D/YQh8xFMXmh9+wKNZ9/BQkMAy/OGjRGWFq\n"
    "atyPJWUQQ9+Fjdj7qIOasi1K8KayUQtHHKBWmxCbKTBZrs9OB9jpwIcNJ08U/qd5\n"
    "HQIBAw==\n"
    "-----END PUBLIC KEY-----\n";

static const char PUB_P521[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQA0AqOyCxxqKPi5QJw9Ih4Se25dlDo\n"
    "IBokBlTyt1KmSUta2pLNnJcjdzgb2QWw0XTND1Yqxz6LRCvtx+ug0Hf3DyQAnJkh\n"
    "WRzflCkHAbawkr82zAsE0CIkufWors8k0Ky1ZvOWzVoDCAI80IYzueendUwJEvR0\n"
    "Rdrjs465S8WHJb3ovOc=\n"
    "-----END PUBLIC KEY-----\n";

static const char PUB_ED25519[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAegcn6NSwPkjdd1flN4YzCNyVTlXeKOq9bMOueyhCXvg=\n"
    "-----END PUBLIC KEY-----\n";

static const char PUB_SECP256K1[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEnF8IrDJiDgNjgpLhZelRvO/h+Qu8nYdJ\n"
    "xLxEvDnZxWwrUW3K2E3NEjlweY2iO3vQyV7+PkKvjXK/wPgERk4+cQ==\n"
    "-----END PUBLIC KEY-----\n";

/* key_type_parse(s) must give rc, and on refusal one line containing needle. */
static void
parse_case(const char *s, int want_rc, enum key_type want, const char *needle)
{
	enum key_type t = (enum key_type)-1;
	char name[128];
	int rc, lines;

	unit_stderr_begin();
	rc = key_type_parse(s, &t);
	lines = unit_stderr_end();
	snprintf(name, sizeof(name), "key_type_parse '%s' -> %d", s, want_rc);
	if (want_rc == RC_OK)
		CHECK(rc == RC_OK && t == want && lines == 0, name);
	else
		CHECK(rc == want_rc && unit_one_error(lines, needle), name);
}

static void
test_parse(void)
{
	parse_case("ec-p256", RC_OK, KEY_EC_P256, NULL);
	parse_case("ec-p384", RC_OK, KEY_EC_P384, NULL);
	parse_case("rsa-2048", RC_OK, KEY_RSA_2048, NULL);
	parse_case("rsa-4096", RC_OK, KEY_RSA_4096, NULL);
	parse_case("EC-P256", RC_OK, KEY_EC_P256, NULL);
	parse_case("ed25519", RC_POLICY, 0, "Android");
	parse_case("ed448", RC_POLICY, 0, "iOS");
	parse_case("ec-p521", RC_POLICY, 0, "TrustKit");
	parse_case("rsa-3072", RC_POLICY, 0, "TrustKit");
	parse_case("rsa-1024", RC_POLICY, 0, "weak");
	parse_case("dsa", RC_USAGE, 0, "unknown key type");
	parse_case("", RC_USAGE, 0, "unknown key type");
	parse_case("ec-p256 ", RC_USAGE, 0, "unknown key type");
	CHECK(strcmp(key_type_name(KEY_RSA_4096), "rsa-4096") == 0, "key_type_name rsa-4096");
	CHECK(rc_exit(RC_POLICY) == 3 && rc_exit(RC_USAGE) == 2 && rc_exit(RC_FAIL) == 1 &&
	    rc_exit(RC_OK) == 0, "rc_exit maps to the documented exit statuses");
}

/* key_type_of on a PEM public key must refuse it with one line naming needle. */
static void
refuse_pub(const char *pem, const char *label, const char *needle)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	enum key_type t;
	char name[128];
	int rc, lines;

	BIO_free(b);
	unit_stderr_begin();
	rc = k ? key_type_of(k, "the test key", &t) : RC_FAIL;
	lines = unit_stderr_end();
	snprintf(name, sizeof(name), "key_type_of refuses %s", label);
	CHECK(k != NULL && rc == RC_POLICY && unit_one_error(lines, needle), name);
	EVP_PKEY_free(k);
}

static void
test_type_of(EVP_PKEY *p256)
{
	enum key_type t = KEY_RSA_4096;
	EVP_PKEY *p384 = key_generate(KEY_EC_P384);

	CHECK(key_type_of(p256, "k", &t) == RC_OK && t == KEY_EC_P256, "key_type_of P-256");
	CHECK(p384 && key_type_of(p384, "k", &t) == RC_OK && t == KEY_EC_P384, "key_type_of P-384");
	EVP_PKEY_free(p384);
	refuse_pub(PUB_RSA3072, "RSA-3072", "TrustKit");
	refuse_pub(PUB_RSA_E3, "RSA exponent 3", "65537");
	refuse_pub(PUB_P521, "P-521", "P-521");
	refuse_pub(PUB_ED25519, "Ed25519", "Android");
	refuse_pub(PUB_SECP256K1, "secp256k1", "secp256k1");
}

/* The PBKDF2 iteration count and PRF of an encrypted PKCS#8 PEM file. */
static long
pbkdf2_iterations(const char *path, int *prf_nid, int *cipher_nid)
{
	FILE *f = fopen(path, "r");
	X509_SIG *sig = f ? PEM_read_PKCS8(f, NULL, NULL, NULL) : NULL;
	const X509_ALGOR *alg = NULL;
	PBE2PARAM *pbe2 = NULL;
	PBKDF2PARAM *kdf = NULL;
	long iter = -1;

	if (f)
		fclose(f);
	if (sig == NULL)
		return -1;
	X509_SIG_get0(sig, &alg, NULL);
	if (OBJ_obj2nid(alg->algorithm) == NID_pbes2 &&
	    (pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)) &&
	    OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2 &&
	    (kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
	    pbe2->keyfunc->parameter))) {
		iter = ASN1_INTEGER_get(kdf->iter);
		*prf_nid = kdf->prf ? OBJ_obj2nid(kdf->prf->algorithm) : NID_hmacWithSHA1;
		*cipher_nid = OBJ_obj2nid(pbe2->encryption->algorithm);
	}
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	X509_SIG_free(sig);
	return iter;
}

static void test_clear_file(EVP_PKEY *key, const char *clear);

static void
test_files(EVP_PKEY *key)
{
	char pw[] = "correct horse battery", wrong_pw[] = "correct horse battery!";
	struct secret pass = { pw, sizeof(pw) - 1 }, wrong = { wrong_pw, sizeof(wrong_pw) - 1 };
	const char *enc = unit_path(0, "enc.key"), *clear = unit_path(1, "clear.key");
	struct stat sb;
	EVP_PKEY *back;
	int prf = 0, cipher = 0, lines;
	char head[64] = "";
	FILE *f;

	umask(022);	/* the key must be 0600 whatever the umask */
	CHECK(key_write(enc, key, &pass) == RC_OK, "key_write encrypted");
	CHECK(stat(enc, &sb) == 0 && (sb.st_mode & 07777) == 0600, "key file mode is 0600");
	if ((f = fopen(enc, "r")) != NULL) {
		if (fgets(head, sizeof(head), f) == NULL)
			head[0] = '\0';
		fclose(f);
	}
	CHECK(strcmp(head, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n") == 0, "key file is encrypted PKCS#8");
	CHECK(pbkdf2_iterations(enc, &prf, &cipher) == KEY_PBKDF2_ITERATIONS &&
	    KEY_PBKDF2_ITERATIONS >= 600000, "PBKDF2 iterations >= 600000");
	CHECK(prf == NID_hmacWithSHA256, "PBKDF2 PRF is HMAC-SHA256");
	CHECK(cipher == NID_aes_256_cbc, "cipher is AES-256-CBC");

	back = key_load_with(enc, &pass, "test key");
	CHECK(back != NULL && EVP_PKEY_eq(back, key) == 1, "key_load_with the right passphrase");
	EVP_PKEY_free(back);

	unit_stderr_begin();
	back = key_load_with(enc, &wrong, "test key");
	lines = unit_stderr_end();
	CHECK(back == NULL && unit_one_error(lines, "wrong passphrase"), "wrong passphrase refused");
	EVP_PKEY_free(back);

	unit_stderr_begin();
	back = key_load_with(enc, NULL, "test key");
	lines = unit_stderr_end();
	CHECK(back == NULL && unit_one_error(lines, "encrypted"), "no passphrase for an encrypted key");
	EVP_PKEY_free(back);

	unit_stderr_begin();
	int rc = key_write(enc, key, NULL);
	lines = unit_stderr_end();
	CHECK(rc == RC_FAIL && lines == 1, "key_write never replaces an existing file");
	CHECK(pbkdf2_iterations(enc, &prf, &cipher) == KEY_PBKDF2_ITERATIONS,
	    "the existing key file is untouched");

	test_clear_file(key, clear);
}

/* An unencrypted key file: cheap, so it also runs under valgrind. */
static void
test_clear_file(EVP_PKEY *key, const char *clear)
{
	struct stat sb;
	EVP_PKEY *back;
	int rc, lines;

	umask(022);
	CHECK(key_write(clear, key, NULL) == RC_OK, "key_write unencrypted (explicit)");
	CHECK(stat(clear, &sb) == 0 && (sb.st_mode & 07777) == 0600, "unencrypted key is 0600 too");
	back = key_load_with(clear, NULL, "test key");
	CHECK(back != NULL && EVP_PKEY_eq(back, key) == 1, "unencrypted key round trip");
	EVP_PKEY_free(back);

	unit_stderr_begin();
	rc = key_write(unit_path(2, "missing/dir/k.key"), key, NULL);
	lines = unit_stderr_end();
	CHECK(rc == RC_FAIL && lines == 1, "key_write into a missing directory fails with one line");
}

/* Writes a pass file with a mode. */
static const char *
pass_file(const char *name, const char *text, mode_t mode)
{
	const char *p = unit_path(3, name);
	FILE *f = fopen(p, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(p, mode);
	return p;
}

static void
test_secrets(void)
{
	struct pass_source src = { .file = NULL };
	struct secret *s = NULL;
	int rc, lines;

	src.file = pass_file("pass-ok", "a long passphrase\nsecond line\n", 0600);
	CHECK(secret_read(&src, "k", 1, &s) == RC_OK && s && strcmp(s->data, "a long passphrase") == 0,
	    "pass file: first line, newline stripped");
	secret_free(s);
	s = NULL;

	src.file = pass_file("pass-open", "a long passphrase\n", 0644);
	unit_stderr_begin();
	rc = secret_read(&src, "k", 0, &s);
	lines = unit_stderr_end();
	CHECK(rc != RC_OK && s == NULL && unit_one_error(lines, "chmod 600"), "pass file readable by others refused");

	src.file = pass_file("pass-short", "short\n", 0600);
	unit_stderr_begin();
	rc = secret_read(&src, "k", 1, &s);
	lines = unit_stderr_end();
	CHECK(rc != RC_OK && s == NULL && unit_one_error(lines, "shorter"), "short new passphrase refused");

	src.file = pass_file("pass-empty", "\n", 0600);
	unit_stderr_begin();
	rc = secret_read(&src, "k", 0, &s);
	lines = unit_stderr_end();
	CHECK(rc != RC_OK && s == NULL && unit_one_error(lines, "empty passphrase"), "empty passphrase refused");

	src.file = NULL;
	src.env = "PINCA_UNIT_PASS";
	setenv("PINCA_UNIT_PASS", "env passphrase 123", 1);
	char *before = getenv("PINCA_UNIT_PASS");
	CHECK(secret_read(&src, "k", 1, &s) == RC_OK && s && strcmp(s->data, "env passphrase 123") == 0,
	    "pass env read");
	CHECK(getenv("PINCA_UNIT_PASS") == NULL, "pass env variable removed from the environment");
	CHECK(before && before[0] == '\0', "pass env value wiped in place");
	secret_free(s);
	s = NULL;

	unit_stderr_begin();
	rc = secret_read(&src, "k", 0, &s);
	lines = unit_stderr_end();
	CHECK(rc != RC_OK && unit_one_error(lines, "not set"), "unset pass env refused");

	src.file = "x";
	unit_stderr_begin();
	rc = secret_read(&src, "k", 0, &s);
	lines = unit_stderr_end();
	CHECK(rc == RC_USAGE && unit_one_error(lines, "not both"), "pass file and env together refused");

	struct pass_source none = { .none = 1 };
	CHECK(secret_read(&none, "k", 1, &s) == RC_OK && s == NULL, "--no-passphrase gives no secret");
	secret_free(NULL);
}

int
main(void)
{
	EVP_PKEY *p256;

	unit_tmpdir();
	test_parse();
	p256 = key_generate(KEY_EC_P256);
	CHECK(p256 != NULL, "key_generate P-256");
	if (p256) {
		test_type_of(p256);
		/* Each PBKDF2 run (600,000 iterations) takes over a minute under
		 * valgrind; the valgrind stage sets this and the ASan build covers it. */
		if (getenv("PINCA_UNIT_SKIP_PBKDF2"))
			test_clear_file(p256, unit_path(1, "clear.key"));
		else
			test_files(p256);
	}
	EVP_PKEY_free(p256);
	test_secrets();
	return unit_finish();
}
