/* crl: the streamed CRL encoder. A CertificateList (RFC 5280 section 5) is
 * built by reading the CA's revocations from the store one row at a time and
 * hand-encoding each entry's DER into one growing buffer, then signed with
 * the signer's streaming interface. Memory is the DER itself (about 50 bytes
 * per entry) and nothing per entry besides: no X509_REVOKED objects. */
#ifndef PINCA_CRL_H
#define PINCA_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ca/signer.h"
#include "db/store.h"

/* Default nextUpdate distance: an online intermediate republishes weekly; an
 * offline root, whose CRL only lists intermediates, once a year. */
#define CRL_DAYS_INTERMEDIATE 7
#define CRL_DAYS_ROOT 365

/* What the CRL should say besides its entries. */
struct crl_request {
	int64_t number;		/* cRLNumber (RFC 5280 5.2.3), > 0 */
	int64_t this_update;	/* Unix seconds */
	int64_t next_update;
	int only_ca_certs;	/* a root's CRL: a critical issuingDistributionPoint
				 * with onlyContainsCACerts (RFC 5280 5.2.5) */
};

/* The number the next CRL of a CA takes: one more than its highest recorded
 * number, but at least the time now in microseconds since 1970. A database
 * restored from a backup does not know the numbers its original used after
 * the backup; the clock does, so a CRL made from the restored copy still
 * numbers above them (as long as the clock is right). Call it inside the
 * transaction that records the CRL. RC_OK or RC_FAIL (message printed). */
int crl_number_next(struct store *st, int64_t ca_id, int64_t *number);

/* A signed CRL. The DER is der_len bytes at der, inside the buffer base. */
struct crl {
	unsigned char *base;
	const unsigned char *der;
	size_t der_len;
	int64_t entries;
	char sha256[65];	/* of the DER, lowercase hex */
};

/* Builds and signs the CRL of the signer's CA from its rows in st: v2, the
 * signer's algorithm, the CA's subject as issuer, each revocation with its
 * revocationDate and reasonCode (omitted for unspecified, RFC 5280 5.3.1),
 * and the AKI and cRLNumber extensions. Every revocation of the CA is
 * listed, expired certificates included. Returns RC_OK or RC_FAIL (message
 * printed); free out with crl_clear. */
int crl_build_streaming(struct store *st, struct signer *sg, const struct crl_request *req,
    struct crl *out);
void crl_clear(struct crl *c);
/* Writes the CRL to fp as DER or as PEM ("X509 CRL"), base64 made in small
 * pieces so PEM output costs no second copy. RC_OK or RC_FAIL (no message:
 * the caller knows the destination's name). */
int crl_emit(FILE *fp, const struct crl *c, int der);
/* Writes the CRL to path atomically (temporary file in the same directory,
 * fsync, rename, fsync of the directory), mode 0644: a web server never
 * serves half a CRL. RC_OK or RC_FAIL (message printed). */
int crl_write_file(const char *path, const struct crl *c, int der);

/* RFC 5280 5.3.1 reason codes: name to code (-1 if unknown) and back. */
int crl_reason_parse(const char *name);
const char *crl_reason_name(int code);

#endif
