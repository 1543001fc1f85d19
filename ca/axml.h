/* axml: Android's compiled XML and resource table, read back (axml.c). */
#ifndef PINCA_AXML_H
#define PINCA_AXML_H

#include <stddef.h>
#include <stdint.h>

#include "ca/xmltree.h"

#define AXML_MAX_RESMAP 4096	/* attribute ids kept from a resource map */

/* Parses binary XML into the builder (which sets the depth and node
 * limits). RC_OK, or RC_FAIL with one line printed naming what. */
int axml_parse(const unsigned char *data, size_t len, struct xml_builder *b, const char *what);
/* The string value of resource id in a resources.arsc table (for a file
 * resource: its path in the APK, e.g. "res/raw/my_root.pem"), as a new
 * string, or NULL when the table does not say. Only the default
 * configuration's plain entries are read. */
char *arsc_resolve_string(const unsigned char *data, size_t len, uint32_t id);

#endif
