/* verify_connect: fetches the chain a live TLS server sends (`pinca verify
 * --connect`). The handshake does not verify anything itself: the chain is
 * handed to ca/verify.c like a chain file. Every wait is bounded, so a host
 * that does not answer is an error after the timeout, never a hang. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
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

/* Connects one address without blocking longer than timeout_ms. Returns the
 * socket, or -1 with errno set (ETIMEDOUT when the time ran out). */
static int
connect_bounded(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, flags, err = 0, n;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		while ((n = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
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
	fcntl(fd, F_SETFL, flags);
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Opens a TCP connection to host:port; -1 with a message on failure. */
static int
tcp_open(const char *host, const char *port, int timeout_sec, const char *label)
{
	struct addrinfo hints, *res = NULL;
	struct timeval tv = { .tv_sec = timeout_sec };
	int fd = -1, rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		pinca_warnx("%s: cannot resolve %s: %s", label, host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		if ((fd = connect_bounded(ai, timeout_sec * 1000)) < 0)
			err = errno;
	freeaddrinfo(res);
	if (fd < 0) {
		if (err == ETIMEDOUT)
			pinca_warnx("%s did not answer within %d seconds", label, timeout_sec);
		else
			pinca_warnx("cannot connect to %s: %s", label, strerror(err));
		return -1;
	}
	/* The handshake reads and writes block at most this long each. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
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
	unsigned char addr[16];

	if (split_hostport(hostport, host, sizeof(host), port, sizeof(port)) != RC_OK) {
		pinca_warnx("--connect '%s' is not HOST:PORT", hostport);
		return NULL;
	}
	snprintf(host_out, host_size, "%s", servername ? servername : host);
	if ((fd = tcp_open(host, port, timeout_sec, hostport)) < 0)
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
	ERR_clear_error();
	errno = 0;
	if (SSL_connect(ssl) != 1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			pinca_warnx("%s did not complete the TLS handshake within %d seconds", hostport,
			    timeout_sec);
		else if (ERR_peek_error())
			pinca_warn_ssl("TLS handshake with %s failed", hostport);
		else
			pinca_warnx("TLS handshake with %s failed: %s", hostport,
			    errno ? strerror(errno) : "the connection closed");
		goto out;
	}
	chain = peer_chain_copy(ssl, hostport);
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(sctx);
	if (fd >= 0)
		close(fd);
	return chain;
}
