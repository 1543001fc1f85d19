/* err: the one "pinca: ..." line on stderr, and the return codes that carry
 * failures up to main. A function that returns RC_FAIL/RC_POLICY/RC_USAGE has
 * already printed its line; callers only pass the code on. */
#ifndef PINCA_ERR_H
#define PINCA_ERR_H

/* Exit statuses documented in pinca(1). */
enum pinca_exit {
	PINCA_EXIT_OK = 0,	/* success */
	PINCA_EXIT_FAIL = 1,	/* the operation failed */
	PINCA_EXIT_USAGE = 2,	/* the command line was wrong */
	PINCA_EXIT_POLICY = 3,	/* refused by a lint or the pin guard */
};

/* Return codes of domain functions. */
enum pinca_rc {
	RC_OK = 0,
	RC_FAIL = -1,
	RC_USAGE = -2,
	RC_POLICY = -3,
};

/* Maps a return code to the process exit status. */
int rc_exit(int rc);

/* Prints "pinca: MESSAGE". */
void pinca_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "pinca: MESSAGE: strerror(errno)". */
void pinca_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "pinca: MESSAGE: <OpenSSL's reason>" and empties OpenSSL's error queue. */
void pinca_warn_ssl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes the next queued OpenSSL reason into buf (empty if none); clears the queue. */
void pinca_ssl_reason(char *buf, unsigned long size);

/* While a buffer is set, error lines go into it (the first one is kept)
 * instead of stderr: batch issuance reports each request's error in its JSON
 * result line. NULL restores stderr. */
void pinca_err_capture(char *buf, unsigned long size);

#endif
