/* validate: the two validations (RFC 8555 §8.3 http-01, §8.4 dns-01), each
 * bounded in time and in the bytes it reads. http-01 asks the name (or the
 * --resolve address given for it) on the --http-01-port with libcurl; dns-01
 * asks the --dns-resolver for TXT records with the resolver library. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/sha.h>
#include <jose/b64.h>

#include "acme/acme.h"

#define HTTP01_MAX_BODY 1024

struct http_body {
	char buf[HTTP01_MAX_BODY + 1];
	size_t len;
	int too_big;
};

/* libcurl write callback: keeps at most HTTP01_MAX_BODY bytes, then stops. */
static size_t
http_body_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_body *b = arg;
	size_t len = size * n;

	if (b->len + len > HTTP01_MAX_BODY) {
		b->too_big = 1;
		return 0;	/* aborts the transfer */
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	return len;
}

/* The --resolve address for host, or NULL. */
static const char *
resolve_override(const struct acme_config *cfg, const char *host)
{
	for (int i = 0; i < cfg->nresolve; i++) {
		const char *h = cfg->resolve[i].host;
		if (strcmp(h, host) == 0)
			return cfg->resolve[i].addr;
		if (strncmp(h, "*.", 2) == 0) {
			size_t hl = strlen(host), dl = strlen(h + 1);
			if (hl > dl && strcmp(host + hl - dl, h + 1) == 0)
				return cfg->resolve[i].addr;
		}
	}
	return NULL;
}

static json_t *
problem_new(const char *type, const char *detail)
{
	return acme_problem_json(type, detail, 400);
}

int
acme_validate_http01(const struct acme_config *cfg, const char *host, const char *token,
    const char *key_authz, json_t **problem)
{
	char url[512], resolve[400], detail[1024];
	struct curl_slist *rl = NULL;
	struct http_body *b = calloc(1, sizeof(*b));
	const char *addr = resolve_override(cfg, host);
	int is_v6 = strchr(host, ':') != NULL, rc = -1;
	long code = 0;
	CURL *c = curl_easy_init();
	CURLcode cc;

	*problem = NULL;
	if (c == NULL || b == NULL) {
		*problem = problem_new("serverInternal", "cannot start the validation");
		goto out;
	}
	snprintf(url, sizeof(url), "http://%s%s%s:%d/.well-known/acme-challenge/%s", is_v6 ? "[" : "",
	    host, is_v6 ? "]" : "", cfg->http01_port, token);
	if (addr) {
		snprintf(resolve, sizeof(resolve), "%s:%d:%s", host, cfg->http01_port, addr);
		rl = curl_slist_append(NULL, resolve);
		curl_easy_setopt(c, CURLOPT_RESOLVE, rl);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)ACME_VALIDATION_SECONDS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)HTTP01_MAX_BODY);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pinca-acme-validator");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (b->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(detail, sizeof(detail), "http-01: %s answered more than %d bytes", url,
		    HTTP01_MAX_BODY);
		*problem = problem_new("unauthorized", detail);
	} else if (cc != CURLE_OK) {
		snprintf(detail, sizeof(detail), "http-01: cannot fetch %s: %s", url, curl_easy_strerror(cc));
		*problem = problem_new("connection", detail);
	} else if (code != 200) {
		snprintf(detail, sizeof(detail), "http-01: %s answered HTTP %ld", url, code);
		*problem = problem_new("unauthorized", detail);
	} else {
		while (b->len && (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r' ||
		    b->buf[b->len - 1] == ' ' || b->buf[b->len - 1] == '\t'))
			b->len--;
		b->buf[b->len] = '\0';
		if (strcmp(b->buf, key_authz) == 0)
			rc = 0;
		else {
			snprintf(detail, sizeof(detail), "http-01: %s does not hold the key authorization", url);
			*problem = problem_new("unauthorized", detail);
		}
	}
out:
	curl_slist_free_all(rl);
	if (c)
		curl_easy_cleanup(c);
	free(b);
	return rc;
}

/* Asks the configured resolver for the TXT records of name; calls back with
 * each string. Returns the number of records, or -1. */
static int
dns_txt(const struct acme_config *cfg, const char *name, const char *want, int *found)
{
	struct __res_state rs;
	unsigned char ans[4096];
	ns_msg msg;
	ns_rr rr;
	int len, n, count = 0;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0)
		return -1;
	rs.nscount = 1;
	rs.nsaddr_list[0].sin_family = AF_INET;
	rs.nsaddr_list[0].sin_port = htons((uint16_t)cfg->dns_port);
	if (inet_pton(AF_INET, cfg->dns_addr, &rs.nsaddr_list[0].sin_addr) != 1) {
		res_nclose(&rs);
		return -1;
	}
	rs.retrans = 2;
	rs.retry = 2;
	len = res_nquery(&rs, name, ns_c_in, ns_t_txt, ans, sizeof(ans));
	res_nclose(&rs);
	if (len < 0 || ns_initparse(ans, len, &msg) != 0)
		return -1;
	n = ns_msg_count(msg, ns_s_an);
	for (int i = 0; i < n && i < 64; i++) {
		const unsigned char *p, *end;
		char txt[512];
		size_t tl = 0;
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_txt)
			continue;
		/* A TXT record is a run of length-prefixed strings: join them. */
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		while (p < end) {
			size_t sl = *p++;
			if (sl > (size_t)(end - p) || tl + sl >= sizeof(txt))
				break;
			memcpy(txt + tl, p, sl);
			tl += sl;
			p += sl;
		}
		txt[tl] = '\0';
		count++;
		if (strcmp(txt, want) == 0)
			*found = 1;
	}
	return count;
}

int
acme_validate_dns01(const struct acme_config *cfg, const char *domain, const char *key_authz,
    json_t **problem)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char want[64], name[300], detail[512];
	size_t n;
	int found = 0, count;

	*problem = NULL;
	SHA256((const unsigned char *)key_authz, strlen(key_authz), md);
	if ((n = jose_b64_enc_buf(md, sizeof(md), want, sizeof(want) - 1)) == SIZE_MAX) {
		*problem = problem_new("serverInternal", "cannot encode the digest");
		return -1;
	}
	want[n] = '\0';
	snprintf(name, sizeof(name), "_acme-challenge.%s", domain);
	count = dns_txt(cfg, name, want, &found);
	if (found)
		return 0;
	if (count < 0)
		snprintf(detail, sizeof(detail), "dns-01: no TXT record for %s at %s:%d", name,
		    cfg->dns_addr, cfg->dns_port);
	else
		snprintf(detail, sizeof(detail), "dns-01: none of the %d TXT records of %s holds the "
		    "expected digest", count, name);
	*problem = problem_new(count < 0 ? "dns" : "unauthorized", detail);
	return -1;
}
