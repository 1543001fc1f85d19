/* xmltree: the element tree the Android readers share (see xmltree.h). */
#include <stdlib.h>
#include <string.h>

#include "ca/xmltree.h"
#include "common/err.h"

void
xml_builder_init(struct xml_builder *b, int max_depth, size_t max_nodes)
{
	memset(b, 0, sizeof(*b));
	b->stack[0] = &b->doc;
	b->max_depth = max_depth > 64 ? 64 : max_depth;
	b->max_nodes = max_nodes;
}

struct xml_node *
xml_builder_start(struct xml_builder *b, const char *name, const char *what)
{
	struct xml_node *parent = b->stack[b->depth], *kids, *n;

	if (b->depth >= b->max_depth) {
		pinca_warnx("%s: refused: elements nested deeper than %d", what, b->max_depth);
		return NULL;
	}
	if (b->nodes >= b->max_nodes) {
		pinca_warnx("%s: refused: more than %zu elements", what, b->max_nodes);
		return NULL;
	}
	/* Ancestors on the stack never move: only the current element's
	 * children array grows. */
	if ((kids = realloc(parent->kids, (parent->nkids + 1) * sizeof(*kids))) == NULL)
		goto oom;
	parent->kids = kids;
	n = &kids[parent->nkids];
	memset(n, 0, sizeof(*n));
	if ((n->name = strdup(name)) == NULL)
		goto oom;
	parent->nkids++;
	b->nodes++;
	b->stack[++b->depth] = n;
	return n;
oom:
	pinca_warnx("%s: out of memory", what);
	return NULL;
}

int
xml_builder_end(struct xml_builder *b, const char *what)
{
	if (b->depth == 0) {
		pinca_warnx("%s: an element ends that never started", what);
		return RC_FAIL;
	}
	b->depth--;
	return RC_OK;
}

int
xml_builder_attr(struct xml_builder *b, const char *name, const char *value, uint32_t ref)
{
	struct xml_node *n = b->stack[b->depth];
	struct xml_attr *a;

	if (b->depth == 0)
		return RC_FAIL;
	if ((a = realloc(n->attrs, (n->nattrs + 1) * sizeof(*a))) == NULL)
		return RC_FAIL;
	n->attrs = a;
	a = &a[n->nattrs];
	a->name = strdup(name);
	a->value = strdup(value);
	a->ref = ref;
	if (a->name == NULL || a->value == NULL) {
		free(a->name);
		free(a->value);
		return RC_FAIL;
	}
	n->nattrs++;
	return RC_OK;
}

int
xml_builder_text(struct xml_builder *b, const char *text, size_t len)
{
	struct xml_node *n = b->stack[b->depth];
	size_t have = n->text_len;
	char *t;

	if (b->depth == 0)
		return RC_OK;	/* text outside the root element carries nothing */
	if ((t = realloc(n->text, have + len + 1)) == NULL)
		return RC_FAIL;
	memcpy(t + have, text, len);
	t[have + len] = '\0';
	n->text = t;
	n->text_len = have + len;
	return RC_OK;
}

/* Frees what n holds (depth is bounded by the builder's max_depth). */
static void
xml_node_clear(struct xml_node *n)
{
	free(n->name);
	for (size_t i = 0; i < n->nattrs; i++) {
		free(n->attrs[i].name);
		free(n->attrs[i].value);
	}
	free(n->attrs);
	free(n->text);
	for (size_t i = 0; i < n->nkids; i++)
		xml_node_clear(&n->kids[i]);
	free(n->kids);
}

void
xml_builder_free(struct xml_builder *b)
{
	xml_node_clear(&b->doc);
	memset(b, 0, sizeof(*b));
}

const struct xml_attr *
xml_attr_get(const struct xml_node *n, const char *name)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return &n->attrs[i];
	return NULL;
}
