/* cmd: the entry points of the ca/ commands (one function per subcommand,
 * git's builtin style). */
#ifndef PINCA_CMD_H
#define PINCA_CMD_H

#include <openssl/evp.h>

#include "ca/ceremony.h"
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

/* Shared by the ca commands: prints an intermediate signing's plan (a
 * ceremony_announce_fn for ca intermediate and ca sign). */
void ca_print_plan(const struct ceremony_plan *plan, void *arg);

#endif
