/* secret: reading passphrases safely (signify's rules): from a file that only
 * its owner can read, from the environment (then scrubbed so hooks don't
 * inherit it), or from /dev/tty with echo off. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

/* Reads the first line of a pass file, refusing one others can read. */
static int
secret_from_file(const char *path, struct secret **out)
{
	char buf[SECRET_MAX + 2];
	struct stat st;
	ssize_t n;
	int fd, rc = RC_FAIL;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		pinca_warn("cannot read pass file %s", path);
		return RC_FAIL;
	}
	if (fstat(fd, &st) == -1) {
		pinca_warn("cannot stat pass file %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pinca_warnx("pass file %s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		pinca_warnx("pass file %s is accessible to others (mode %04o); chmod 600 it",
		    path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		pinca_warn("cannot read pass file %s", path);
		goto out;
	}
	if ((size_t)n > SECRET_MAX) {
		pinca_warnx("pass file %s: passphrase longer than %d bytes", path, SECRET_MAX);
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

/* Puts the terminal back and dies of the same signal (SA_RESETHAND has
 * restored its default action; it is delivered when the handler returns). */
static void
prompt_signal(int sig)
{
	if (prompt_fd != -1)
		tcsetattr(prompt_fd, TCSAFLUSH, &prompt_saved);
	raise(sig);
}

/* Installs (on = 1) or removes the handlers above, keeping the old actions.
 * A signal that is ignored (nohup's SIGHUP) stays ignored. */
static void
prompt_guard(int fd, const struct termios *saved, int on, struct sigaction old[PROMPT_NSIG])
{
	struct sigaction sa;

	if (on) {
		prompt_saved = *saved;
		prompt_fd = fd;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = prompt_signal;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		memset(old, 0, PROMPT_NSIG * sizeof(*old));	/* SIG_DFL if a query fails */
		for (size_t i = 0; i < PROMPT_NSIG; i++)
			if (sigaction(prompt_signals[i], NULL, &old[i]) == 0 &&
			    old[i].sa_handler != SIG_IGN)
				sigaction(prompt_signals[i], &sa, NULL);
	} else {
		for (size_t i = 0; i < PROMPT_NSIG; i++)
			sigaction(prompt_signals[i], &old[i], NULL);
		prompt_fd = -1;
	}
}

/* Prompts on /dev/tty with echo off. Echo goes off (and type-ahead is
 * discarded) before the prompt is shown: the other way round, what the user
 * types as soon as the prompt appears could be echoed and then thrown away.
 * A signal while echo is off puts the terminal back before pinca dies. */
static int
secret_prompt(int fd, const char *prompt, struct secret **out)
{
	struct termios old, quiet;
	struct sigaction saved_actions[PROMPT_NSIG];
	char buf[SECRET_MAX + 2];
	ssize_t n;
	size_t got = 0;
	int rc = RC_FAIL, read_error = 0;

	if (tcgetattr(fd, &old) == -1) {
		pinca_warn("cannot read the terminal settings");
		return RC_FAIL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	prompt_guard(fd, &old, 1, saved_actions);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1) {
		pinca_warn("cannot prompt on the terminal");
		prompt_guard(fd, &old, 0, saved_actions);
		return RC_FAIL;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		pinca_warn("cannot prompt on the terminal");
		tcsetattr(fd, TCSAFLUSH, &old);
		prompt_guard(fd, &old, 0, saved_actions);
		return RC_FAIL;
	}
	while (got < sizeof(buf) - 1) {
		n = read(fd, buf + got, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			read_error = errno;
		if (n <= 0 || buf[got] == '\n')
			break;
		got++;
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	prompt_guard(fd, &old, 0, saved_actions);
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

int
secret_read(const struct pass_source *src, const char *what, int confirm,
    struct secret **out)
{
	int rc;

	*out = NULL;
	if (src->none)
		return RC_OK;
	/* From here the process holds a passphrase, and soon a private key: no
	 * core dump may carry them, and other processes of this user may not
	 * ptrace it. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (src->file && src->env) {
		pinca_warnx("give --pass-file or --pass-env, not both");
		return RC_USAGE;
	}
	if (src->file)
		rc = secret_from_file(src->file, out);
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
	default:
		return 0;
	}
}
