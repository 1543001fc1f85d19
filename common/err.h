/* err: the error line of a failed operation and the return codes that carry
 * failures up to main. Errors are values: the place that knows what went
 * wrong records one line in its thread's error state (pinca_warnx and
 * friends never print); the code goes up as the return value; only the
 * outermost caller shows the line: main prints "pinca: LINE" on stderr, the
 * ACME server puts it into a problem document, batch into a JSON field.
 * Lines that are results rather than failures (a warning on a path that
 * succeeds, one line per item of a long run) go through a pinca_report the
 * command layer hands down. */
#ifndef PINCA_ERR_H
#define PINCA_ERR_H

#include <stddef.h>

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

/* Records "MESSAGE" as this thread's error line, unless one is pending (the
 * first error of an operation is its cause; the callers' lines only repeat
 * it). Never prints. */
void pinca_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records "MESSAGE: strerror(errno)", as pinca_warnx. */
void pinca_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records "MESSAGE: <OpenSSL's reason>", as pinca_warnx, and empties
 * OpenSSL's error queue either way. */
void pinca_warn_ssl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes the next queued OpenSSL reason into buf (empty if none); clears the queue. */
void pinca_ssl_reason(char *buf, unsigned long size);

/* The error state is per thread: a thread that runs operations one after
 * another (a server's worker, a batch's loop) clears it before each. */
/* Non-zero when this thread has an error line pending. */
int pinca_err_pending(void);
/* This thread's pending error line (one line, already made safe to show),
 * or "" when none is. The pointer is valid until the next pinca_err_* or
 * pinca_warn* call on this thread. */
const char *pinca_err_message(void);
/* Forgets this thread's pending line: an operation that recovers from a
 * failure, or a loop about to start the next item, calls it. */
void pinca_err_clear(void);
/* Copies the pending line into buf (size bytes; "" when none is pending)
 * and clears it. Returns buf. */
char *pinca_err_take(char *buf, size_t size);
/* The outermost caller's one print: writes "pinca: LINE" to stderr when a
 * line is pending, and clears it. main calls it when a command fails; a
 * child process calls it before it exits. */
void pinca_err_print(void);

/* Where a domain function sends lines that are part of its result, not its
 * failure. The command layer provides it (pinca_report_stdio prints); a
 * NULL report, or a NULL line, drops the lines. */
enum pinca_report_kind {
	REPORT_OUT,	/* a result line (or one whole document, as verify
			 * --json's): the CLI prints it on stdout as is */
	REPORT_NOTE,	/* a warning or a failed item of a run that goes on: the
			 * CLI prints "pinca: TEXT" on stderr */
	REPORT_LOG,	/* a server's log line: the CLI prints it on stderr as is */
};
struct pinca_report {
	void (*line)(void *ctx, enum pinca_report_kind kind, const char *text);
	void (*flush)(void *ctx);	/* a run of lines is complete; may be NULL */
	void *ctx;
};
/* Formats one line (no newline) and hands it to r. */
void pinca_report(const struct pinca_report *r, enum pinca_report_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Hands text (one line, no newline, any length) to r as it is. */
void pinca_report_text(const struct pinca_report *r, enum pinca_report_kind kind,
    const char *text);
/* Tells r that a run of lines is complete (the CLI flushes stdout). */
void pinca_report_flush(const struct pinca_report *r);
/* Hands this thread's pending error line to r as a REPORT_NOTE and clears
 * it (an item of a run failed; the run goes on). */
void pinca_report_error(const struct pinca_report *r);
/* The command line's report: REPORT_OUT lines on stdout, REPORT_NOTE
 * lines as "pinca: TEXT" and REPORT_LOG lines as they are on stderr. */
extern const struct pinca_report pinca_report_stdio;

#endif
