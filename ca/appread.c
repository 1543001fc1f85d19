/* appread: `pinca app add --from FILE` recognizes what FILE is by its
 * content (never its name) and hands it to the platform's reader; it also
 * owns the build description the readers fill (domains, pins, limits). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ca/appread.h"
#include "ca/cert.h"
#include "common/err.h"
#include "common/fileio.h"

void
app_build_free(struct app_build *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->ndomains; i++)
		app_domain_clear(&b->domains[i]);
	free(b->domains);
	memset(b, 0, sizeof(*b));
}

void
app_build_kind(struct app_build *b, const char *kind)
{
	size_t n = strlen(b->kinds);

	snprintf(b->kinds + n, sizeof(b->kinds) - n, "%s%s", n ? ", " : "", kind);
}

/* Whether name is a DNS name as the platforms take it: LDH labels of 1-63
 * characters, at most 253 in all. Lowercases it in place. */
static int
app_domain_valid(char *name)
{
	size_t n = strlen(name), label = 0;

	if (n == 0 || n > APP_DOMAIN_MAX || name[0] == '.' || name[n - 1] == '.')
		return 0;
	for (char *p = name; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return 1;
}

struct app_domain *
app_build_domain(struct app_build *b, const char *domain, const char *platform)
{
	struct app_domain *d;
	char *name;

	if (b->ndomains >= APP_READ_MAX_DOMAINS) {
		pinca_warnx("refused: the build pins more than %d domains", APP_READ_MAX_DOMAINS);
		return NULL;
	}
	if ((name = strdup(domain)) == NULL) {
		pinca_warnx("out of memory");
		return NULL;
	}
	/* Trailing and leading blanks come from XML text (<domain> x </domain>). */
	size_t n = strlen(name), s = 0;
	while (n > 0 && isspace((unsigned char)name[n - 1]))
		name[--n] = '\0';
	while (isspace((unsigned char)name[s]))
		s++;
	memmove(name, name + s, n - s + 1);
	if (!app_domain_valid(name)) {
		pinca_warnx("refused: %.80s is not a domain name", domain);
		free(name);
		return NULL;
	}
	if ((d = realloc(b->domains, (b->ndomains + 1) * sizeof(*d))) == NULL) {
		pinca_warnx("out of memory");
		free(name);
		return NULL;
	}
	b->domains = d;
	d = &d[b->ndomains++];
	memset(d, 0, sizeof(*d));
	d->domain = name;
	snprintf(d->platform, sizeof(d->platform), "%s", platform);
	return d;
}

int
app_build_pin(struct app_build *b, struct app_domain *d, const char *base64,
    enum app_pin_kind kind, const char *name)
{
	char pin[PIN_LEN + 8];
	struct app_pin *p;
	size_t n;

	while (isspace((unsigned char)*base64))
		base64++;
	if (strncmp(base64, "sha256/", 7) == 0)
		base64 += 7;
	n = strlen(base64);
	while (n > 0 && isspace((unsigned char)base64[n - 1]))
		n--;
	if (n != 44 || snprintf(pin, sizeof(pin), "sha256/%.44s", base64) < 0 || !pin_is_valid(pin)) {
		pinca_warnx("refused: pin '%.60s' for %s is not the base64 of a SHA-256", base64,
		    d->domain);
		return RC_FAIL;
	}
	for (size_t i = 0; i < d->npins; i++)
		if (d->pins[i].kind == kind && strcmp(d->pins[i].pin, pin) == 0)
			return RC_OK;
	if (b->nitems >= APP_READ_MAX_PINS) {
		pinca_warnx("refused: the build carries more than %d pins and anchors",
		    APP_READ_MAX_PINS);
		return RC_FAIL;
	}
	if ((p = realloc(d->pins, (d->npins + 1) * sizeof(*p))) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	d->pins = p;
	p = &p[d->npins];
	memset(p, 0, sizeof(*p));
	memcpy(p->pin, pin, PIN_LEN - 1);
	p->pin[PIN_LEN - 1] = '\0';
	p->kind = kind;
	if (name && (p->name = strdup(name)) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	d->npins++;
	b->nitems++;
	return RC_OK;
}

int
app_build_has_pins(const struct app_build *b)
{
	for (size_t i = 0; i < b->ndomains; i++)
		for (size_t j = 0; j < b->domains[i].npins; j++)
			if (b->domains[i].pins[j].kind != APP_PIN_ANCHOR)
				return 1;
	return 0;
}

/* Whether the text (a prefix of the file) starts, after the XML prolog,
 * comments and blanks, with element `root`. */
static int
xml_root_is(const unsigned char *data, size_t len, const char *root)
{
	const char *p = (const char *)data, *end = p + len;
	size_t rl = strlen(root);

	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (lt == NULL || end - lt < 2)
			return 0;
		if (lt[1] == '?' || lt[1] == '!') {
			const char *close = lt[1] == '!' && end - lt >= 4 && memcmp(lt, "<!--", 4) == 0 ?
			    memmem(lt, (size_t)(end - lt), "-->", 3) : memchr(lt, '>', (size_t)(end - lt));
			if (close == NULL)
				return 0;
			p = close + 1;
			continue;
		}
		return (size_t)(end - lt - 1) > rl && memcmp(lt + 1, root, rl) == 0 &&
		    (isspace((unsigned char)lt[1 + rl]) || lt[1 + rl] == '>' || lt[1 + rl] == '/');
	}
	return 0;
}

/* An archive: an APK (AndroidManifest.xml at the top) or an IPA
 * (Payload/NAME.app/Info.plist). */
static int
app_read_zip(struct app_build *b, const char *path)
{
	struct app_zip *z = app_zip_open(path);
	int rc = RC_FAIL;

	if (z == NULL)
		return RC_FAIL;
	for (int64_t i = 0; i < app_zip_count(z); i++) {
		const char *name = app_zip_name(z, i);
		if (strcmp(name, "AndroidManifest.xml") == 0) {
			rc = appread_android_apk(b, z, path);
			goto out;
		}
		if (strcmp(name, "base/manifest/AndroidManifest.xml") == 0) {
			pinca_warnx("%s: an .aab keeps its resources as protocol buffers, which pinca "
			    "does not read; give the .apk built from it or the source XML", path);
			goto out;
		}
		if (strncmp(name, "Payload/", 8) == 0) {
			rc = appread_ios_ipa(b, z, path);
			goto out;
		}
	}
	pinca_warnx("%s: a zip archive that is neither an APK nor an IPA", path);
out:
	app_zip_close(z);
	return rc;
}

/* A res/ directory: the network security config in xml/ (the file whose
 * root element is network-security-config), certificates in raw/. */
static int
app_read_res_dir(struct app_build *b, const char *dir)
{
	char sub[4096], path[4096];
	unsigned char *data = NULL;
	struct dirent *de;
	size_t len;
	int rc = RC_FAIL, found = 0;
	DIR *d;

	if (snprintf(sub, sizeof(sub), "%s/xml", dir) >= (int)sizeof(sub) - 256) {
		pinca_warnx("%s: path too long", dir);
		return RC_FAIL;
	}
	if ((d = opendir(sub)) == NULL) {
		pinca_warn("%s: not a file, nor an Android res directory with xml/", dir);
		return RC_FAIL;
	}
	while ((de = readdir(d)) != NULL && found == 0) {
		size_t n = strlen(de->d_name);
		struct stat sb;
		if (n < 5 || strcmp(de->d_name + n - 4, ".xml") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", sub, de->d_name) >= (int)sizeof(path))
			continue;
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > APP_READ_MAX_FILE)
			continue;
		if (file_read_all(path, APP_READ_MAX_FILE, &data, &len) != RC_OK)
			goto out;
		if (xml_root_is(data, len, "network-security-config")) {
			found = 1;
			rc = appread_android_xml(b, data, len, dir, path);
		}
		free(data);
		data = NULL;
	}
	if (!found)
		pinca_warnx("%s: no network security config in %s", dir, sub);
out:
	closedir(d);
	return rc;
}

/* The first four bytes of path (zeros when shorter). */
static int
app_read_magic(const char *path, unsigned char magic[4])
{
	FILE *f = fopen(path, "rb");

	memset(magic, 0, 4);
	if (f == NULL) {
		pinca_warn("cannot read %s", path);
		return RC_FAIL;
	}
	if (fread(magic, 1, 4, f) == 0 && ferror(f)) {
		pinca_warn("cannot read %s", path);
		fclose(f);
		return RC_FAIL;
	}
	fclose(f);
	return RC_OK;
}

/* For .../res/xml/NAME.xml, the res directory (where raw/ holds the
 * certificates the config names); NULL for a file anywhere else. */
static const char *
app_res_dir_of(const char *path, char *buf, size_t size)
{
	char *slash;

	if (snprintf(buf, size, "%s", path) >= (int)size || (slash = strrchr(buf, '/')) == NULL)
		return NULL;
	*slash = '\0';
	if ((slash = strrchr(buf, '/')) != NULL) {
		if (strcmp(slash + 1, "xml") != 0)
			return NULL;
		*slash = '\0';
		return buf;
	}
	if (strcmp(buf, "xml") != 0)
		return NULL;
	snprintf(buf, size, ".");
	return buf;
}

int
app_build_read(const char *path, struct app_build *b)
{
	unsigned char *data = NULL, magic[4];
	char res[4096];
	size_t len;
	struct stat sb;
	int rc = RC_FAIL;

	if (stat(path, &sb) != 0) {
		pinca_warn("cannot read %s", path);
		return RC_FAIL;
	}
	if (S_ISDIR(sb.st_mode))
		return app_read_res_dir(b, path);
	if (!S_ISREG(sb.st_mode)) {
		pinca_warnx("%s: not a regular file", path);
		return RC_FAIL;
	}
	if (app_read_magic(path, magic) != RC_OK)
		return RC_FAIL;
	if (memcmp(magic, "PK\003\004", 4) == 0)
		return app_read_zip(b, path);
	if (sb.st_size > (off_t)APP_READ_MAX_FILE) {
		pinca_warnx("refused: %s is larger than %u bytes, more than any app configuration",
		    path, APP_READ_MAX_FILE);
		return RC_FAIL;
	}
	if (file_read_all(path, APP_READ_MAX_FILE, &data, &len) != RC_OK)
		return RC_FAIL;
	if ((len >= 8 && memcmp(data, "bplist00", 8) == 0) || xml_root_is(data, len, "plist"))
		rc = appread_ios_plist(b, data, len, path);
	else if (len >= 4 && data[0] == 0x03 && data[1] == 0x00 && data[2] == 0x08 && data[3] == 0x00)
		rc = appread_android_binary_xml(b, data, len, path);
	else if (xml_root_is(data, len, "network-security-config"))
		rc = appread_android_xml(b, data, len, app_res_dir_of(path, res, sizeof(res)), path);
	else
		pinca_warnx("%s: not an Android network security config, an Info.plist, an APK or "
		    "an IPA", path);
	free(data);
	return rc;
}

/* The pins of b's domains that are not anchors. */
static size_t
app_build_pin_count(const struct app_build *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->ndomains; i++)
		for (size_t j = 0; j < b->domains[i].npins; j++)
			n += b->domains[i].pins[j].kind != APP_PIN_ANCHOR;
	return n;
}

int
app_build_read_all(char *const *paths, size_t n, struct app_build *b)
{
	size_t had = 0, now;

	for (size_t i = 0; i < n; i++) {
		if (app_build_read(paths[i], b) != RC_OK)
			return RC_FAIL;
		if ((now = app_build_pin_count(b)) == had) {
			pinca_warnx("%s pins nothing (no pin-set, NSPinnedDomains or TrustKit domain with "
			    "pins): there is no release to protect", paths[i]);
			return RC_FAIL;
		}
		had = now;
	}
	return RC_OK;
}

int
app_build_release(const struct app_build *b, struct app_release *rel)
{
	if ((rel->pins = calloc(app_build_pin_count(b) + 1, sizeof(*rel->pins))) == NULL) {
		pinca_warnx("out of memory");
		return RC_FAIL;
	}
	rel->npins = 0;
	for (size_t i = 0; i < b->ndomains; i++)
		for (size_t j = 0; j < b->domains[i].npins; j++) {
			char *pin = b->domains[i].pins[j].pin;
			size_t k;
			if (b->domains[i].pins[j].kind == APP_PIN_ANCHOR)
				continue;
			for (k = 0; k < rel->npins && strcmp(rel->pins[k], pin) != 0; k++)
				;
			if (k == rel->npins)
				rel->pins[rel->npins++] = pin;
		}
	rel->domains = b->domains;
	rel->ndomains = b->ndomains;
	return RC_OK;
}
