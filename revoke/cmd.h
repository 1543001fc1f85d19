/* cmd: the entry points of the revoke/ commands (one function per command,
 * git's builtin style). */
#ifndef PINCA_REVOKE_CMD_H
#define PINCA_REVOKE_CMD_H

/* `pinca revoke (SERIAL | --name LINEAGE) [--reason REASON]` */
int cmd_revoke(int argc, char **argv);
/* `pinca crl [--days N] [--out FILE] [--der] [--ca WHICH] [--if-due HOURS]` */
int cmd_crl(int argc, char **argv);

#endif
