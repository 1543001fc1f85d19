/* serve: the HTTP side of `pinca serve`, on libmicrohttpd with GnuTLS: a
 * pool of threads, each with its own store handle and issuer (opened on its
 * first request); request bodies capped and refused early; the routing of
 * RFC 8555 resources to their handlers; headers every response carries
 * (Replay-Nonce, Link index); one access-log line per request (to the
 * report the command gives, srv->cfg.log);
 * SIGTERM lets the requests in flight finish. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>

#include "acme/acme.h"
#include "common/err.h"

#define SERVE_THREADS 8
#define SERVE_CONN_TIMEOUT 15		/* seconds an idle or slow connection may live */
#define SERVE_CONN_MEMORY (128 * 1024)	/* per connection, headers and buffers */
#define SERVE_CONN_LIMIT 1000
#define SERVE_CACHE_KIB 1024		/* SQLite page cache per thread's handle */

/* One request as it arrives: its body, kept up to ACME_BODY_MAX. */
struct pending {
	unsigned char *body;
	size_t len;
	int too_big, answered;
	struct timespec start;
	int status;
	int64_t account, order;
	char method[8], path[80];	/* for the log, cut and cleaned */
	char problem[40];		/* the error's type, "" when none */
};

/* Copies a request token for the log: printable, no spaces, cut. */
static void
log_token(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++)
		dst[i] = src[i] > ' ' && src[i] < 127 && src[i] != '"' ? src[i] : '?';
	dst[i] = '\0';
}

/* Frees a thread's context when the thread ends. */
static void
thread_free(void *p)
{
	struct acme_thread *t = p;

	if (t == NULL)
		return;
	if (t->is_open)
		issuer_close(&t->is);
	if (t->ctx_open)
		ca_context_close(&t->ctx);
	free(t);
}

struct acme_thread *
acme_thread_get(struct acme_server *srv)
{
	struct acme_thread *t = pthread_getspecific(srv->thread_key);

	if (t && t->is_open)
		return t;
	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return NULL;
		pthread_setspecific(srv->thread_key, t);
	}
	if (!t->ctx_open && ca_context_open(srv->cfg.dir, &t->ctx) == RC_OK) {
		t->ctx_open = 1;
		store_set_writer_lock(t->ctx.st, &srv->writer);
		store_set_cache_kib(t->ctx.st, SERVE_CACHE_KIB);
	}
	if (t->ctx_open && issuer_open_with(&t->ctx, NULL, &srv->remote, &t->is) == RC_OK)
		t->is_open = 1;
	return t->is_open ? t : NULL;
}

/* Sets rq->base from the Host header (the client's name for us). */
static int
serve_base(struct MHD_Connection *c, struct acme_request *rq, const char *path)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);

	if (host == NULL || host[0] == '\0' || strlen(host) > 260 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
	    strlen(host))
		return -1;
	snprintf(rq->base, sizeof(rq->base), "https://%s", host);
	snprintf(rq->url, sizeof(rq->url), "%s%s", rq->base, path);
	return 0;
}

/* Parses "/PREFIX/<id>[/rest]"; returns the id (>0) and sets *rest. */
static int64_t
path_id(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	char *end;
	long long id;

	if (strncmp(path, prefix, n) != 0 || path[n] < '1' || path[n] > '9')
		return 0;
	errno = 0;
	id = strtoll(path + n, &end, 10);
	if (errno || id <= 0)
		return 0;
	*rest = end;
	return id;
}

/* Routes a POST to its handler. */
static int
serve_post(struct acme_request *rq, struct acme_response *rs)
{
	const char *p = rq->path, *rest = "";
	int64_t id;

	if (strcmp(p, "/acme/new-account") == 0)
		return acme_new_account(rq, rs);
	if (strcmp(p, "/acme/new-order") == 0)
		return acme_new_order(rq, rs);
	if (strcmp(p, "/acme/revoke-cert") == 0)
		return acme_revoke_cert(rq, rs);
	if (strcmp(p, "/acme/key-change") == 0)
		return acme_key_change(rq, rs);
	if (strcmp(p, "/acme/new-nonce") == 0)
		return acme_new_nonce(rq, rs);
	if ((id = path_id(p, "/acme/acct/", &rest)) && *rest == '\0')
		return acme_account_post(rq, rs, id);
	if ((id = path_id(p, "/acme/acct/", &rest)) && strcmp(rest, "/orders") == 0)
		return acme_account_orders(rq, rs, id);
	if ((id = path_id(p, "/acme/order/", &rest)) && *rest == '\0')
		return acme_order_post(rq, rs, id);
	if ((id = path_id(p, "/acme/order/", &rest)) && strcmp(rest, "/finalize") == 0)
		return acme_finalize(rq, rs, id);
	if ((id = path_id(p, "/acme/authz/", &rest)) && *rest == '\0')
		return acme_authz_post(rq, rs, id);
	if ((id = path_id(p, "/acme/chall/", &rest)) && rest[0] == '/')
		return acme_challenge_post(rq, rs, id, rest + 1);
	if ((id = path_id(p, "/acme/cert/", &rest)) && *rest == '\0')
		return acme_cert_post(rq, rs, id);
	return acme_problem(rs, 404, "malformed", "no resource %.100s", p);
}

/* Routes a request; rs is filled either way. */
static void
serve_route(struct acme_request *rq, struct acme_response *rs)
{
	const char *m = rq->method, *p = rq->path;
	int get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;

	if (strcmp(p, "/acme/directory") == 0 && get)
		acme_directory(rq, rs);
	else if (strcmp(p, "/acme/new-nonce") == 0 && get)
		acme_new_nonce(rq, rs);
	else if (strncmp(p, "/acme/renewal-info/", 19) == 0 && get)
		acme_renewal_info(rq, rs, p + 19);
	else if (strcmp(m, "POST") == 0)
		serve_post(rq, rs);
	else
		acme_problem(rs, 405, "malformed", "%.8s is not allowed here (ACME uses POST)", m);
}

/* Queues rs on the connection, with the headers every response carries. */
static enum MHD_Result
serve_queue(struct acme_server *srv, struct MHD_Connection *c, const char *base,
    struct acme_response *rs)
{
	struct MHD_Response *r;
	char nonce[64], buf[1300];
	size_t len = rs->body ? strlen(rs->body) : 0;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, rs->body ? rs->body : (void *)"",
	    rs->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	rs->body = NULL;
	nonce_new(&srv->nonces, nonce);
	MHD_add_response_header(r, "Replay-Nonce", nonce);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (rs->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
	if (rs->location[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rs->location);
	if (base && base[0]) {
		snprintf(buf, sizeof(buf), "<%s/acme/directory>;rel=\"index\"", base);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LINK, buf);
	}
	for (int i = 0; i < rs->nlinks; i++)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LINK, rs->link[i]);
	if (rs->retry_after) {
		snprintf(buf, sizeof(buf), "%d", rs->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, buf);
	}
	ret = MHD_queue_response(c, (unsigned int)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Handles a complete request. */
static enum MHD_Result
serve_request(struct acme_server *srv, struct MHD_Connection *c, const char *url,
    const char *method, struct pending *pd)
{
	struct acme_request rq;
	struct acme_response rs;
	enum MHD_Result ret;

	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	rq.srv = srv;
	rq.method = method;
	rq.path = url;
	rq.body = pd->body;
	rq.body_len = pd->len;
	rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	pinca_err_clear();	/* this thread's last request is done with */
	if (serve_base(c, &rq, url) != 0)
		acme_problem(&rs, 400, "malformed", "the request has no usable Host header");
	else if ((rq.t = acme_thread_get(srv)) == NULL)
		acme_problem(&rs, 500, "serverInternal", "the server cannot open its CA directory");
	else
		serve_route(&rq, &rs);
	if (rs.status < 100 || rs.status > 599)
		acme_problem(&rs, 500, "serverInternal", "the server made no answer");
	/* The request's error line, if one is left (the problem document has
	 * its words): the server's log, before the access line. */
	pinca_report_error(srv->cfg.log);
	pd->status = rs.status;
	log_token(pd->problem, sizeof(pd->problem), rs.problem);
	pd->account = rq.account.id ? rq.account.id : rq.log_account;
	pd->order = rq.log_order;
	ret = serve_queue(srv, c, rq.base, &rs);
	free(rs.body);
	acme_request_clear(&rq);
	return ret;
}

/* libmicrohttpd's access handler: called once with the headers, then with
 * each piece of the body, then once more with none. */
static enum MHD_Result
serve_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct acme_server *srv = cls;
	struct pending *pd = *con_cls;
	struct acme_response rs;

	(void)version;
	if (pd == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if ((pd = calloc(1, sizeof(*pd))) == NULL)
			return MHD_NO;
		*con_cls = pd;
		log_token(pd->method, sizeof(pd->method), method);
		log_token(pd->path, sizeof(pd->path), url);
		clock_gettime(CLOCK_MONOTONIC, &pd->start);
		__atomic_add_fetch(&srv->inflight, 1, __ATOMIC_SEQ_CST);
		/* A body too large is refused before a byte of it is read. */
		if (cl && strtoull(cl, NULL, 10) > ACME_BODY_MAX) {
			memset(&rs, 0, sizeof(rs));
			acme_problem(&rs, 413, "malformed", "the request body is over %d bytes",
			    ACME_BODY_MAX);
			pd->status = 413;
			pd->answered = 1;
			log_token(pd->problem, sizeof(pd->problem), "malformed");
			return serve_queue(srv, c, NULL, &rs);
		}
		return MHD_YES;
	}
	if (pd->answered)
		return MHD_NO;
	if (*upload_size > 0) {
		if (pd->len + *upload_size > ACME_BODY_MAX) {
			pd->status = 413;	/* a chunked body that grew too large */
			return MHD_NO;
		}
		unsigned char *nb = realloc(pd->body, pd->len + *upload_size);
		if (nb == NULL)
			return MHD_NO;
		memcpy(nb + pd->len, upload, *upload_size);
		pd->body = nb;
		pd->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	pd->answered = 1;
	return serve_request(srv, c, url, method, pd);
}

/* One access-log line per request: never a body, header or nonce. */
static void
serve_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct acme_server *srv = cls;
	struct pending *pd = *con_cls;
	const union MHD_ConnectionInfo *ci;
	char addr[INET6_ADDRSTRLEN] = "-";
	struct timespec end;

	(void)c;
	if (pd == NULL)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
		    sizeof(addr));
	clock_gettime(CLOCK_MONOTONIC, &end);
	pinca_report(srv->cfg.log, REPORT_LOG, "pinca-serve: access client=%s method=%s path=%s status=%d%s%s account=%lld "
	    "order=%lld ms=%ld%s", addr, pd->method, pd->path, pd->status,
	    pd->problem[0] ? " problem=" : "", pd->problem, (long long)pd->account, (long long)pd->order,
	    (long)((end.tv_sec - pd->start.tv_sec) * 1000 + (end.tv_nsec - pd->start.tv_nsec) / 1000000),
	    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	free(pd->body);
	free(pd);
	*con_cls = NULL;
	__atomic_sub_fetch(&srv->inflight, 1, __ATOMIC_SEQ_CST);
}

/* Keeps MHD's own diagnostics (TLS handshakes that fail, etc.) quiet. */
static void
serve_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

int
acme_serve(struct acme_server *srv, const char *cert_pem, const char *key_pem)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t set;
	int sig = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)srv->cfg.listen_port);
	if (inet_pton(AF_INET, srv->cfg.listen_addr, &sa.sin_addr) != 1) {
		pinca_warnx("--listen: %s is not an IPv4 address", srv->cfg.listen_addr);
		return RC_USAGE;
	}
	/* The server's threads inherit a mask without SIGTERM/SIGINT: only
	 * this thread takes them, in sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_mutex_init(&srv->writer, NULL) != 0 ||
	    commit_group_init(&srv->group, &srv->writer, SERVE_CACHE_KIB) != RC_OK ||
	    pthread_key_create(&srv->thread_key, thread_free) != 0) {
		pinca_warnx("cannot make the threads' keys");
		return RC_FAIL;
	}
	srv->group.log = srv->cfg.log;
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_TLS | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, serve_access, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, serve_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, key_pem,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)SERVE_THREADS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SERVE_CONN_LIMIT,
	    MHD_OPTION_NOTIFY_COMPLETED, serve_completed, srv,
	    MHD_OPTION_END);
	if (d == NULL) {
		pinca_warnx("cannot listen on %s:%d (in use, or not allowed)", srv->cfg.listen_addr,
		    srv->cfg.listen_port);
		return RC_FAIL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	pinca_report(srv->cfg.log, REPORT_OUT, "listening on https://%s:%u/acme/directory",
	    srv->cfg.listen_addr, info ? info->port : (unsigned)srv->cfg.listen_port);
	pinca_report_flush(srv->cfg.log);
	while (sigwait(&set, &sig) != 0)
		;
	/* Stop accepting, let the requests in flight finish (bounded), stop. */
	MHD_quiesce_daemon(d);
	for (int i = 0; i < 300 && __atomic_load_n(&srv->inflight, __ATOMIC_SEQ_CST) > 0; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	pinca_report(srv->cfg.log, REPORT_LOG, "pinca-serve: stopped (signal %d); %llu writes in %llu commits", sig,
	    (unsigned long long)srv->group.parts, (unsigned long long)srv->group.commits);
	commit_group_free(&srv->group);
	return RC_OK;
}
