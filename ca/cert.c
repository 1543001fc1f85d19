/* cert: certificate helpers. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ca/cert.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/output.h"

int
pin_of_spki_der(const unsigned char *der, size_t len, char out[PIN_LEN])
{
	unsigned char md[32];
	unsigned char b64[48];

	if (digest(DIGEST_SHA256, der, len, md) != 32)
		return RC_FAIL;
	if (EVP_EncodeBlock(b64, md, 32) != 44)
		return RC_FAIL;
	memcpy(out, "sha256/", 7);
	memcpy(out + 7, b64, 45);	/* 44 characters and the NUL */
	return RC_OK;
}

/* Hands an i2d_*() result (n bytes at buf) to the caller's der and len;
 * n <= 0 is a failure reported as "cannot encode <what>". Returns RC_OK or
 * RC_FAIL. */
static int
der_result(int n, unsigned char *buf, const char *what, unsigned char **der, size_t *len)
{
	if (n <= 0) {
		pinca_warn_ssl("cannot encode %s", what);
		return RC_FAIL;
	}
	*der = buf;
	*len = (size_t)n;
	return RC_OK;
}

int
spki_der_of_pkey(EVP_PKEY *pkey, unsigned char **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n = i2d_PUBKEY(pkey, &buf);

	return der_result(n, buf, "a public key", der, len);
}

int
pin_of_pkey(EVP_PKEY *pkey, char out[PIN_LEN])
{
	unsigned char *der;
	size_t len;
	int rc;

	if (spki_der_of_pkey(pkey, &der, &len) != RC_OK)
		return RC_FAIL;
	rc = pin_of_spki_der(der, len, out);
	OPENSSL_free(der);
	return rc;
}

int
pin_of_cert(X509 *cert, char out[PIN_LEN])
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	int rc;

	if (n <= 0)
		return RC_FAIL;
	rc = pin_of_spki_der(der, (size_t)n, out);
	OPENSSL_free(der);
	return rc;
}

int
pin_is_valid(const char *pin)
{
	unsigned char raw[40];

	if (strncmp(pin, "sha256/", 7) != 0 || strlen(pin + 7) != 44 || pin[7 + 43] != '=' ||
	    pin[7 + 42] == '=')
		return 0;
	for (const char *p = pin + 7; p < pin + 7 + 43; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", *p))
			return 0;
	/* 32 bytes leave 2 spare bits in the last character; they must be zero, or
	 * two spellings would name one key and never compare equal. */
	if (strchr("AEIMQUYcgkosw048", pin[7 + 42]) == NULL)
		return 0;
	return EVP_DecodeBlock(raw, (const unsigned char *)pin + 7, 44) == 33;
}

int
spki_normalize(EVP_PKEY *pkey)
{
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return RC_OK;
	if (!EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    "uncompressed") ||
	    !EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, "named_curve")) {
		pinca_warn_ssl("cannot normalise the EC public key encoding");
		return RC_FAIL;
	}
	return RC_OK;
}

int
fingerprint_of_der(const unsigned char *der, size_t len, char out[65])
{
	unsigned char md[32];

	if (digest(DIGEST_SHA256, der, len, md) != sizeof(md))
		return RC_FAIL;
	hex_encode(md, sizeof(md), out);
	return RC_OK;
}

int
cert_fingerprint(X509 *cert, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	if (!X509_digest(cert, EVP_sha256(), md, &n) || n != 32)
		return RC_FAIL;
	hex_encode(md, 32, out);
	return RC_OK;
}

int
cert_serial_hex(X509 *cert, char out[SERIAL_HEX_MAX])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex;
	int rc = RC_FAIL;

	if (bn && (hex = BN_bn2hex(bn)) != NULL) {
		rc = serial_canonical(hex, out, SERIAL_HEX_MAX) == RC_OK ? RC_OK : RC_FAIL;
		OPENSSL_free(hex);
	}
	BN_free(bn);
	return rc;
}

int
cert_random_serial(unsigned char raw[16], char out[SERIAL_HEX_MAX])
{
	do {
		if (RAND_bytes(raw, 16) != 1) {
			pinca_warn_ssl("the random number generator failed");
			return RC_FAIL;
		}
		raw[0] &= 0x7f;
	} while (raw[0] == 0);	/* keep 16 octets, so serials sort and print alike */
	hex_encode(raw, 16, out);
	return RC_OK;
}

int
cert_set_random_serial(X509 *cert, char out[SERIAL_HEX_MAX])
{
	unsigned char raw[16];
	BIGNUM *bn = NULL;
	int rc = RC_FAIL;

	if (cert_random_serial(raw, out) != RC_OK)
		return RC_FAIL;
	if ((bn = BN_bin2bn(raw, sizeof(raw), NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL)
		rc = RC_OK;
	else
		pinca_warn_ssl("cannot set the serial number");
	BN_free(bn);
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

int
cert_set_validity(X509 *cert, int64_t not_before, int64_t not_after)
{
	/* ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after,
	 * as RFC 5280 4.1.2.5 requires. */
	if (ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after) == NULL) {
		pinca_warn_ssl("cannot set the validity");
		return RC_FAIL;
	}
	return RC_OK;
}

int64_t
asn1_time_unix(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

int
cert_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL) {
		pinca_warn_ssl("cannot make the %s extension (%s)", OBJ_nid2sn(nid), value);
		return RC_FAIL;
	}
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ok) {
		pinca_warn_ssl("cannot add the %s extension", OBJ_nid2sn(nid));
		return RC_FAIL;
	}
	return RC_OK;
}

X509_NAME *
name_from_cn(const char *cn)
{
	X509_NAME *name = X509_NAME_new();

	if (name == NULL || !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0)) {
		pinca_warn_ssl("cannot use '%s' as a common name", cn);
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

void
cert_subject_cn(X509 *cert, char *buf, size_t size)
{
	buf[0] = '\0';
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf,
	    (int)size) < 0)
		buf[0] = '\0';
}

int
cert_to_der(X509 *cert, unsigned char **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n = i2d_X509(cert, &buf);

	return der_result(n, buf, "a certificate", der, len);
}

X509 *
cert_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* What the memory BIO b holds, as a new NUL-terminated string (NULL: out
 * of memory). */
static char *
mem_bio_string(BIO *b)
{
	BUF_MEM *bm;
	char *s;

	BIO_get_mem_ptr(b, &bm);
	if ((s = malloc(bm->length + 1)) != NULL) {
		memcpy(s, bm->data, bm->length);
		s[bm->length] = '\0';
	}
	return s;
}

char *
pem_from_der(const char *label, const unsigned char *der, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio(b, label, "", der, (long)len) > 0)
		s = mem_bio_string(b);
	BIO_free(b);
	return s;
}

char *
cert_to_pem(X509 *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio_X509(b, cert))
		s = mem_bio_string(b);
	BIO_free(b);
	return s;
}

STACK_OF(X509) *
certs_parse(const unsigned char *data, size_t len, const char *what)
{
	STACK_OF(X509) *certs = NULL;
	BIO *bio = NULL;
	X509 *x;

	if ((certs = sk_X509_new_null()) == NULL)
		goto fail;
	if (len > 0 && memmem(data, len, "-----BEGIN ", 11) != NULL) {
		if (len > INT_MAX || (bio = BIO_new_mem_buf(data, (int)len)) == NULL)
			goto fail;
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
			if (!sk_X509_push(certs, x)) {
				X509_free(x);
				goto fail;
			}
		/* The loop ends on "no start line" at the end; anything else is damage. */
		unsigned long e = ERR_peek_last_error();
		if (sk_X509_num(certs) == 0 || (e && ERR_GET_REASON(e) != PEM_R_NO_START_LINE)) {
			pinca_warn_ssl("%s: no readable certificate", what);
			goto fail_quiet;
		}
		ERR_clear_error();
	} else {
		if ((x = cert_from_der(data, len)) == NULL || !sk_X509_push(certs, x)) {
			X509_free(x);
			pinca_warn_ssl("%s: not a PEM or DER certificate", what);
			goto fail_quiet;
		}
	}
	BIO_free(bio);
	return certs;
fail:
	pinca_warn_ssl("cannot read certificates from %s", what);
fail_quiet:
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	return NULL;
}

STACK_OF(X509) *
certs_load_file(const char *path)
{
	unsigned char *data = NULL;
	size_t len = 0;
	STACK_OF(X509) *certs;

	if (file_read_all(path, 16 << 20, &data, &len) != RC_OK)
		return NULL;
	certs = certs_parse(data, len, path);
	free(data);
	return certs;
}

int
cert_names_json(X509 *cert, char **dns_json, char **ip_json)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	json_t *dns = json_array(), *ip = json_array();
	int rc = RC_FAIL;

	*dns_json = *ip_json = NULL;
	if (dns == NULL || ip == NULL)
		goto out;
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		if (g->type == GEN_DNS) {
			const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
			json_array_append_new(dns, json_stringn((const char *)s,
			    (size_t)ASN1_STRING_length(g->d.dNSName)));
		} else if (g->type == GEN_IPADD) {
			char text[INET6_ADDRSTRLEN] = "";
			int n = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
			if (n == 4)
				inet_ntop(AF_INET, a, text, sizeof(text));
			else if (n == 16)
				inet_ntop(AF_INET6, a, text, sizeof(text));
			json_array_append_new(ip, json_string(text));
		}
	}
	*dns_json = json_dumps(dns, JSON_COMPACT);
	*ip_json = json_dumps(ip, JSON_COMPACT);
	if (*dns_json && *ip_json)
		rc = RC_OK;
out:
	GENERAL_NAMES_free(names);
	json_decref(dns);
	json_decref(ip);
	return rc;
}
