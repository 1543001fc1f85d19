/* cmdline: the command line as the audit log records it. main sets it once
 * from argv, with what may carry a credential redacted; whoever opens a
 * store for a command hands it to the store (store_set_audit_command), so
 * the store itself never sees argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cmdline.h"

/* The command line as the audit log records it: set once by main, never
 * truncated (a long --dns list is part of what happened). */
static char cmdline_default[] = "pinca";
static char *cmdline_text = cmdline_default;

#define REDACTED "[redacted]"

/* Options whose whole value may hold a secret: a deploy hook's command line
 * often carries a token or a password (curl -u, an API key). */
static const char *const cmdline_secret_opts[] = { "--exec", NULL };

/* Copies arg into out with what may be a credential inside it replaced by
 * REDACTED: a URL's password (scheme://user:PASSWORD@host), an RFC 7512
 * PKCS#11 URI's pin-value, and a libpq conninfo's password=. */
static void
cmdline_redact_arg(const char *arg, char *out, size_t size)
{
	static const char *const keys[] = { "pin-value=", "password=", NULL };
	const char *p = arg, *scheme = strstr(arg, "://");
	size_t o = 0;

	while (*p && o + 1 < size) {
		const char *at, *colon, *slash;
		size_t klen = 0;
		if (p == scheme) {
			/* userinfo ends at '@' before the first '/' of the path. */
			slash = strchr(p + 3, '/');
			at = strchr(p + 3, '@');
			colon = strchr(p + 3, ':');
			if (at && (!slash || at < slash) && colon && colon < at) {
				o += (size_t)snprintf(out + o, size - o, "%.*s" REDACTED,
				    (int)(colon + 1 - p), p);
				p = at;
				continue;
			}
		}
		for (int k = 0; keys[k] && klen == 0; k++)
			if (strncasecmp(p, keys[k], strlen(keys[k])) == 0)
				klen = strlen(keys[k]);
		if (klen) {
			o += (size_t)snprintf(out + o, size - o, "%.*s" REDACTED, (int)klen, p);
			p += klen + strcspn(p + klen, ";?& '\"");
			continue;
		}
		out[o++] = *p++;
	}
	out[o < size ? o : size - 1] = '\0';
}

void
cmdline_set(int argc, char **argv)
{
	char *buf = NULL, *arg;
	size_t size = 0;
	int hide_next = 0;
	FILE *f;

	/* Passphrases never reach argv (files, env or a TTY); what else may
	 * carry a credential is redacted before it can enter the append-only
	 * log, where it could never be removed. */
	if ((f = open_memstream(&buf, &size)) == NULL)
		return;
	for (int i = 0; i < argc; i++) {
		const char *eq = i ? strchr(argv[i], '=') : NULL;
		size_t alen = (i ? strlen(argv[i]) : 5) * 2 + 32;
		int secret_opt = 0;
		if ((arg = malloc(alen)) == NULL)
			break;
		if (hide_next)
			snprintf(arg, alen, REDACTED);
		else
			cmdline_redact_arg(i == 0 ? "pinca" : argv[i], arg, alen);
		/* getopt_long takes any unambiguous prefix (--exe CMD, --ex=CMD):
		 * every prefix of at least "--e" counts, whatever else it could
		 * mean (over-redacting costs nothing). */
		for (int k = 0; i && cmdline_secret_opts[k]; k++) {
			size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
			if (n < 3 || n > strlen(cmdline_secret_opts[k]) ||
			    strncmp(argv[i], cmdline_secret_opts[k], n) != 0)
				continue;
			if (eq)
				snprintf(arg, alen, "%.*s=" REDACTED, (int)n, argv[i]);
			else
				secret_opt = 1;
		}
		hide_next = secret_opt;
		fprintf(f, "%s%s", i ? " " : "", arg);
		free(arg);
	}
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return;
	}
	if (cmdline_text != cmdline_default)
		free(cmdline_text);
	cmdline_text = buf;
}

const char *
cmdline_audit(void)
{
	return cmdline_text;
}
