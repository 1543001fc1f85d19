/* fuzz_build_check.h: the contract of an app build that a reader accepted
 * (ca/appread.h), checked by the app reader fuzz targets. */
#ifndef PINCA_FUZZ_BUILD_CHECK_H
#define PINCA_FUZZ_BUILD_CHECK_H

#include <ctype.h>

#include "ca/appread.h"
#include "ca/cert.h"
#include "tests/fuzz/fuzz.h"

/* Every domain a lowercase DNS name, every pin a valid pin, within limits. */
static inline void
fuzz_build_check(const struct app_build *b)
{
	size_t items = 0;

	FUZZ_ASSERT(b->ndomains <= APP_READ_MAX_DOMAINS);
	for (size_t i = 0; i < b->ndomains; i++) {
		const struct app_domain *d = &b->domains[i];
		FUZZ_ASSERT(d->domain && d->domain[0] && strlen(d->domain) <= APP_DOMAIN_MAX);
		for (const char *p = d->domain; *p; p++)
			FUZZ_ASSERT(!isupper((unsigned char)*p) && *p != ' ');
		for (size_t j = 0; j < d->npins; j++)
			FUZZ_ASSERT(pin_is_valid(d->pins[j].pin));
		items += d->npins;
	}
	FUZZ_ASSERT(items == b->nitems && items <= APP_READ_MAX_PINS);
}

#endif
