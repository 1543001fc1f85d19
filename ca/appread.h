/* appread: what an app build pins, read from the build itself (`pinca app
 * add --from`). One entry point (app_build_read) recognizes the file by its
 * content and hands it to the reader for that platform:
 *   Android network security config XML, or a res/ directory   appread_android.c
 *   a compiled .apk / .aab (binary XML + resources.arsc)        appread_android.c, axml.c
 *   iOS Info.plist (XML or binary), or an .ipa                   appread_ios.c
 * Zip archives go through appzip.c (libzip, bounded). Every limit below is
 * there so that a hostile build is refused in bounded memory and time. */
#ifndef PINCA_APPREAD_H
#define PINCA_APPREAD_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

#define APP_READ_MAX_FILE	(4u << 20)	/* one XML, plist or binary XML */
#define APP_READ_MAX_DOMAINS	256
#define APP_READ_MAX_PINS	1024		/* pins and anchors, whole build */
#define APP_READ_MAX_DEPTH	64		/* element / plist nesting */
#define APP_READ_MAX_NODES	100000		/* XML elements in one file */
#define APP_ZIP_MAX_ENTRIES	200000
#define APP_DOMAIN_MAX		253

/* What one or more builds pin, domain by domain (caller frees). */
struct app_build {
	struct app_domain *domains;
	size_t ndomains;
	size_t nitems;		/* pins + anchors, for APP_READ_MAX_PINS */
	char kinds[64];		/* what was read, e.g. "android apk" */
};

/* Reads the pins of the build at path into b (appending: call it once per
 * --from). Returns RC_OK, or RC_FAIL with one line printed. */
int app_build_read(const char *path, struct app_build *b);
void app_build_free(struct app_build *b);
/* Reads each of paths into b; a file that adds no pin is refused ("pins
 * nothing"). RC_OK or RC_FAIL (message printed). */
int app_build_read_all(char *const *paths, size_t n, struct app_build *b);
/* Points rel at b's domains (borrowed) and at every distinct pin that is
 * not an anchor (rel->pins: a new array the caller frees, strings borrowed). */
int app_build_release(const struct app_build *b, struct app_release *rel);

/* --- helpers shared by the readers (appread.c) --- */

/* A new domain rule for domain on platform, appended to b; NULL (message
 * printed) when the name is not a DNS name or a limit is reached. */
struct app_domain *app_build_domain(struct app_build *b, const char *domain,
    const char *platform);
/* Adds a pin given as the base64 of a SHA-256 (with or without "sha256/").
 * RC_FAIL with a message when it is not one or a limit is reached. */
int app_build_pin(struct app_build *b, struct app_domain *d, const char *base64,
    enum app_pin_kind kind, const char *name);
/* Whether the build pins anything at all. */
int app_build_has_pins(const struct app_build *b);
/* Records what kind of input was read ("android xml", "ios ipa"...). */
void app_build_kind(struct app_build *b, const char *kind);

/* Android (appread_android.c): the network security config as XML text
 * (res_dir: where @raw/NAME certificates are found, or NULL), and an APK/AAB
 * opened as a zip. */
struct app_zip;
int appread_android_xml(struct app_build *b, const unsigned char *data, size_t len,
    const char *res_dir, const char *what);
/* A compiled network security config on its own (binary XML). */
int appread_android_binary_xml(struct app_build *b, const unsigned char *data, size_t len,
    const char *what);
int appread_android_apk(struct app_build *b, struct app_zip *z, const char *what);
/* iOS (appread_ios.c): an Info.plist (XML or binary), and an IPA. */
int appread_ios_plist(struct app_build *b, const unsigned char *data, size_t len,
    const char *what);
int appread_ios_ipa(struct app_build *b, struct app_zip *z, const char *what);

/* Zip (appzip.c). Opening checks every entry name (no absolute path, no
 * "..", no backslash or control character) and the entry count. */
struct app_zip *app_zip_open(const char *path);
void app_zip_close(struct app_zip *z);
/* Whether an entry name is safe to carry (also used by the fuzz target). */
int app_zip_name_safe(const char *name, size_t len);
/* The number of entries and the name of entry i. */
int64_t app_zip_count(const struct app_zip *z);
const char *app_zip_name(const struct app_zip *z, int64_t i);
/* Reads entry name (at most max bytes, counting the bytes actually
 * inflated, never the header's claim) into a new buffer. RC_OK, RC_FAIL
 * (message printed), or 1 when there is no such entry (nothing printed). */
int app_zip_read(struct app_zip *z, const char *name, size_t max, unsigned char **data,
    size_t *len);

#endif
