/* appview: a release's domains judged against the chain served here, today
 * and after the next planned rotation (appview.c), and their JSON form. */
#ifndef PINCA_APPVIEW_H
#define PINCA_APPVIEW_H

#include <jansson.h>

#include "ca/apprule.h"
#include "ca/context.h"

struct app_domain_status {
	int covered;		/* a lineage serves a host of this domain */
	int today;		/* the chain served today satisfies the domain's rule */
	int next;		/* so does the chain after the next planned rotation */
	int expired;		/* the pin-set's expiration date has passed */
	char lineage[128];	/* the lineage whose chain satisfies it today, or "" */
};

/* Fills st[i] for each domain of r. *has_next: a rotation is planned (a
 * second active root). RC_OK or RC_FAIL (message printed). */
int app_view_status(struct ca_context *ctx, const struct app_release *r,
    struct app_domain_status *st, int *has_next);
/* A domain as JSON (new reference); s adds the status when not NULL. */
json_t *app_view_domain_json(const struct app_domain *d, const struct app_domain_status *s);

#endif
