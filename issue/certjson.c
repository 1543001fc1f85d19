/* certjson: certificate records as JSON (snake_case keys, RFC 3339 UTC). */
#include "common/output.h"
#include "issue/certjson.h"

const char *
certificate_status(const struct cert_record *r, int64_t now)
{
	if (r->revoked)
		return "revoked";
	return r->not_after < now ? "expired" : "valid";
}

json_t *
certificate_json(const struct cert_record *r, int64_t now)
{
	char nb[32], na[32], ra[32];
	json_t *o, *dns, *ip;

	time_rfc3339(r->not_before, nb, sizeof(nb));
	time_rfc3339(r->not_after, na, sizeof(na));
	dns = json_loads(r->dns_json ? r->dns_json : "[]", 0, NULL);
	ip = json_loads(r->ip_json ? r->ip_json : "[]", 0, NULL);
	o = json_pack("{s:s,s:s?,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:s}", "serial", r->serial, "name",
	    r->name, "dns", dns ? dns : json_array(), "ip", ip ? ip : json_array(), "not_before", nb,
	    "not_after", na, "status", certificate_status(r, now), "pin", r->pin ? r->pin : "",
	    "sha256_fingerprint", r->sha256_fingerprint, "profile", r->profile);
	if (o && r->revoked) {
		time_rfc3339(r->revoked_at, ra, sizeof(ra));
		json_object_set_new(o, "revoked_at", json_string(ra));
		json_object_set_new(o, "reason_code", json_integer(r->reason));
	}
	return o;
}
