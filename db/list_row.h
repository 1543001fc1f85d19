/* list_row: the fast formatting of one `db list` row (see list_row.c). */
#ifndef PINCA_LIST_ROW_H
#define PINCA_LIST_ROW_H

#include <stddef.h>

#include "db/store.h"

#define LIST_ROW_SLOW 1
/* The size of the names buffer of the table's general path (cmd_db.c). */
#define LIST_NAMES_MAX 512

/* The table line of r (with its newline), as cmd_db.c's printf makes it, into
 * buf; *len is its length. 0, or LIST_ROW_SLOW: use the general path. */
int list_row_text(const struct cert_record *r, const char *status, char *buf, size_t size,
    size_t *len);

#endif
