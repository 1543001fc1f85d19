/* cmd_serve: `pinca serve`: parses the flags, starts the signer process
 * (the only holder of the intermediate's key), gets the server its TLS
 * certificate (issued here, or --tls-cert/--tls-key), then serves ACME
 * until SIGTERM. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "acme/acme.h"
#include "acme/cmd.h"
#include "ca/cert.h"
#include "ca/keys.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"
#include "issue/lineage_issue.h"

enum { OPT_LISTEN = 20, OPT_TLS_NAME, OPT_TLS_CERT, OPT_TLS_KEY, OPT_HTTP01_PORT, OPT_RESOLVE,
	OPT_DNS_RESOLVER, OPT_EAB };

static const struct opt_spec serve_opts[] = {
	OPT_SPEC_DIR,
	{ "listen", 1, OPT_LISTEN, "ADDR:PORT", "address to listen on (default 127.0.0.1:8443)" },
	{ "tls-name", 1, OPT_TLS_NAME, "HOST", "name in the server's own certificate (repeatable; default localhost)" },
	{ "tls-cert", 1, OPT_TLS_CERT, "FILE", "serve this certificate chain (PEM) instead of issuing one" },
	{ "tls-key", 1, OPT_TLS_KEY, "FILE", "the key of --tls-cert (PEM)" },
	{ "http-01-port", 1, OPT_HTTP01_PORT, "N", "port the http-01 validator connects to (default 80)" },
	{ "resolve", 1, OPT_RESOLVE, "HOST=ADDR", "validate HOST (or '*.DOMAIN') at ADDR (repeatable)" },
	{ "dns-resolver", 1, OPT_DNS_RESOLVER, "ADDR:PORT", "DNS server asked for dns-01 TXT records" },
	{ "eab", 1, OPT_EAB, "MODE", "required (default): accounts need an external account binding; none" },
	OPT_SPEC_PASS_FILE,
	OPT_SPEC_PASS_ENV,
	OPT_END_SPEC,
};
static const struct cmd_help serve_help = {
	"serve", "[--listen ADDR:PORT] [--tls-name HOST]... [--tls-cert FILE --tls-key FILE]\n"
	"           [--http-01-port N] [--resolve HOST=ADDR]... [--dns-resolver ADDR:PORT]\n"
	"           [--eab required|none]",
	"Serves ACME (RFC 8555, RFC 9773 renewalInfo) at https://ADDR:PORT/acme/directory.\n"
	"Every certificate goes through the same lints, pin guard, database record and\n"
	"audit log as 'pinca issue'. The intermediate's key stays in a signer process.\n"
	"Prints 'listening on URL' when it accepts connections; SIGTERM stops it.",
	serve_opts,
};

/* Splits "ADDR:PORT" (IPv4). */
static int
parse_addr_port(const char *flag, const char *s, char *addr, size_t size, int *port)
{
	const char *colon = strrchr(s, ':');
	long p;

	if (colon == NULL || (size_t)(colon - s) >= size || colon == s)
		return opts_usage_error(&serve_help, "--%s takes ADDR:PORT", flag);
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	if (opts_parse_long(&serve_help, flag, colon + 1, 0, 65535, &p) != RC_OK)
		return RC_USAGE;
	*port = (int)p;
	return RC_OK;
}

/* Applies one option to the configuration. */
static int
serve_option(struct acme_config *cfg, int id, const char *arg)
{
	long n;

	switch (id) {
	case OPT_DIR: cfg->dir = arg; return RC_OK;
	case OPT_LISTEN:
		return parse_addr_port("listen", arg, cfg->listen_addr, sizeof(cfg->listen_addr),
		    &cfg->listen_port);
	case OPT_TLS_NAME:
		if (cfg->ntls_names == 16)
			return opts_usage_error(&serve_help, "at most 16 --tls-name");
		cfg->tls_names[cfg->ntls_names++] = arg;
		return RC_OK;
	case OPT_TLS_CERT: cfg->tls_cert = arg; return RC_OK;
	case OPT_TLS_KEY: cfg->tls_key = arg; return RC_OK;
	case OPT_HTTP01_PORT:
		if (opts_parse_long(&serve_help, "http-01-port", arg, 1, 65535, &n) != RC_OK)
			return RC_USAGE;
		cfg->http01_port = (int)n;
		return RC_OK;
	case OPT_RESOLVE: {
		const char *eq = strchr(arg, '=');
		struct acme_resolve *r = &cfg->resolve[cfg->nresolve];
		if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(r->host) ||
		    strlen(eq + 1) >= sizeof(r->addr) || eq[1] == '\0')
			return opts_usage_error(&serve_help, "--resolve takes HOST=ADDR");
		if (cfg->nresolve == ACME_RESOLVE_MAX)
			return opts_usage_error(&serve_help, "at most %d --resolve", ACME_RESOLVE_MAX);
		memcpy(r->host, arg, (size_t)(eq - arg));
		r->host[eq - arg] = '\0';
		snprintf(r->addr, sizeof(r->addr), "%s", eq + 1);
		cfg->nresolve++;
		return RC_OK;
	}
	case OPT_DNS_RESOLVER:
		return parse_addr_port("dns-resolver", arg, cfg->dns_addr, sizeof(cfg->dns_addr),
		    &cfg->dns_port);
	case OPT_EAB:
		if (strcmp(arg, "required") && strcmp(arg, "none"))
			return opts_usage_error(&serve_help, "--eab takes 'required' or 'none'");
		cfg->eab_required = strcmp(arg, "required") == 0;
		return RC_OK;
	}
	return RC_OK;
}

/* The private key as PEM in OpenSSL's secure heap when it has one (new;
 * the caller wipes and frees it), or NULL with a message. */
static char *
key_pem_new(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_secmem());
	char *data, *out = NULL;
	long n;

	if (b == NULL || !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
		pinca_warn_ssl("cannot encode the server's TLS key");
		BIO_free(b);
		return NULL;
	}
	n = BIO_get_mem_data(b, &data);
	if ((out = OPENSSL_secure_malloc((size_t)n + 1)) == NULL &&
	    (out = OPENSSL_malloc((size_t)n + 1)) == NULL)
		pinca_warnx("out of memory");
	if (out) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

/* The server's own certificate: a new P-256 key, certified for the
 * --tls-name hosts through lineage_issue (lineage serve-tls-HASH, named
 * after the set of names). *cert_pem (leaf and chain) and *key_pem are new. */
static int
serve_tls_issue(struct issuer *is, const struct acme_config *cfg, char **cert_pem,
    char **key_pem)
{
	struct leaf_request req;
	struct leaf_result res;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char name[64], *dns = NULL, *ip = NULL;
	EVP_PKEY *key = key_generate(KEY_EC_P256);
	int renewed, rc = RC_FAIL;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	for (int i = 0; i < cfg->ntls_names; i++) {
		const char *h = cfg->tls_names[i];
		if ((strchr(h, ':') || strspn(h, "0123456789.") == strlen(h) ?
		    leaf_request_add_ip(&req, h) : leaf_request_add_dns(&req, h)) != RC_OK)
			goto out;
	}
	if (key == NULL || leaf_request_names_json(&req, &dns, &ip) != RC_OK)
		goto out;
	SHA256((const unsigned char *)dns, strlen(dns), md);
	snprintf(name, sizeof(name), "serve-tls-%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
	req.name = name;
	req.profile = "server";
	req.days = ACME_CERT_DAYS;
	req.pub = key;
	req.key_type = KEY_EC_P256;
	{
		char err[1024];
		pinca_err_clear();
		rc = lineage_issue(is, &req, "serve-tls", &renewed, &res);
		if (rc != RC_OK) {
			pinca_err_take(err, sizeof(err));
			pinca_warnx("the server's own certificate (--tls-name, or give --tls-cert): %s", err);
			goto out;
		}
	}
	rc = RC_FAIL;
	{
		size_t n = strlen(res.cert_pem) + strlen(is->chain_pem) + 1;
		if ((*cert_pem = malloc(n)) == NULL)
			goto out;
		snprintf(*cert_pem, n, "%s%s", res.cert_pem, is->chain_pem);
	}
	if ((*key_pem = key_pem_new(key)) == NULL)
		goto out;
	rc = RC_OK;
out:
	free(dns);
	free(ip);
	leaf_request_clear(&req);
	leaf_result_clear(&res);
	EVP_PKEY_free(key);
	return rc;
}

/* Reads --tls-cert and --tls-key into new strings. */
static int
serve_tls_files(const struct acme_config *cfg, char **cert_pem, char **key_pem)
{
	unsigned char *c = NULL, *k = NULL;
	size_t cl, kl;

	if (file_read_all(cfg->tls_cert, 1 << 20, &c, &cl) != RC_OK ||
	    file_read_all(cfg->tls_key, 1 << 20, &k, &kl) != RC_OK) {
		free(c);
		return RC_FAIL;
	}
	*cert_pem = realloc(c, cl + 1);
	*key_pem = OPENSSL_malloc(kl + 1);
	if (*cert_pem == NULL || *key_pem == NULL) {
		OPENSSL_clear_free(k, kl);
		return RC_FAIL;
	}
	(*cert_pem)[cl] = '\0';
	memcpy(*key_pem, k, kl);
	(*key_pem)[kl] = '\0';
	OPENSSL_cleanse(k, kl);
	free(k);
	return RC_OK;
}

/* Whether the listen address can be bound now: checked before anything is
 * issued, so a server that cannot start records nothing. */
static int
serve_can_bind(const struct acme_config *cfg)
{
	struct sockaddr_in sa;
	int fd, one = 1, ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)cfg->listen_port);
	if (inet_pton(AF_INET, cfg->listen_addr, &sa.sin_addr) != 1) {
		pinca_warnx("--listen: %s is not an IPv4 address", cfg->listen_addr);
		return RC_USAGE;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return RC_FAIL;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	if (!ok) {
		pinca_warn("cannot listen on %s:%d", cfg->listen_addr, cfg->listen_port);
		return RC_FAIL;
	}
	return RC_OK;
}

/* Starts the signer process, gets the TLS certificate, serves. */
static int
serve_run(struct acme_server *srv, const struct pass_source *src)
{
	struct ca_context ctx = { 0 };
	struct ca_record ca = { 0 };
	struct issuer is;
	struct signer_proc *sp = NULL;
	char *cert_pem = NULL, *key_pem = NULL;
	int rc;

	memset(&is, 0, sizeof(is));
	if ((rc = serve_can_bind(&srv->cfg)) != RC_OK)
		return rc;
	if ((rc = ca_context_open(srv->cfg.dir, &ctx)) != RC_OK)
		return rc;
	srv->cfg.dir = ctx.dir;
	if ((rc = ca_find_signing(&ctx, &ca)) != RC_OK) {
		rc = RC_FAIL;
		goto out;
	}
	if ((rc = signer_proc_start(ctx.dir, &ca, src, &sp, &srv->remote)) != RC_OK)
		goto out;
	if ((rc = issuer_open_with(&ctx, NULL, &srv->remote, &is)) != RC_OK)
		goto out;
	rc = srv->cfg.tls_cert ? serve_tls_files(&srv->cfg, &cert_pem, &key_pem) :
	    serve_tls_issue(&is, &srv->cfg, &cert_pem, &key_pem);
	issuer_close(&is);
	if (rc != RC_OK)
		goto out;
	/* libcurl's global set-up is not thread-safe: done once, here. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || nonce_pool_init(&srv->nonces) != 0) {
		pinca_warnx("out of memory");
		rc = RC_FAIL;
		goto out;
	}
	rc = acme_serve(srv, cert_pem, key_pem);
	nonce_pool_free(&srv->nonces);
	curl_global_cleanup();
out:
	if (key_pem) {
		OPENSSL_cleanse(key_pem, strlen(key_pem));
		if (CRYPTO_secure_allocated(key_pem))
			OPENSSL_secure_free(key_pem);
		else
			OPENSSL_free(key_pem);
	}
	free(cert_pem);
	signer_proc_stop(sp);
	ca_record_clear(&ca);
	ca_context_close(&ctx);
	return rc;
}

int
cmd_serve(int argc, char **argv)
{
	struct acme_server *srv = calloc(1, sizeof(*srv));
	struct pass_source src = { 0 };
	const char *arg;
	struct opts o;
	char **rest;
	int id, rc = RC_OK;

	if (srv == NULL)
		return PINCA_EXIT_FAIL;
	snprintf(srv->cfg.listen_addr, sizeof(srv->cfg.listen_addr), "127.0.0.1");
	srv->cfg.listen_port = 8443;
	srv->cfg.http01_port = 80;
	srv->cfg.eab_required = 1;
	srv->cfg.log = &pinca_report_stdio;
	opts_init(&o, argc, argv, &serve_help);
	while ((id = opts_next(&o, &arg)) != 0)
		if (!secret_option(&src, id, arg) && (rc = serve_option(&srv->cfg, id, arg)) != RC_OK)
			goto out;
	if (opts_rest(&o, &rest) != 0) {
		rc = opts_usage_error(&serve_help, "serve takes no arguments");
		goto out;
	}
	if ((srv->cfg.tls_cert == NULL) != (srv->cfg.tls_key == NULL)) {
		rc = opts_usage_error(&serve_help, "--tls-cert and --tls-key go together");
		goto out;
	}
	if (srv->cfg.ntls_names == 0)
		srv->cfg.tls_names[srv->cfg.ntls_names++] = "localhost";
	rc = serve_run(srv, &src);
out:
	free(srv);
	return rc_exit(rc);
}
