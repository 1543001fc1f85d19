/* cmdline: the command line of this run, as the audit log records it
 * (common/cmdline.c). Set by main before any command runs; read by the code
 * that opens a store for a command and hands it on (store_set_audit_command). */
#ifndef PINCA_CMDLINE_H
#define PINCA_CMDLINE_H

/* Records argv, with what may carry a credential redacted (--exec's value,
 * a URL's password, pin-value=, password=). On failure (out of memory) the
 * previous line is kept. */
void cmdline_set(int argc, char **argv);
/* The recorded line; "pinca" before cmdline_set. */
const char *cmdline_audit(void);

#endif
