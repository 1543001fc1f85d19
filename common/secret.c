/* secret: reading passphrases safely (signify's rules): from a file that only
 * its owner can read, from the environment (then scrubbed so hooks don't
 * inherit it), or from /dev/tty with echo off. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/err.h"
#include "common/opts.h"
#include "common/secret.h"

#define SECRET_MAX 1024

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	if (s->data) {
		OPENSSL_cleanse(s->data, s->len + 1);
		free(s->data);
	}
	free(s);
}

/* Makes a secret from the first line of buf[0..n); wipes nothing itself. */
static struct secret *
secret_from_line(const char *buf, size_t n)
{
	struct secret *s;
	size_t len = 0;

	while (len < n && buf[len] != '\n' && buf[len] != '\r' && buf[len] != '\0')
		len++;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->data = malloc(len + 1)) == NULL) {
		free(s);
		return NULL;
	}
	memcpy(s->data, buf, len);
	s->data[len] = '\0';
	s->len = len;
	return s;
}

/* Reads the first line of a pass file (or PIN file: kind names it), refusing
 * one others can read. */
static int
secret_from_file(const char *path, const char *kind, struct secret **out)
{
	char buf[SECRET_MAX + 2];
	struct stat st;
	ssize_t n;
	int fd, rc = RC_FAIL;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		pinca_warn("cannot read %s %s", kind, path);
		return RC_FAIL;
	}
	if (fstat(fd, &st) == -1) {
		pinca_warn("cannot stat %s %s", kind, path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pinca_warnx("%s %s is not a regular file", kind, path);
		goto out;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		pinca_warnx("%s %s is accessible to others (mode %04o); chmod 600 it",
		    kind, path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		pinca_warn("cannot read %s %s", kind, path);
		goto out;
	}
	if ((size_t)n > SECRET_MAX) {
		pinca_warnx("%s %s: longer than %d bytes", kind, path, SECRET_MAX);
		goto out;
	}
	if ((*out = secret_from_line(buf, (size_t)n)) == NULL) {
		pinca_warnx("out of memory");
		goto out;
	}
	rc = RC_OK;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* Takes the passphrase from the environment and scrubs the variable, so that
 * deploy hooks and child processes never see it. */
static int
secret_from_env(const char *var, struct secret **out)
{
	char *v = getenv(var);

	if (v == NULL) {
		pinca_warnx("environment variable %s is not set", var);
		return RC_FAIL;
	}
	if (strlen(v) > SECRET_MAX) {
		pinca_warnx("environment variable %s: passphrase longer than %d bytes", var, SECRET_MAX);
		return RC_FAIL;
	}
	*out = secret_from_line(v, strlen(v));
	OPENSSL_cleanse(v, strlen(v));
	unsetenv(var);
	if (*out == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	return RC_OK;
}

/* While echo is off: the terminal and the settings to put back if a signal
 * ends pinca at the prompt (^C, ^\\, a hang-up, kill), so that the shell is
 * not left without echo. */
static volatile sig_atomic_t prompt_fd = -1;
static struct termios prompt_saved;
static const int prompt_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
#define PROMPT_NSIG (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

/* Job control at the prompt: ^Z (SIGTSTP) and SIGCONT. A stopped pinca
 * must give the shell back a terminal with echo, and a continued one must
 * turn echo off again before it reads on: else after ^Z and fg the
 * passphrase would be shown as it is typed. */
static volatile sig_atomic_t prompt_stop, prompt_cont;

struct prompt_actions {
	struct sigaction fatal[PROMPT_NSIG];
	struct sigaction tstp, cont;
	int tstp_caught;	/* 0 when SIGTSTP was ignored: ^Z stays ignored */
};

/* Puts the terminal back and dies of the same signal (SA_RESETHAND has
 * restored its default action; it is delivered when the handler returns). */
static void
prompt_signal(int sig)
{
	if (prompt_fd != -1)
		tcsetattr(prompt_fd, TCSAFLUSH, &prompt_saved);
	raise(sig);
}

/* Only notes the signal: the ppoll it interrupts (prompt_wait) returns, and
 * secret_prompt does the rest outside the handler. */
static void
prompt_jobctl(int sig)
{
	if (sig == SIGTSTP)
		prompt_stop = 1;
	else
		prompt_cont = 1;
}

/* Installs (on = 1) or removes the handlers above, keeping the old actions.
 * A signal that is ignored (nohup's SIGHUP) stays ignored. */
static void
prompt_guard(int fd, const struct termios *saved, int on, struct prompt_actions *old)
{
	struct sigaction sa;

	if (on) {
		prompt_saved = *saved;
		prompt_fd = fd;
		prompt_stop = prompt_cont = 0;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = prompt_signal;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		memset(old, 0, sizeof(*old));	/* SIG_DFL if a query fails */
		for (size_t i = 0; i < PROMPT_NSIG; i++)
			if (sigaction(prompt_signals[i], NULL, &old->fatal[i]) == 0 &&
			    old->fatal[i].sa_handler != SIG_IGN)
				sigaction(prompt_signals[i], &sa, NULL);
		sa.sa_handler = prompt_jobctl;
		sa.sa_flags = 0;
		old->tstp_caught = sigaction(SIGTSTP, NULL, &old->tstp) == 0 &&
		    old->tstp.sa_handler != SIG_IGN && sigaction(SIGTSTP, &sa, NULL) == 0;
		sigaction(SIGCONT, &sa, &old->cont);
	} else {
		for (size_t i = 0; i < PROMPT_NSIG; i++)
			sigaction(prompt_signals[i], &old->fatal[i], NULL);
		if (old->tstp_caught)
			sigaction(SIGTSTP, &old->tstp, NULL);
		sigaction(SIGCONT, &old->cont, NULL);
		prompt_fd = -1;
	}
}

/* tcsetattr and write, carried on after EINTR (a background pinca stops at
 * them, SIGTTOU, until it is brought to the front). */
static int
tty_set(int fd, const struct termios *t)
{
	int r;

	while ((r = tcsetattr(fd, TCSAFLUSH, t)) == -1 && errno == EINTR)
		;
	return r;
}

static int
tty_show(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = write(fd, s + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* After ^Z: gives the terminal back as it was and stops with SIGTSTP's own
 * action (the shell then has the terminal); returns once continued. The
 * signal is sent while unblocked (waitmask), so the stop happens here. */
static void
prompt_suspend(int fd, const struct termios *old, struct prompt_actions *act,
    const sigset_t *waitmask)
{
	struct sigaction mine;
	sigset_t blocked;

	tty_set(fd, old);
	if (sigaction(SIGTSTP, &act->tstp, &mine) == 0) {
		sigprocmask(SIG_SETMASK, waitmask, &blocked);
		kill(getpid(), SIGTSTP);
		sigprocmask(SIG_SETMASK, &blocked, NULL);
		sigaction(SIGTSTP, &mine, NULL);
	}
	prompt_cont = 1;
}

/* Drops a SIGCONT that is pending because pinca was stopped (in the
 * background) while it turned echo off and showed the prompt: the prompt
 * it would show again is the one just shown. */
static void
prompt_cont_drop(void)
{
	struct timespec now = { 0, 0 };
	sigset_t cont;

	sigemptyset(&cont);
	sigaddset(&cont, SIGCONT);
	while (sigtimedwait(&cont, NULL, &now) > 0)
		;
}

/* Waits until the terminal has a line to read: 1, or 0 when ^Z or SIGCONT
 * came first, -1 on error. SIGTSTP and SIGCONT are blocked except inside
 * ppoll, so one that comes between a check and the wait still ends the
 * wait instead of being noted by a handler while pinca blocks in read. */
static int
prompt_wait(int fd, const sigset_t *waitmask)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (prompt_stop || prompt_cont)
		return 0;
	if (ppoll(&p, 1, NULL, waitmask) == -1)
		return errno == EINTR ? 0 : -1;
	return 1;
}

/* Prompts on /dev/tty with echo off. Echo goes off (and type-ahead is
 * discarded) before the prompt is shown: the other way round, what the user
 * types as soon as the prompt appears could be echoed and then thrown away.
 * A signal while echo is off puts the terminal back before pinca dies; ^Z
 * puts it back before pinca stops, and on fg echo goes off again and the
 * prompt is shown anew (what was typed before the ^Z is dropped, as the
 * terminal itself drops it). */
static int
secret_prompt(int fd, const char *prompt, struct secret **out)
{
	struct termios old, quiet;
	struct prompt_actions saved_actions;
	sigset_t jobctl, waitmask;
	char buf[SECRET_MAX + 2];
	ssize_t n;
	size_t got = 0;
	int rc = RC_FAIL, read_error = 0, w;

	if (tcgetattr(fd, &old) == -1) {
		pinca_warn("cannot read the terminal settings");
		return RC_FAIL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	sigemptyset(&jobctl);
	sigaddset(&jobctl, SIGTSTP);
	sigaddset(&jobctl, SIGCONT);
	sigprocmask(SIG_BLOCK, &jobctl, &waitmask);
	prompt_guard(fd, &old, 1, &saved_actions);
	if (tty_set(fd, &quiet) == -1) {
		pinca_warn("cannot prompt on the terminal");
		prompt_guard(fd, &old, 0, &saved_actions);
		sigprocmask(SIG_SETMASK, &waitmask, NULL);
		return RC_FAIL;
	}
	if (tty_show(fd, prompt) == -1) {
		pinca_warn("cannot prompt on the terminal");
		tty_set(fd, &old);
		prompt_guard(fd, &old, 0, &saved_actions);
		sigprocmask(SIG_SETMASK, &waitmask, NULL);
		return RC_FAIL;
	}
	prompt_cont_drop();
	while (got < sizeof(buf) - 1) {
		if ((w = prompt_wait(fd, &waitmask)) == 0) {
			if (prompt_stop) {
				prompt_stop = 0;
				prompt_suspend(fd, &old, &saved_actions, &waitmask);
			}
			if (prompt_cont) {
				prompt_cont = 0;
				got = 0;
				if (tty_set(fd, &quiet) == -1 || tty_show(fd, "\n") == -1 ||
				    tty_show(fd, prompt) == -1) {
					read_error = errno;
					break;
				}
				prompt_cont_drop();
			}
			continue;
		}
		if (w == -1) {
			read_error = errno;
			break;
		}
		do
			n = read(fd, buf + got, 1);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			read_error = errno;
		if (n <= 0 || buf[got] == '\n')
			break;
		got++;
	}
	tty_set(fd, &old);
	prompt_guard(fd, &old, 0, &saved_actions);
	sigprocmask(SIG_SETMASK, &waitmask, NULL);
	if (write(fd, "\n", 1) < 0) {
		/* the newline is cosmetic */
	}
	if (read_error) {
		errno = read_error;
		pinca_warn("cannot read the passphrase from the terminal");
	} else if (got > SECRET_MAX)
		pinca_warnx("passphrase longer than %d bytes", SECRET_MAX);
	else if ((*out = secret_from_line(buf, got)) == NULL)
		pinca_warnx("out of memory");
	else
		rc = RC_OK;
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int
secret_from_tty(const char *what, int confirm, struct secret **out)
{
	struct secret *again = NULL;
	char prompt[256];
	int fd, rc;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1 || !isatty(fd)) {
		if (fd != -1)
			close(fd);
		pinca_warnx("no passphrase for %s: use --pass-file FILE or --pass-env VAR, "
		    "or run on a terminal", what);
		return RC_USAGE;
	}
	snprintf(prompt, sizeof(prompt), "passphrase for %s: ", what);
	rc = secret_prompt(fd, prompt, out);
	/* A new passphrase too short to be accepted (secret_read says so) is
	 * not asked for again. */
	if (rc == RC_OK && confirm && (*out)->len >= SECRET_MIN_NEW) {
		snprintf(prompt, sizeof(prompt), "passphrase for %s (again): ", what);
		rc = secret_prompt(fd, prompt, &again);
		if (rc == RC_OK && ((*out)->len != again->len ||
		    CRYPTO_memcmp((*out)->data, again->data, again->len) != 0)) {
			pinca_warnx("the two passphrases differ");
			rc = RC_FAIL;
		}
		secret_free(again);
		if (rc != RC_OK) {
			secret_free(*out);
			*out = NULL;
		}
	}
	close(fd);
	return rc;
}

void
secret_protect_process(void)
{
	const struct rlimit none = { 0, 0 };

	/* The dumpable flag is reset by a change of credentials and by
	 * execve; the zero core limit survives both, so a process this one
	 * starts (a deploy hook) writes no core either. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &none);
}

int
secret_read(const struct pass_source *src, const char *what, int confirm,
    struct secret **out)
{
	int rc;

	*out = NULL;
	if (src->none)
		return RC_OK;
	/* From here the process holds a passphrase, and soon a private key. */
	secret_protect_process();
	if (src->file && src->env) {
		pinca_warnx("give --pass-file or --pass-env, not both");
		return RC_USAGE;
	}
	if (src->file)
		rc = secret_from_file(src->file, "pass file", out);
	else if (src->env)
		rc = secret_from_env(src->env, out);
	else
		rc = secret_from_tty(what, confirm, out);
	if (rc != RC_OK)
		return rc;
	if ((*out)->len == 0) {
		pinca_warnx("empty passphrase for %s (use --no-passphrase to store the key "
		    "unencrypted)", what);
		rc = RC_FAIL;
	} else if (confirm && (*out)->len < SECRET_MIN_NEW) {
		pinca_warnx("passphrase for %s is shorter than %d characters", what, SECRET_MIN_NEW);
		rc = RC_FAIL;
	}
	if (rc != RC_OK) {
		secret_free(*out);
		*out = NULL;
	}
	return rc;
}

int
secret_read_pin(const struct pass_source *src, const char *what, struct secret **out)
{
	char prompt[256];
	int fd, rc;

	*out = NULL;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (src->pin_file)
		rc = secret_from_file(src->pin_file, "PIN file", out);
	else if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1 || !isatty(fd)) {
		if (fd != -1)
			close(fd);
		pinca_warnx("no PIN for %s: use --pin-file FILE, or run on a terminal", what);
		return RC_USAGE;
	} else {
		snprintf(prompt, sizeof(prompt), "PIN for %s: ", what);
		rc = secret_prompt(fd, prompt, out);
		close(fd);
	}
	if (rc == RC_OK && (*out)->len == 0) {
		pinca_warnx("empty PIN for %s", what);
		secret_free(*out);
		*out = NULL;
		rc = RC_FAIL;
	}
	return rc;
}

int
secret_option(struct pass_source *src, int id, const char *arg)
{
	switch (id) {
	case OPT_PASS_FILE:
		src->file = arg;
		return 1;
	case OPT_PASS_ENV:
		src->env = arg;
		return 1;
	case OPT_NO_PASSPHRASE:
		src->none = 1;
		return 1;
	case OPT_PIN_FILE:
		src->pin_file = arg;
		return 1;
	case OPT_MODULE:
		src->module = arg;
		return 1;
	default:
		return 0;
	}
}
