/* err: formats the single error line pinca prints for a failure. */
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

static _Thread_local char *capture_buf;
static _Thread_local unsigned long capture_size;

void
pinca_err_capture(char *buf, unsigned long size)
{
	capture_buf = buf;
	capture_size = size;
	if (buf && size)
		buf[0] = '\0';
}

/* Prints the message with an optional suffix, all on one line. */
static void
warn_line(const char *suffix, const char *fmt, va_list ap)
{
	char raw[1024], safe[2048];
	const char *msg;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* One line, always: a message built from outside data (a name from a
	 * CSR, a row of the database) must not break it or drive the terminal. */
	msg = text_safe(raw, safe, sizeof(safe));
	if (capture_buf) {
		if (capture_buf[0] == '\0')
			snprintf(capture_buf, capture_size, "%s%s%s", msg, suffix && *suffix ? ": " : "",
			    suffix && *suffix ? suffix : "");
		return;
	}
	if (suffix && *suffix)
		fprintf(stderr, "pinca: %s: %s\n", msg, suffix);
	else
		fprintf(stderr, "pinca: %s\n", msg);
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
