/* xmltree: a small element tree that both Android readers build (the XML
 * text through libxml2, the compiled binary XML through axml.c), so that
 * one interpreter reads the network security config from either. The
 * builder enforces the depth and node limits of appread.h. */
#ifndef PINCA_XMLTREE_H
#define PINCA_XMLTREE_H

#include <stddef.h>
#include <stdint.h>

struct xml_attr {
	char *name;
	char *value;
	uint32_t ref;		/* binary XML: the resource id a reference names, else 0 */
};

struct xml_node {
	char *name;
	struct xml_attr *attrs;
	size_t nattrs;
	char *text;		/* character data directly inside, concatenated (or NULL) */
	size_t text_len;
	struct xml_node *kids;
	size_t nkids;
};

struct xml_builder {
	struct xml_node doc;	/* a pseudo-node whose children are the top elements */
	struct xml_node *stack[66];
	int depth;
	size_t nodes;
	int max_depth;
	size_t max_nodes;
};

/* Starts a builder with these limits (max_depth at most 64). */
void xml_builder_init(struct xml_builder *b, int max_depth, size_t max_nodes);
/* Opens element name (copied) under the current one; NULL (message printed,
 * what names the input) when a limit is reached or memory runs out. */
struct xml_node *xml_builder_start(struct xml_builder *b, const char *name, const char *what);
/* Closes the current element. RC_FAIL on an end without a start. */
int xml_builder_end(struct xml_builder *b, const char *what);
/* Adds an attribute to the current element (strings copied). */
int xml_builder_attr(struct xml_builder *b, const char *name, const char *value, uint32_t ref);
/* Appends character data to the current element. */
int xml_builder_text(struct xml_builder *b, const char *text, size_t len);
/* Frees the tree. */
void xml_builder_free(struct xml_builder *b);
/* The attribute's value, or NULL. */
const struct xml_attr *xml_attr_get(const struct xml_node *n, const char *name);

#endif
