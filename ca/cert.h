/* cert: small operations on X.509 certificates shared by roots,
 * intermediates and leaves: pins, fingerprints, serials, extensions, files. */
#ifndef PINCA_CERT_H
#define PINCA_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define PIN_LEN 52		/* "sha256/" + 44 base64 characters + NUL */
#define SERIAL_HEX_MAX 48

/* Pin of an SPKI: "sha256/" + base64(SHA-256(DER SubjectPublicKeyInfo)),
 * RFC 7469 section 2.4. This hashes the whole SPKI (i2d_X509_PUBKEY), not
 * only the key bits as X509_pubkey_digest() does. */
int pin_of_spki_der(const unsigned char *der, size_t len, char out[PIN_LEN]);
int pin_of_pkey(EVP_PKEY *pkey, char out[PIN_LEN]);
int pin_of_cert(X509 *cert, char out[PIN_LEN]);
/* Checks the form "sha256/" + 44 base64 characters of 32 bytes. */
int pin_is_valid(const char *pin);
/* DER SubjectPublicKeyInfo of a key or certificate (new buffer, caller frees). */
int spki_der_of_pkey(EVP_PKEY *pkey, unsigned char **der, size_t *len);
/* Makes EC keys encode as named curve with an uncompressed point, the form
 * iOS pinning libraries that rebuild the SPKI from fixed headers expect. */
int spki_normalize(EVP_PKEY *pkey);
/* SHA-256 of the certificate's DER as lowercase hex. */
int cert_fingerprint(X509 *cert, char out[65]);
/* The same, of DER already in hand (no re-encoding). RC_OK or RC_FAIL. */
int fingerprint_of_der(const unsigned char *der, size_t len, char out[65]);
/* The serial as lowercase hex without colons. */
int cert_serial_hex(X509 *cert, char out[SERIAL_HEX_MAX]);
/* 16 random octets, the first in 0x01..0x7f (a positive INTEGER of fixed
 * length, RFC 5280 4.1.2.2), and their hex. RC_OK or RC_FAIL. */
int cert_random_serial(unsigned char raw[16], char out[SERIAL_HEX_MAX]);
/* Sets a fresh serial: 16 bytes from the CSPRNG, top bit clear so the DER
 * INTEGER is positive and at most 16 octets (RFC 5280 4.1.2.2). */
int cert_set_random_serial(X509 *cert, char out[SERIAL_HEX_MAX]);
/* Sets notBefore/notAfter from Unix times (UTCTime/GeneralizedTime per RFC 5280 4.1.2.5). */
int cert_set_validity(X509 *cert, int64_t not_before, int64_t not_after);
int64_t asn1_time_unix(const ASN1_TIME *t);
/* Adds one extension through X509V3_EXT_conf_nid, issuer may be the cert itself. */
int cert_add_ext(X509 *cert, X509 *issuer, int nid, const char *value);
/* A name with one CN (and nothing else). */
X509_NAME *name_from_cn(const char *cn);
/* The subject's CN into buf ("" if none). */
void cert_subject_cn(X509 *cert, char *buf, size_t size);
int cert_to_der(X509 *cert, unsigned char **der, size_t *len);
X509 *cert_from_der(const unsigned char *der, size_t len);
/* PEM text of DER bytes under label (e.g. PEM_STRING_X509), without
 * decoding them (new string, caller frees). */
char *pem_from_der(const char *label, const unsigned char *der, size_t len);
/* PEM text of a certificate (new string, caller frees). */
char *cert_to_pem(X509 *cert);
/* Reads every certificate in a PEM (one or many) or DER file. NULL with a
 * message when there is none or the file is malformed. */
STACK_OF(X509) *certs_load_file(const char *path);
/* The same from memory; `what` names the input in messages. */
STACK_OF(X509) *certs_parse(const unsigned char *data, size_t len, const char *what);
/* The SAN DNS names and IP addresses as JSON arrays (new strings). */
int cert_names_json(X509 *cert, char **dns_json, char **ip_json);

#endif
