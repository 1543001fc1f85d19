/* problem: RFC 8555 §6.7 error documents (application/problem+json, RFC
 * 7807) and the JSON response helpers every handler uses. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"

json_t *
acme_problem_json(const char *type, const char *detail, int status)
{
	char urn[128];

	snprintf(urn, sizeof(urn), "urn:ietf:params:acme:error:%s", type);
	return json_pack("{s:s,s:s,s:i}", "type", urn, "detail", detail, "status", status);
}

int
acme_problem(struct acme_response *rs, int status, const char *type, const char *fmt, ...)
{
	char detail[1024];
	json_t *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	free(rs->body);
	rs->body = NULL;
	rs->status = status;
	rs->problem = type;
	rs->content_type = "application/problem+json";
	rs->location[0] = '\0';
	rs->nlinks = 0;
	if ((p = acme_problem_json(type, detail, status)) != NULL) {
		if (strcmp(type, "badSignatureAlgorithm") == 0)
			json_object_set_new(p, "algorithms", json_pack("[s,s]", "ES256", "RS256"));
		rs->body = json_dumps(p, JSON_COMPACT);
		json_decref(p);
	}
	return -1;
}

int
acme_json_response(struct acme_response *rs, int status, json_t *body)
{
	free(rs->body);
	rs->body = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
	json_decref(body);
	if (rs->body == NULL)
		return acme_problem(rs, 500, "serverInternal", "out of memory");
	rs->status = status;
	rs->content_type = "application/json";
	return 0;
}

const char *
acme_detail(const char *captured)
{
	if (strncmp(captured, "pinca: ", 7) == 0)
		captured += 7;
	return captured[0] ? captured : "the request failed";
}

json_t *
acme_url(const struct acme_request *rq, const char *fmt, ...)
{
	char path[512], url[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	snprintf(url, sizeof(url), "%s%s", rq->base, path);
	return json_string(url);
}
