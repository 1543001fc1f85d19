/* pin_formats: the pin configuration each mobile stack wants, written from
 * one description of the pin set (one writer per format). The writers only
 * format: choosing the pins and checking the options is cmd_pins' job. */
#ifndef PINCA_PIN_FORMATS_H
#define PINCA_PIN_FORMATS_H

#include <stddef.h>
#include <stdio.h>

#include "ca/cert.h"

#define PIN_SET_MAX 8
#define PIN_DOMAINS_MAX 32

struct pin_entry {
	char pin[PIN_LEN];	/* sha256/BASE64 */
	const char *role;	/* root | standby | leaf */
	const char *cn;		/* the certificate's common name or the lineage name */
	int in_chain;		/* the key is in the chain served today */
};

struct pin_set {
	struct pin_entry pins[PIN_SET_MAX];
	size_t npins;
	const char *domains[PIN_DOMAINS_MAX];	/* lowercase */
	size_t ndomains;
	int include_subdomains;
	const char *expiration;		/* YYYY-MM-DD or NULL */
	long max_age;			/* seconds, for hpkp */
	int leaf;			/* the pins are a lineage's leaf key */
	/* Android raw resources (res/raw/NAME.pem), one per root certificate. */
	char anchors[PIN_SET_MAX][64];
	size_t nanchors;
};

/* The formats, by name. */
enum pin_format {
	PIN_FORMAT_TEXT, PIN_FORMAT_JSON, PIN_FORMAT_ANDROID, PIN_FORMAT_IOS,
	PIN_FORMAT_OKHTTP, PIN_FORMAT_TRUSTKIT, PIN_FORMAT_CURL, PIN_FORMAT_HPKP,
};
/* Parses a --format value; RC_OK or RC_FAIL (no message). */
int pin_format_parse(const char *name, enum pin_format *out);
/* Whether a format needs a backup pin (at least two pins, and for hpkp one
 * that matches nothing served today). */
int pin_format_needs_backup(enum pin_format f);
/* Whether a format names domains (and so needs at least one --domain). */
int pin_format_needs_domain(enum pin_format f);
/* Writes the configuration to out. RC_OK or RC_FAIL (message printed). */
int pin_format_write(FILE *out, enum pin_format f, const struct pin_set *ps);
/* The base64 part of a pin (after "sha256/"). */
const char *pin_base64(const char *pin);

#endif
