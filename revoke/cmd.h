/* cmd: the entry points of the revoke/ commands (one function per command,
 * git's builtin style). */
#ifndef PINCA_REVOKE_CMD_H
#define PINCA_REVOKE_CMD_H

#include <stdio.h>

#include <jansson.h>

#include "ca/context.h"
#include "common/secret.h"

/* `pinca revoke (SERIAL | --name LINEAGE) [--reason REASON]` */
int cmd_revoke(int argc, char **argv);
/* `pinca crl [--days N] [--out FILE] [--der] [--ca WHICH] [--if-due HOURS]` */
int cmd_crl(int argc, char **argv);

/* Parts of `pinca crl` (revoke/cmd_crl_presign.c). */
/* --presign: makes, records and writes n CRLs of ca into out_dir and prints
 * the schedule. RC_OK or an RC_* code (message printed). */
int cmd_crl_presign(struct ca_context *ctx, const struct ca_record *ca,
    const struct pass_source *src, int n, long days, const char *out_dir, int json);
/* Says which pre-signed CRLs of the CA are void: lines on fp, or objects
 * appended to arr when it is not NULL. */
int crl_void_report(struct ca_context *ctx, int64_t ca_id, int64_t now, FILE *fp, json_t *arr);

#endif
