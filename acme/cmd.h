/* cmd: the entry points of the ACME commands: `pinca serve` and `pinca acme`. */
#ifndef PINCA_ACME_CMD_H
#define PINCA_ACME_CMD_H

int cmd_serve(int argc, char **argv);
int cmd_acme(int argc, char **argv);

#endif
