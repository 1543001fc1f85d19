/* certjson: the JSON object of a leaf certificate, as every command that
 * prints one (issue, renew, db list, db show) prints it. */
#ifndef PINCA_CERTJSON_H
#define PINCA_CERTJSON_H

#include <stdint.h>

#include <jansson.h>

#include "db/store.h"

/* "valid", "revoked" or "expired" at time now. */
const char *certificate_status(const struct cert_record *r, int64_t now);
/* {serial, name, dns, ip, not_before, not_after, status, pin,
 *  sha256_fingerprint, profile, revoked_at?, reason?}; new reference. */
json_t *certificate_json(const struct cert_record *r, int64_t now);

#endif
