/* cmd: the entry points of the ca/ commands (one function per subcommand,
 * git's builtin style). */
#ifndef PINCA_CMD_H
#define PINCA_CMD_H

#include <openssl/evp.h>

#include "ca/cert.h"
#include "ca/context.h"
#include "ca/guard.h"
#include "ca/keys.h"
#include "ca/signer.h"
#include "common/subcommand.h"


int cmd_init(int argc, char **argv);
int cmd_ca(int argc, char **argv);
int cmd_ca_root(int argc, char **argv);
int cmd_ca_intermediate(int argc, char **argv);
int cmd_ca_csr(int argc, char **argv);
int cmd_ca_sign(int argc, char **argv);
int cmd_ca_import(int argc, char **argv);
int cmd_ca_list(int argc, char **argv);
int cmd_ca_show(int argc, char **argv);
int cmd_pins(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_app(int argc, char **argv);
int cmd_app_show(int argc, char **argv);
int cmd_ca_activate(int argc, char **argv);
int cmd_ca_retire(int argc, char **argv);
int cmd_ca_backup(int argc, char **argv);
int cmd_ca_restore(int argc, char **argv);
int cmd_ca_set_crl_url(int argc, char **argv);

/* Shared by the ca commands. */
int dir_create_keys(const char *dir);
EVP_PKEY *ca_new_key_file(const char *dir, const char *role, enum key_type type,
    const struct secret *pass, char *rel, size_t rel_size);
/* A new CA key: with uri, made on that PKCS#11 token (*token: a signer for
 * it; rel: its URI; *rc set on failure), else as ca_new_key_file. Returns
 * the key (its public half for a token key); the caller frees both. */
EVP_PKEY *ca_new_key(const char *dir, const char *role, enum key_type type,
    const struct secret *pass, const char *uri, const struct pass_source *src,
    struct signer **token, char *rel, size_t rel_size, int *rc);

/* When the root of role ("root" or "standby") was retired (ca retire),
 * records the error line saying so and which root to use instead, and
 * returns 1; else records nothing and returns 0. */
int ca_root_retired_note(struct ca_context *ctx, const char *role);

#endif
