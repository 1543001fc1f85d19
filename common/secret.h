/* secret: passphrases. They come from a file, an environment variable or the
 * terminal, never argv; they live in one buffer that is wiped when freed. */
#ifndef PINCA_SECRET_H
#define PINCA_SECRET_H

#include <stddef.h>

struct secret {
	char *data;	/* NUL-terminated for convenience; len excludes the NUL */
	size_t len;
};

/* Where a command was told to take its passphrase from. */
struct pass_source {
	const char *file;	/* --pass-file */
	const char *env;	/* --pass-env */
	int none;		/* --no-passphrase: write/read keys unencrypted */
	const char *pin_file;	/* --pin-file: the PIN of a PKCS#11 token */
	const char *module;	/* --module: the PKCS#11 module (NULL: $PINCA_PKCS11_MODULE) */
};

/* Minimum length of a new passphrase. */
#define SECRET_MIN_NEW 8

/* Reads a passphrase. With confirm set (a key is being created) a terminal
 * prompt asks twice and a short passphrase is refused. Sets *out to NULL when
 * src->none is set. Returns RC_OK or an RC_* code (message printed).
 * The caller frees *out with secret_free. */
int secret_read(const struct pass_source *src, const char *what, int confirm,
    struct secret **out);
/* Reads the PIN of a token (`what` names it) from src->pin_file, else from
 * a prompt on the terminal (RC_USAGE when there is none). Returns RC_OK or
 * an RC_* code (message printed); the caller frees *out with secret_free. */
int secret_read_pin(const struct pass_source *src, const char *what, struct secret **out);
/* Called before a passphrase or a private key enters memory: the process
 * stops being dumpable (no core file, no ptrace by other processes of the
 * user) and its core size limit drops to 0, which children inherit too.
 * Idempotent. */
void secret_protect_process(void);
/* Wipes and frees. NULL is a no-op. */
void secret_free(struct secret *s);
/* Handles the shared --pass-file/--pass-env/--no-passphrase options (and
 * --pin-file/--module, the token's PIN and module); returns
 * 1 when the id was one of them. */
int secret_option(struct pass_source *src, int id, const char *arg);

#endif
