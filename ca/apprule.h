/* apprule: how a served chain is judged against an app release's
 * per-domain pins (apprule.c says the platform rules). */
#ifndef PINCA_APPRULE_H
#define PINCA_APPRULE_H

#include <stddef.h>
#include <time.h>

#include "db/store.h"

/* A chain as the app sees it: the leaf's key (NULL: not known) and the
 * keys of the CA certificates. leaf_unchanged: the leaf is not known but is
 * the same before and after a change (a change of intermediate or root). */
struct app_chain {
	const char *leaf;
	const char *const *cas;
	size_t ncas;
	int leaf_unchanged;
};

/* Whether d's pins are still enforced on the day of now (UTC). */
int app_domain_in_force(const struct app_domain *d, time_t now);
/* Whether chain c satisfies d's rule. */
int app_domain_satisfied(const struct app_domain *d, const struct app_chain *c);
/* Whether a certificate DNS name (maybe a wildcard) reaches a host d pins. */
int app_domain_covers(const struct app_domain *d, const char *cert_name);
/* The first domain of r in force that before satisfies (before NULL:
 * nothing is served yet, taken as satisfied) and after does not, or NULL. */
const struct app_domain *app_release_broken_domain(const struct app_release *r,
    const struct app_chain *before, const struct app_chain *after, time_t now);

#endif
