/* cmd: the entry points of the ca/ commands (one function per subcommand,
 * git's builtin style). */
#ifndef PINCA_CMD_H
#define PINCA_CMD_H

#include <openssl/evp.h>

#include "ca/context.h"
#include "ca/keys.h"
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

/* Shared by the ca commands. */
int dir_create_keys(const char *dir);
EVP_PKEY *ca_new_key_file(const char *dir, const char *role, enum key_type type,
    const struct secret *pass, char *rel, size_t rel_size);

/* The pin guard (ca/guard.c): refuses (RC_POLICY, naming the release) making
 * root the anchor of what the server serves when a supported app release
 * pins neither it nor any current leaf key. force logs and allows. */
int guard_check_root(struct ca_context *ctx, const struct ca_record *root, int force);

/* The general form: the served chain's pins go from before[] to after[];
 * a supported release that matches before and not after is broken, and the
 * change is refused (RC_POLICY naming the release and `what`). */
int guard_check_transition(struct ca_context *ctx, const char *const *before, int nbefore,
    const char *const *after, int nafter, int force, const char *what);

#endif
