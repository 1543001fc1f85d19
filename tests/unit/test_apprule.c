/* test_apprule: the platform rules the pin guard applies per domain
 * (ca/apprule.c): any-of, iOS CA and leaf both when both are given, inline
 * Android anchors, a leaf a change keeps, expiration, and which certificate
 * names reach a pinned domain. */
#include <string.h>
#include <time.h>

#include "ca/apprule.h"
#include "tests/unit/unit.h"

#define PA "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PB "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="
#define PL "sha256/LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLA="
#define PX "sha256/XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXA="

/* A domain with up to four pins of the given kinds. */
static struct app_domain
domain(const char *platform, int n, const char *const *pins, const enum app_pin_kind *kinds,
    struct app_pin *store)
{
	struct app_domain d;

	memset(&d, 0, sizeof(d));
	d.domain = (char *)"api.example.com";
	snprintf(d.platform, sizeof(d.platform), "%s", platform);
	for (int i = 0; i < n; i++) {
		memset(&store[i], 0, sizeof(store[i]));
		snprintf(store[i].pin, sizeof(store[i].pin), "%s", pins[i]);
		store[i].kind = kinds[i];
	}
	d.pins = store;
	d.npins = (size_t)n;
	return d;
}

int
main(void)
{
	struct app_pin st[4];
	const char *cas_ab[] = { PA, PB }, *cas_b[] = { PB }, *cas_x[] = { PX };
	struct app_chain leaf_ab = { PL, cas_ab, 2, 0 }, leaf_b = { PL, cas_b, 1, 0 };
	struct app_chain other_b = { PX, cas_b, 1, 0 }, kept_b = { NULL, cas_b, 1, 1 };
	struct app_chain kept_x = { NULL, cas_x, 1, 1 }, unknown_b = { NULL, cas_b, 1, 0 };

	const char *any_pins[] = { PA, PL };
	const enum app_pin_kind any_kinds[] = { APP_PIN_ANY, APP_PIN_ANY };
	struct app_domain d = domain("android", 2, any_pins, any_kinds, st);
	CHECK(strcmp(app_domain_rule(&d), "any") == 0, "android: rule any");
	CHECK(app_domain_satisfied(&d, &other_b) == 0, "any: no pin in the chain fails");
	CHECK(app_domain_satisfied(&d, &leaf_b), "any: the leaf alone satisfies");
	CHECK(app_domain_satisfied(&d, &leaf_ab), "any: a CA alone satisfies");
	CHECK(app_domain_satisfied(&d, &kept_b) == 0, "any: a kept but unknown leaf does not count");

	const char *ios_pins[] = { PA, PB, PL };
	const enum app_pin_kind ios_kinds[] = { APP_PIN_CA, APP_PIN_CA, APP_PIN_LEAF };
	d = domain("ios", 3, ios_pins, ios_kinds, st);
	CHECK(strcmp(app_domain_rule(&d), "ca-and-leaf") == 0, "ios with CA and leaf: ca-and-leaf");
	CHECK(app_domain_satisfied(&d, &leaf_b), "ios: CA and leaf both match");
	CHECK(app_domain_satisfied(&d, &other_b) == 0, "ios: a CA match does not save a leaf miss");
	struct app_chain leaf_x = { PL, cas_x, 1, 0 };
	CHECK(app_domain_satisfied(&d, &leaf_x) == 0, "ios: a leaf match does not save a CA miss");
	CHECK(app_domain_satisfied(&d, &kept_b), "ios: a kept leaf is taken as still matching");
	CHECK(app_domain_satisfied(&d, &kept_x) == 0, "ios: ... so only the CA part decides");
	CHECK(app_domain_satisfied(&d, &unknown_b) == 0, "ios: an unknown leaf that is not kept fails");
	struct app_chain leaf_is_ca = { PA, cas_x, 1, 0 };
	CHECK(app_domain_satisfied(&d, &leaf_is_ca) == 0, "ios: a CA pin does not match the leaf position");
	d.npins = 2;
	CHECK(strcmp(app_domain_rule(&d), "any") == 0, "ios with CA identities only: rule any");
	CHECK(app_domain_satisfied(&d, &other_b), "ios CA only: the leaf does not matter");

	const char *anchored_pins[] = { PL, PA };
	const enum app_pin_kind anchored_kinds[] = { APP_PIN_ANY, APP_PIN_ANCHOR };
	d = domain("android", 2, anchored_pins, anchored_kinds, st);
	CHECK(app_domain_satisfied(&d, &leaf_ab), "anchors: the chain reaches the inline anchor");
	CHECK(app_domain_satisfied(&d, &leaf_b) == 0, "anchors: a pinned leaf under another root fails");
	snprintf(d.other_anchors, sizeof(d.other_anchors), "system");
	CHECK(app_domain_satisfied(&d, &leaf_b), "anchors: with the system store trusted too, pins decide");

	struct app_release r = { 0 };
	d = domain("android", 2, any_pins, any_kinds, st);
	r.name = (char *)"rel";
	r.domains = &d;
	r.ndomains = 1;
	CHECK(app_release_broken_domain(&r, &leaf_ab, &other_b, time(NULL)) == &d, "a change away from every pin breaks the domain");
	CHECK(app_release_broken_domain(&r, &other_b, &other_b, time(NULL)) == NULL, "a domain failing already is not broken by a change");
	CHECK(app_release_broken_domain(&r, NULL, &other_b, time(NULL)) == &d, "nothing served yet: after must satisfy");
	snprintf(d.expiration, sizeof(d.expiration), "2020-01-01");
	CHECK(!app_domain_in_force(&d, time(NULL)), "a past expiration date: not in force");
	CHECK(app_release_broken_domain(&r, &leaf_ab, &other_b, time(NULL)) == NULL, "an expired pin-set is never broken");
	time_t day = 1893456000;	/* 2030-01-01T00:00:00Z */
	snprintf(d.expiration, sizeof(d.expiration), "2030-01-01");
	CHECK(app_domain_in_force(&d, day + 86399), "in force through the expiration day (UTC)");
	CHECK(!app_domain_in_force(&d, day + 86400), "not the day after");

	d.include_subdomains = 0;
	CHECK(app_domain_covers(&d, "api.example.com"), "covers: the name itself");
	CHECK(app_domain_covers(&d, "*.example.com"), "covers: a wildcard one label up");
	CHECK(!app_domain_covers(&d, "x.api.example.com"), "covers: not a subdomain without includeSubdomains");
	CHECK(!app_domain_covers(&d, "xapi.example.com"), "covers: not a longer label");
	d.include_subdomains = 1;
	CHECK(app_domain_covers(&d, "x.api.example.com"), "covers: a subdomain with includeSubdomains");
	CHECK(app_domain_covers(&d, "*.api.example.com"), "covers: a wildcard under it with includeSubdomains");
	CHECK(!app_domain_covers(&d, "x.xapi.example.com"), "covers: not under a longer label");
	CHECK(app_domain_covers(&d, "a.b.api.example.com"), "covers: Android reaches every depth");
	snprintf(d.platform, sizeof(d.platform), "ios");
	CHECK(app_domain_covers(&d, "b.api.example.com"), "covers: iOS reaches one extra label");
	CHECK(!app_domain_covers(&d, "a.b.api.example.com"), "covers: iOS not two");
	return unit_finish();
}
