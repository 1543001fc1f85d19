/* cmd: the entry points of the issue/ commands. */
#ifndef PINCA_ISSUE_CMD_H
#define PINCA_ISSUE_CMD_H

int cmd_issue(int argc, char **argv);
int cmd_renew(int argc, char **argv);

#endif
