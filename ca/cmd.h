/* cmd: the entry points of the ca/ commands (one function per subcommand,
 * git's builtin style). */
#ifndef PINCA_CMD_H
#define PINCA_CMD_H

#include <openssl/evp.h>

#include "ca/cert.h"
#include "ca/context.h"
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
 * prints one line saying so and which root to use instead, and returns 1;
 * else prints nothing and returns 0. */
int ca_root_retired_note(struct ca_context *ctx, const char *role);

/* The pin guard (ca/guard.c). Each check describes the keys the server
 * would present after a change and refuses it (RC_POLICY, one line naming
 * the release) when a supported app release pins none of them. force
 * prints a loud warning and allows; the caller records "forced" in its
 * audit record. */
struct served_keys {
	char **pins;		/* grows: every lineage's leaf key is one */
	size_t n, cap;
};
/* Adds a copy of pin (NULL is skipped). RC_OK or RC_FAIL (out of memory). */
int served_keys_add(struct served_keys *sk, const char *pin);
void served_keys_clear(struct served_keys *sk);
/* Whether release r carries one of pins. */
int release_pins_any(const struct app_release *r, const char *const *pins, size_t n);
/* The keys served today: the active intermediate held here and its root
 * (on a root-only host, the primary root). */
int guard_current_keys(struct ca_context *ctx, struct served_keys *sk);
/* Making root the anchor of what the server serves (a new intermediate under it). */
int guard_check_root(struct ca_context *ctx, const struct ca_record *root, int force);
/* Making inter (issued by root) the intermediate that issues here. */
int guard_check_intermediate(struct ca_context *ctx, const struct ca_record *inter,
    const struct ca_record *root, int force);

/* The general form: the served chain's pins go from before[] to after[];
 * a supported release that matches before and not after is broken, and the
 * change is refused (RC_POLICY naming the release and `what`). With an
 * empty before[] (nothing served yet) every release must match after[].
 * before[0] and after[0] are the leaf's key (NULL in both: the change keeps
 * the leaf), the others CA keys: releases read from an app build are judged
 * per domain by their platform's rule (ca/apprule.h), which tells them apart. */
int guard_check_transition(struct ca_context *ctx, const char *const *before, int nbefore,
    const char *const *after, int nafter, int force, const char *what);

#endif
