/* verify_connect: fetches the chain a live TLS server sends (`pinca verify
 * --connect`). The handshake does not verify anything itself: the chain is
 * handed to ca/verify.c like a chain file. Every wait is bounded, so a host
 * that does not answer is an error after the timeout, never a hang. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ca/verify.h"
#include "common/err.h"

/* Splits HOST:PORT or [V6]:PORT. */
static int
split_hostport(const char *hp, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon, *end;
	size_t hl;

	if (hp[0] == '[') {
		if ((end = strchr(hp, ']')) == NULL || end[1] != ':')
			return RC_FAIL;
		hp++;
		hl = (size_t)(end - hp);
		colon = end + 1;
	} else {
		if ((colon = strrchr(hp, ':')) == NULL || memchr(hp, ':', (size_t)(colon - hp)))
			return RC_FAIL;
		hl = (size_t)(colon - hp);
	}
	if (hl == 0 || hl >= hsize || colon[1] == '\0' || strlen(colon + 1) >= psize ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return RC_FAIL;
	memcpy(host, hp, hl);
	host[hl] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return RC_OK;
}

/* Milliseconds on the monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline (0 when it has passed). */
static int
left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)(left < 0x7fffffff ? left : 0x7fffffff) : 0;
}

/* Connects one address, giving up at deadline. Returns the socket, left
 * non-blocking for the handshake, or -1 with errno set (ETIMEDOUT when the
 * time ran out). */
static int
connect_bounded(const struct addrinfo *ai, int64_t deadline)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0, n;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol)) < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		while ((n = poll(&pfd, 1, left_ms(deadline))) < 0 && errno == EINTR)
			;
		if (n == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			goto fail;
		if (err) {
			errno = err;
			goto fail;
		}
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Opens a TCP connection to host:port by deadline; -1 with a message on
 * failure. */
static int
tcp_open(const char *host, const char *port, int64_t deadline, int timeout_sec,
    const char *label)
{
	struct addrinfo hints, *res = NULL;
	int fd = -1, rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		pinca_warnx("%s: cannot resolve %s: %s", label, host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0 && left_ms(deadline) > 0; ai = ai->ai_next)
		if ((fd = connect_bounded(ai, deadline)) < 0)
			err = errno;
	freeaddrinfo(res);
	if (fd < 0) {
		if (err == ETIMEDOUT || err == 0)
			pinca_warnx("%s did not answer within %d seconds", label, timeout_sec);
		else
			pinca_warnx("cannot connect to %s: %s", label, strerror(err));
		return -1;
	}
	return fd;
}

/* Runs the TLS handshake on the non-blocking socket, waiting for it only
 * until deadline: a server that trickles a byte now and then cannot hold
 * the check beyond --timeout (each read would otherwise restart a
 * per-read timeout). RC_OK, or RC_FAIL with one line printed. */
static int
handshake_by(SSL *ssl, int fd, int64_t deadline, int timeout_sec, const char *hostport)
{
	struct pollfd pfd = { .fd = fd };
	int r, n, e;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((r = SSL_connect(ssl)) == 1)
			return RC_OK;
		e = SSL_get_error(ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
		pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		while ((n = poll(&pfd, 1, left_ms(deadline))) < 0 && errno == EINTR)
			;
		if (n == 0 || left_ms(deadline) == 0) {
			pinca_warnx("%s did not complete the TLS handshake within %d seconds", hostport,
			    timeout_sec);
			return RC_FAIL;
		}
		if (n < 0)
			break;
	}
	if (ERR_peek_error())
		pinca_warn_ssl("TLS handshake with %s failed", hostport);
	else
		pinca_warnx("TLS handshake with %s failed: %s", hostport,
		    errno ? strerror(errno) : "the connection closed");
	return RC_FAIL;
}

/* Whether s is an IPv4 or IPv6 address (SNI carries only DNS names,
 * RFC 6066 section 3). */
static int
inet_pton_any(const char *s, unsigned char buf[16])
{
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Copies the peer's chain (client side: leaf included) into a new stack. */
static STACK_OF(X509) *
peer_chain_copy(SSL *ssl, const char *label)
{
	STACK_OF(X509) *peer = SSL_get_peer_cert_chain(ssl), *out;

	if (peer == NULL || sk_X509_num(peer) == 0) {
		pinca_warnx("%s sent no certificate", label);
		return NULL;
	}
	if ((out = sk_X509_new_null()) == NULL)
		return NULL;
	for (int i = 0; i < sk_X509_num(peer); i++) {
		X509 *x = sk_X509_value(peer, i);
		if (!X509_up_ref(x) || !sk_X509_push(out, x)) {
			sk_X509_pop_free(out, X509_free);
			pinca_warn_ssl("cannot copy the server's chain");
			return NULL;
		}
	}
	return out;
}

STACK_OF(X509) *
verify_fetch_chain(const char *hostport, const char *servername, int timeout_sec,
    char *host_out, size_t host_size)
{
	char host[256], port[16];
	SSL_CTX *sctx = NULL;
	SSL *ssl = NULL;
	STACK_OF(X509) *chain = NULL;
	int fd = -1, is_ip;
	int64_t deadline;
	unsigned char addr[16];

	if (split_hostport(hostport, host, sizeof(host), port, sizeof(port)) != RC_OK) {
		pinca_warnx("--connect '%s' is not HOST:PORT", hostport);
		return NULL;
	}
	snprintf(host_out, host_size, "%s", servername ? servername : host);
	/* --timeout bounds the whole exchange, connect and handshake together. */
	deadline = now_ms() + (int64_t)timeout_sec * 1000;
	if ((fd = tcp_open(host, port, deadline, timeout_sec, hostport)) < 0)
		return NULL;
	if ((sctx = SSL_CTX_new(TLS_client_method())) == NULL || (ssl = SSL_new(sctx)) == NULL ||
	    !SSL_set_fd(ssl, fd)) {
		pinca_warn_ssl("cannot set up TLS");
		goto out;
	}
	/* Verification is ca/verify.c's job, against this directory's roots. */
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (servername == NULL)
		servername = host;
	is_ip = inet_pton_any(servername, addr);
	if (!is_ip && !SSL_set_tlsext_host_name(ssl, servername)) {
		pinca_warn_ssl("cannot set the server name '%s'", servername);
		goto out;
	}
	if (handshake_by(ssl, fd, deadline, timeout_sec, hostport) != RC_OK)
		goto out;
	chain = peer_chain_copy(ssl, hostport);
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(sctx);
	if (fd >= 0)
		close(fd);
	return chain;
}
