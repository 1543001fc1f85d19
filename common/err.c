/* err: the error line of a failed operation, kept per thread until the
 * outermost caller shows it, and the report lines a command prints. The
 * only printing here is the command line's: pinca_err_print and
 * pinca_report_stdio. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "common/err.h"
#include "common/text.h"

int
rc_exit(int rc)
{
	switch (rc) {
	case RC_OK:
		return PINCA_EXIT_OK;
	case RC_USAGE:
		return PINCA_EXIT_USAGE;
	case RC_POLICY:
		return PINCA_EXIT_POLICY;
	default:
		return PINCA_EXIT_FAIL;
	}
}

/* The thread's error line. Thread-local, not global: every thread of the
 * server (each with its own store handle) has its own, so one request's
 * failure never shows in another's answer. */
#define ERR_LINE_MAX 2304
static _Thread_local struct {
	int pending;
	char line[ERR_LINE_MAX];
} err_state;

/* Records the message with an optional suffix, all on one line, unless a
 * line is pending already. */
static void
warn_line(const char *suffix, const char *fmt, va_list ap)
{
	char raw[1024], safe[2048];
	const char *msg;

	if (err_state.pending)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* One line, always: a message built from outside data (a name from a
	 * CSR, a row of the database) must not break it or drive the terminal. */
	msg = text_safe(raw, safe, sizeof(safe));
	snprintf(err_state.line, sizeof(err_state.line), "%s%s%s", msg,
	    suffix && *suffix ? ": " : "", suffix && *suffix ? suffix : "");
	err_state.pending = 1;
}

void
pinca_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	warn_line(NULL, fmt, ap);
	va_end(ap);
}

void
pinca_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	warn_line(strerror(saved), fmt, ap);
	va_end(ap);
}

void
pinca_ssl_reason(char *buf, unsigned long size)
{
	unsigned long e, last = 0;

	/* The earliest error is usually the root cause; keep it. */
	while ((e = ERR_get_error()) != 0)
		if (last == 0)
			last = e;
	buf[0] = '\0';
	if (last != 0) {
		const char *r = ERR_reason_error_string(last);
		if (r)
			snprintf(buf, size, "%s", r);
		else
			ERR_error_string_n(last, buf, size);
	}
}

void
pinca_warn_ssl(const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	pinca_ssl_reason(reason, sizeof(reason));
	va_start(ap, fmt);
	warn_line(reason, fmt, ap);
	va_end(ap);
}

int
pinca_err_pending(void)
{
	return err_state.pending;
}

const char *
pinca_err_message(void)
{
	return err_state.pending ? err_state.line : "";
}

void
pinca_err_clear(void)
{
	err_state.pending = 0;
	err_state.line[0] = '\0';
}

char *
pinca_err_take(char *buf, size_t size)
{
	if (size > 0)
		snprintf(buf, size, "%s", pinca_err_message());
	pinca_err_clear();
	return buf;
}

void
pinca_err_print(void)
{
	if (err_state.pending)
		fprintf(stderr, "pinca: %s\n", err_state.line);
	pinca_err_clear();
}

void
pinca_report(const struct pinca_report *r, enum pinca_report_kind kind, const char *fmt, ...)
{
	char line[4096];	/* a finding of verify is up to about 2 KB */
	va_list ap;

	if (r == NULL || r->line == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->line(r->ctx, kind, line);
}

void
pinca_report_text(const struct pinca_report *r, enum pinca_report_kind kind, const char *text)
{
	if (r && r->line)
		r->line(r->ctx, kind, text);
}

void
pinca_report_flush(const struct pinca_report *r)
{
	if (r && r->flush)
		r->flush(r->ctx);
}

void
pinca_report_error(const struct pinca_report *r)
{
	char line[ERR_LINE_MAX];

	if (err_state.pending)
		pinca_report(r, REPORT_NOTE, "%s", pinca_err_take(line, sizeof(line)));
}

/* The command line's report callback. */
static void
report_stdio_line(void *ctx, enum pinca_report_kind kind, const char *text)
{
	(void)ctx;
	if (kind == REPORT_OUT)
		printf("%s\n", text);
	else if (kind == REPORT_LOG)
		fprintf(stderr, "%s\n", text);
	else
		fprintf(stderr, "pinca: %s\n", text);
}

/* The command line's flush: stdout, where the result lines go. */
static void
report_stdio_flush(void *ctx)
{
	(void)ctx;
	fflush(stdout);
}

const struct pinca_report pinca_report_stdio = { report_stdio_line, report_stdio_flush, NULL };
