/* app_release: recording and retiring an app release (`pinca app add`, `app retire`; ca/app_release.c). */
#ifndef PINCA_APP_RELEASE_H
#define PINCA_APP_RELEASE_H

#include <stddef.h>

#include <jansson.h>

#include "ca/cert.h"
#include "ca/context.h"

#define APP_MAX_PINS 16
#define APP_NAME_MAX 64
#define APP_MAX_FROM 8

/* What to record. pins may grow (from_current adds the roots'). */
struct app_add_req {
	const char *name;
	char (*pins)[PIN_LEN];		/* APP_MAX_PINS entries */
	size_t npins;
	int from_current;		/* add the primary and standby root pins */
	char **from;			/* app build files to read the pins from */
	size_t nfrom;
	int force;			/* record a release the served chain fails */
};
/* The release as recorded: its pins and domains as JSON arrays. */
struct app_add_result {
	json_t *pins, *domains;
};
/* Adds pin to pins (n of APP_MAX_PINS used) unless it is there already;
 * RC_USAGE with one line when full. */
int app_pin_list_add(char pins[][PIN_LEN], size_t *n, const char *pin);
/* Records the release: refused (one line) when its name is taken
 * (RC_FAIL), a pin is a retired root's (RC_POLICY), or, unless forced, the
 * chain served today already fails it (RC_POLICY); a build that pins
 * nothing is refused. RC_OK with res filled (clear it with
 * app_add_result_clear). */
int app_release_add(struct ca_context *ctx, struct app_add_req *req, struct app_add_result *res);
void app_add_result_clear(struct app_add_result *res);
/* Retires the release name, with its audit record: the pin guard no longer
 * protects its pins. r receives the release (the caller clears it). RC_OK,
 * or RC_FAIL with one line (unknown, retired already). */
int app_release_retire(struct ca_context *ctx, const char *name, struct app_release *r);
/* The keys served today: the intermediate, the root and every lineage's
 * leaf key, added to sk. */
struct served_keys;
int app_served_today(struct ca_context *ctx, struct served_keys *sk);

#endif
