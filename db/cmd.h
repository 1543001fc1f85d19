/* cmd: the entry points of the db/ commands (`pinca db ...`), and what they
 * share. */
#ifndef PINCA_DB_CMD_H
#define PINCA_DB_CMD_H

#include <jansson.h>

int cmd_db(int argc, char **argv);
int cmd_db_list(int argc, char **argv);
int cmd_db_show(int argc, char **argv);
int cmd_db_check(int argc, char **argv);
int cmd_db_audit(int argc, char **argv);
int cmd_db_backup(int argc, char **argv);
int cmd_db_migrate(int argc, char **argv);

/* A JSON array printed one element at a time, so a list of a million rows is
 * never held in memory: "[" before the first item, "," between, "]" at the
 * end (db_json_stream_end prints "[]" when there was none). Each item is
 * made and serialised by jansson; the reference is dropped. */
struct db_json_stream {
	int count;
};
int db_json_stream_item(struct db_json_stream *js, json_t *item);
int db_json_stream_end(struct db_json_stream *js);

#endif
