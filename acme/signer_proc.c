/* signer_proc: the process that holds the intermediate's key. `pinca serve`
 * forks it before it serves anything; only the child opens the key file,
 * and the parent (which parses network input) talks to it over a
 * socketpair: a 4-byte big-endian length and the TBS bytes in, a length and
 * the signature out (length 0: it could not sign). The child dies with the
 * parent (PR_SET_PDEATHSIG), and it exits when the socket closes.
 * It signs only what the server may ask for: the TBSCertificate of a leaf
 * (not a CA, no certificate or CRL signing) issued by its own CA, so a
 * front end taken over by a memory bug can neither read the key nor have
 * it sign an intermediate (as Boulder's CA checks before it signs). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "common/der.h"
#include "common/err.h"

#define SIGNER_TBS_MAX (64 * 1024)

struct signer_proc {
	pid_t pid;
	int fd;
	size_t sig_max;		/* the caller's sig holds this much */
	pthread_mutex_t mu;	/* one request at a time on the socket */
};

/* Moves exactly len bytes over fd: reads them into rbuf, or writes wbuf
 * when rbuf is NULL. Returns 0, or -1 on EOF or error. */
static int
fd_all(int fd, const void *wbuf, void *rbuf, size_t len)
{
	const unsigned char *wp = wbuf;
	unsigned char *rp = rbuf;

	while (len > 0) {
		ssize_t n = rp != NULL ? read(fd, rp, len) : write(fd, wp, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (rp != NULL)
			rp += n;
		else
			wp += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes all of buf. */
static int
write_all(int fd, const void *buf, size_t len)
{
	return fd_all(fd, buf, NULL, len);
}

/* Reads exactly len bytes (-1 on EOF or error). */
static int
read_all(int fd, void *buf, size_t len)
{
	return fd_all(fd, NULL, buf, len);
}

/* One framed message: length, then bytes. */
static int
send_msg(int fd, const unsigned char *data, size_t len)
{
	unsigned char hdr[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
	    (unsigned char)(len >> 8), (unsigned char)len };

	return write_all(fd, hdr, 4) == 0 && write_all(fd, data, len) == 0 ? 0 : -1;
}

/* Reads one framed message of at most max bytes into buf. */
static int
recv_msg(int fd, unsigned char *buf, size_t max, size_t *len)
{
	unsigned char hdr[4];

	if (read_all(fd, hdr, 4) != 0)
		return -1;
	*len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (*len > max)
		return -1;
	return read_all(fd, buf, *len);
}

/* Whether tbs (len bytes) is the TBSCertificate of a leaf that sg's CA
 * issues with the algorithm alg: wrapped with alg and an empty signature,
 * it must decode as a certificate to the last byte, name sg's CA as its
 * issuer, carry alg, and be no CA (X509_check_ca: no CA:TRUE, no
 * keyCertSign, not a v1 self-signed certificate) nor sign CRLs. */
int
signer_tbs_is_own_leaf(const struct signer *sg, const unsigned char *tbs, size_t len,
    const unsigned char *alg, size_t alg_len)
{
	unsigned char *der, hdr[8];
	const unsigned char *p;
	size_t inner = len + alg_len + 3, hl = der_header(hdr, 0x30, inner);
	X509 *x = NULL, *ca = signer_cert(sg);
	const X509_ALGOR *sigalg;
	unsigned char *enc = NULL;
	int ok = 0, enc_len;

	if (ca == NULL || len == 0 || len > SIGNER_TBS_MAX || (der = malloc(hl + inner)) == NULL)
		return 0;
	memcpy(der, hdr, hl);
	memcpy(der + hl, tbs, len);
	memcpy(der + hl + len, alg, alg_len);
	memcpy(der + hl + len + alg_len, "\x03\x01\x00", 3);
	p = der;
	if ((x = d2i_X509(NULL, &p, (long)(hl + inner))) == NULL || p != der + hl + inner)
		goto out;
	sigalg = X509_get0_tbs_sigalg(x);
	if ((enc_len = i2d_X509_ALGOR(sigalg, &enc)) < 0 || (size_t)enc_len != alg_len ||
	    memcmp(enc, alg, alg_len) != 0)
		goto out;
	ok = X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca)) == 0 &&
	    X509_check_ca(x) == 0 && !((X509_get_extension_flags(x) & EXFLAG_KUSAGE) &&
	    (X509_get_key_usage(x) & KU_CRL_SIGN));
out:
	OPENSSL_free(enc);
	X509_free(x);
	free(der);
	ERR_clear_error();
	return ok;
}

/* The child: opens the key, announces the algorithm identifier and the
 * signature size, then signs until the socket closes. Never returns. */
static void __attribute__((noreturn))
signer_child(int fd, const char *cadir, const struct ca_record *ca,
    const struct pass_source *src)
{
	unsigned char *buf = malloc(SIGNER_TBS_MAX);	/* on the heap: no static, no huge stack */
	unsigned char sig[1024], hello[80];
	struct signer *sg;
	size_t len, sig_len, alg_len = 0;
	int rc;

	pinca_err_clear();	/* a line the parent had pending is not the child's */
	if ((sg = signer_open(cadir, ca, src, NULL, &rc)) == NULL ||
	    signer_tbs_alg(sg, hello + 2, sizeof(hello) - 2, &alg_len) != RC_OK ||
	    signer_sig_max(sg) > sizeof(sig)) {
		pinca_err_print();	/* the child is its own outermost caller */
		send_msg(fd, hello, 0);
		_exit(1);
	}
	hello[0] = (unsigned char)(signer_sig_max(sg) >> 8);
	hello[1] = (unsigned char)signer_sig_max(sg);
	if (buf == NULL || send_msg(fd, hello, alg_len + 2) != 0)
		_exit(1);
	while (recv_msg(fd, buf, SIGNER_TBS_MAX, &len) == 0) {
		if (!signer_tbs_is_own_leaf(sg, buf, len, hello + 2, alg_len) ||
		    signer_sign_tbs(sg, buf, len, sig, &sig_len) != RC_OK)
			sig_len = 0;
		if (send_msg(fd, sig, sig_len) != 0)
			break;
	}
	signer_free(sg);
	free(buf);
	_exit(0);
}

/* The parent's side of signer_remote: one round trip, under the lock. */
static int
signer_proc_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char *sig,
    size_t *sig_len)
{
	struct signer_proc *sp = arg;
	size_t max = sp->sig_max;
	int rc;

	if (len > SIGNER_TBS_MAX) {
		pinca_warnx("the certificate is too large for the signer process");
		return RC_FAIL;
	}
	pthread_mutex_lock(&sp->mu);
	rc = send_msg(sp->fd, tbs, len) == 0 && recv_msg(sp->fd, sig, max, sig_len) == 0 ? 0 : -1;
	pthread_mutex_unlock(&sp->mu);
	if (rc != 0 || *sig_len == 0) {
		pinca_warnx("the signer process %s", rc != 0 ? "is gone" : "could not sign");
		return RC_FAIL;
	}
	return RC_OK;
}

/* In the child: closes every descriptor but stdin/out/err and fd. */
static void
close_others(int keep)
{
	long max = sysconf(_SC_OPEN_MAX);

	for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		if (fd != keep)
			close(fd);
}

int
signer_proc_start(const char *cadir, const struct ca_record *ca,
    const struct pass_source *src, struct signer_proc **out, struct signer_remote *remote)
{
	struct signer_proc *sp = calloc(1, sizeof(*sp));
	unsigned char hello[80];
	size_t len = 0;
	int sv[2];
	pid_t parent = getpid();

	*out = NULL;
	if (sp == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		pinca_warn("cannot start the signer process");
		free(sp);
		return RC_FAIL;
	}
	fflush(NULL);
	if ((sp->pid = fork()) < 0) {
		pinca_warn("cannot start the signer process");
		close(sv[0]);
		close(sv[1]);
		free(sp);
		return RC_FAIL;
	}
	if (sp->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		prctl(PR_SET_NAME, "pinca-signer");
		prctl(PR_SET_DUMPABLE, 0);
		close_others(sv[1]);
		signal(SIGTERM, SIG_IGN);	/* it ends with the parent, not before */
		signal(SIGINT, SIG_IGN);
		signer_child(sv[1], cadir, ca, src);
	}
	close(sv[1]);
	sp->fd = sv[0];
	pthread_mutex_init(&sp->mu, NULL);
	if (recv_msg(sp->fd, hello, sizeof(hello), &len) != 0 || len < 3) {
		signer_proc_stop(sp);
		return RC_FAIL;	/* the child said why on stderr */
	}
	memset(remote, 0, sizeof(*remote));
	remote->sig_max = sp->sig_max = (size_t)hello[0] << 8 | hello[1];
	remote->alg_len = len - 2;
	memcpy(remote->alg, hello + 2, remote->alg_len);
	remote->sign_tbs = signer_proc_sign;
	remote->arg = sp;
	*out = sp;
	return RC_OK;
}

void
signer_proc_stop(struct signer_proc *sp)
{
	if (sp == NULL)
		return;
	close(sp->fd);	/* the child sees EOF and exits */
	while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
		;
	pthread_mutex_destroy(&sp->mu);
	free(sp);
}
