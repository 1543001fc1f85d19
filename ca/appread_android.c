/* appread_android: the pins of an Android network security config, from
 * the XML source (libxml2, no network, no DTD, no entity expansion), from a
 * compiled copy (axml.c), or from inside an APK, where the manifest names
 * the config and resources.arsc maps @raw/NAME to the certificate's file.
 *
 * What is read: every domain-config (nested ones inherit their parent's
 * pin-set and trust-anchors, as on Android), each domain with its
 * includeSubdomains, the pin-set's SHA-256 pins and expiration, and the
 * trust anchors: inline certificates (loaded, their keys recorded as
 * anchors) and the system or user stores (named). A domain-config without
 * a pin-set pins nothing and is not recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/appread.h"
#include "ca/axml.h"
#include "ca/cert.h"
#include "common/err.h"
#include "common/fileio.h"

#define NSC_MAX_CERT_FILE (1u << 20)
#define NSC_MAX_CERTS_PER_FILE 16
#define APK_MAX_ARSC (64u << 20)	/* resources.arsc of a large app */

/* Where @raw/NAME certificates come from. */
struct nsc_source {
	const char *what;
	const char *res_dir;		/* the XML source's res/ directory, or NULL */
	struct app_zip *zip;		/* the APK, or NULL */
	const unsigned char *arsc;	/* its resources.arsc, or NULL */
	size_t arsc_len;
};

/* The certificates' keys of one anchor file, as ANCHOR pins of d. */
static int
nsc_anchor_keys(struct app_build *b, struct app_domain *d, const unsigned char *data,
    size_t len, const char *name)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	X509 *x = NULL;
	char pin[PIN_LEN];
	int n = 0, rc = RC_FAIL;

	if (bio == NULL)
		return RC_FAIL;
	/* A raw resource holds PEM (one or more certificates) or one DER. */
	while (n < NSC_MAX_CERTS_PER_FILE && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (pin_of_cert(x, pin) != RC_OK || app_build_pin(b, d, pin, APP_PIN_ANCHOR, name) != RC_OK)
			goto out;
		X509_free(x);
		x = NULL;
		n++;
	}
	ERR_clear_error();
	if (n == 0) {
		const unsigned char *p = data;
		if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
			pinca_warnx("refused: trust anchor %s is not a certificate (PEM or DER)", name);
			ERR_clear_error();
			goto out;
		}
		if (pin_of_cert(x, pin) != RC_OK || app_build_pin(b, d, pin, APP_PIN_ANCHOR, name) != RC_OK)
			goto out;
	}
	rc = RC_OK;
out:
	X509_free(x);
	BIO_free(bio);
	return rc;
}

/* The zip entry res/raw/NAME.* (first match), into entry. */
static int
nsc_zip_raw_name(struct app_zip *z, const char *name, char *entry, size_t size)
{
	size_t n = strlen(name);

	for (int64_t i = 0; i < app_zip_count(z); i++) {
		const char *e = app_zip_name(z, i);
		if (strncmp(e, "res/raw/", 8) == 0 && strncmp(e + 8, name, n) == 0 &&
		    (e[8 + n] == '.' || e[8 + n] == '\0')) {
			snprintf(entry, size, "%s", e);
			return RC_OK;
		}
	}
	return RC_FAIL;
}

/* Loads the certificate file an anchor's src names. Returns RC_OK with
 * data, 1 when the source cannot say (no res directory given), RC_FAIL. */
static int
nsc_raw_load(const struct nsc_source *src, const struct xml_attr *a, unsigned char **data,
    size_t *len, char *name, size_t name_size)
{
	const char *raw = strncmp(a->value, "@raw/", 5) == 0 ? a->value + 5 : NULL;
	char entry[512];

	if (raw && (strchr(raw, '/') || raw[0] == '.' || raw[0] == '\0')) {
		pinca_warnx("refused: trust anchor '%.80s' is not a raw resource name", a->value);
		return RC_FAIL;
	}
	snprintf(name, name_size, "%s", a->value);
	if (src->zip) {
		char *path = a->ref && src->arsc ? arsc_resolve_string(src->arsc, src->arsc_len, a->ref) : NULL;
		if (path)
			snprintf(entry, sizeof(entry), "%s", path);
		free(path);
		if (path == NULL && (raw == NULL || nsc_zip_raw_name(src->zip, raw, entry, sizeof(entry)) != RC_OK)) {
			pinca_warnx("%s: trust anchor %s: no such resource in the APK", src->what, a->value);
			return RC_FAIL;
		}
		snprintf(name, name_size, "%s", entry);
		int rc = app_zip_read(src->zip, entry, NSC_MAX_CERT_FILE, data, len);
		if (rc == 1)
			pinca_warnx("%s: trust anchor %s: %s is missing from the APK", src->what, a->value, entry);
		return rc == RC_OK ? RC_OK : RC_FAIL;
	}
	if (src->res_dir == NULL || raw == NULL)
		return 1;
	/* res/raw/NAME.pem, .crt, .der...: Android drops the extension. */
	const char *exts[] = { "", ".pem", ".crt", ".cer", ".der" };
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(entry, sizeof(entry), "%s/raw/%s%s", src->res_dir, raw, exts[i]);
		if (access(entry, R_OK) == 0) {
			snprintf(name, name_size, "res/raw/%s%s", raw, exts[i]);
			return file_read_all(entry, NSC_MAX_CERT_FILE, data, len);
		}
	}
	pinca_warnx("%s: trust anchor %s: no file raw/%s.* in %s", src->what, a->value, raw,
	    src->res_dir);
	return RC_FAIL;
}

/* Adds the trust anchors of a <trust-anchors> element to d. */
static int
nsc_anchors(struct app_build *b, struct app_domain *d, const struct xml_node *ta,
    const struct nsc_source *src)
{
	for (size_t i = 0; ta && i < ta->nkids; i++) {
		const struct xml_node *c = &ta->kids[i];
		const struct xml_attr *a = xml_attr_get(c, "src");
		unsigned char *data = NULL;
		char name[512];
		size_t len = 0, n = strlen(d->other_anchors);
		int rc;

		if (strcmp(c->name, "certificates") != 0 || a == NULL)
			continue;
		if (strcmp(a->value, "system") == 0 || strcmp(a->value, "user") == 0) {
			snprintf(d->other_anchors + n, sizeof(d->other_anchors) - n, "%s%s", n ? "," : "",
			    a->value);
			continue;
		}
		if ((rc = nsc_raw_load(src, a, &data, &len, name, sizeof(name))) == RC_FAIL)
			return RC_FAIL;
		if (rc == 1) {
			/* Not checkable: the guard then leaves anchors alone. */
			if (strstr(d->other_anchors, "unread") == NULL)
				snprintf(d->other_anchors + n, sizeof(d->other_anchors) - n, "%sunread",
				    n ? "," : "");
			continue;
		}
		rc = nsc_anchor_keys(b, d, data, len, name);
		free(data);
		if (rc != RC_OK)
			return RC_FAIL;
	}
	return RC_OK;
}

/* The first child element called name, or NULL. */
static const struct xml_node *
nsc_child(const struct xml_node *n, const char *name)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (strcmp(n->kids[i].name, name) == 0)
			return &n->kids[i];
	return NULL;
}

/* One <domain> of a domain-config with its (possibly inherited) pin-set and
 * trust anchors. */
static int
nsc_domain(struct app_build *b, const struct xml_node *dom, const struct xml_node *pinset,
    const struct xml_node *anchors, const struct nsc_source *src)
{
	const struct xml_attr *sub = xml_attr_get(dom, "includeSubdomains");
	const struct xml_attr *exp = xml_attr_get(pinset, "expiration");
	struct app_domain *d = app_build_domain(b, dom->text ? dom->text : "", "android");

	if (d == NULL)
		return RC_FAIL;
	d->include_subdomains = sub && strcmp(sub->value, "true") == 0;
	if (exp) {
		int y, m, dd;
		char tail;
		if (sscanf(exp->value, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || m < 1 || m > 12 ||
		    dd < 1 || dd > 31) {
			pinca_warnx("refused: pin-set expiration '%.40s' for %s is not YYYY-MM-DD",
			    exp->value, d->domain);
			return RC_FAIL;
		}
		snprintf(d->expiration, sizeof(d->expiration), "%04d-%02d-%02d", y, m, dd);
	}
	for (size_t i = 0; i < pinset->nkids; i++) {
		const struct xml_node *p = &pinset->kids[i];
		const struct xml_attr *digest = xml_attr_get(p, "digest");
		if (strcmp(p->name, "pin") != 0)
			continue;
		if (digest == NULL || strcmp(digest->value, "SHA-256") != 0) {
			pinca_warnx("refused: a pin for %s has digest '%.40s'; Android takes SHA-256 only",
			    d->domain, digest ? digest->value : "");
			return RC_FAIL;
		}
		if (app_build_pin(b, d, p->text ? p->text : "", APP_PIN_ANY, NULL) != RC_OK)
			return RC_FAIL;
	}
	if (anchors == NULL) {
		/* No trust-anchors here nor above: the platform default. */
		snprintf(d->other_anchors, sizeof(d->other_anchors), "system");
		return RC_OK;
	}
	return nsc_anchors(b, d, anchors, src);
}

/* A domain-config and, recursively (depth bounded by the tree builder),
 * the ones nested in it. */
static int
nsc_domain_config(struct app_build *b, const struct xml_node *dc, const struct xml_node *pinset,
    const struct xml_node *anchors, const struct nsc_source *src)
{
	const struct xml_node *p = nsc_child(dc, "pin-set"), *a = nsc_child(dc, "trust-anchors");

	if (p)
		pinset = p;
	if (a)
		anchors = a;
	for (size_t i = 0; i < dc->nkids; i++) {
		const struct xml_node *k = &dc->kids[i];
		int rc = RC_OK;
		if (strcmp(k->name, "domain") == 0 && pinset)
			rc = nsc_domain(b, k, pinset, anchors, src);
		else if (strcmp(k->name, "domain-config") == 0)
			rc = nsc_domain_config(b, k, pinset, anchors, src);
		if (rc != RC_OK)
			return RC_FAIL;
	}
	return RC_OK;
}

/* Reads the tree of a network security config. */
static int
nsc_interpret(struct app_build *b, const struct xml_builder *t, const struct nsc_source *src)
{
	const struct xml_node *root = t->doc.nkids ? &t->doc.kids[0] : NULL, *base;

	if (root == NULL || strcmp(root->name, "network-security-config") != 0) {
		pinca_warnx("%s: the root element is not network-security-config", src->what);
		return RC_FAIL;
	}
	/* base-config's trust anchors apply to domain-configs without their own. */
	base = nsc_child(root, "base-config");
	base = base ? nsc_child(base, "trust-anchors") : NULL;
	for (size_t i = 0; i < root->nkids; i++)
		if (strcmp(root->kids[i].name, "domain-config") == 0 &&
		    nsc_domain_config(b, &root->kids[i], NULL, base, src) != RC_OK)
			return RC_FAIL;
	return RC_OK;
}

/* libxml2's tree into ours (libxml2 itself stops at 256 levels). */
static int
nsc_from_libxml(struct xml_builder *t, const xmlNode *n, const char *what)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content && xml_builder_text(t, (const char *)n->content,
			    strlen((const char *)n->content)) != RC_OK)
				return RC_FAIL;
			continue;
		}
		if (n->type == XML_ENTITY_REF_NODE) {
			pinca_warnx("%s: refused: entity references are not read", what);
			return RC_FAIL;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xml_builder_start(t, (const char *)n->name, what) == NULL)
			return RC_FAIL;
		for (const xmlAttr *a = n->properties; a; a = a->next) {
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
			int rc = xml_builder_attr(t, (const char *)a->name, v ? (const char *)v : "", 0);
			xmlFree(v);
			if (rc != RC_OK)
				return RC_FAIL;
		}
		if (nsc_from_libxml(t, n->children, what) != RC_OK || xml_builder_end(t, what) != RC_OK)
			return RC_FAIL;
	}
	return RC_OK;
}

int
appread_android_xml(struct app_build *b, const unsigned char *data, size_t len,
    const char *res_dir, const char *what)
{
	struct nsc_source src = { .what = what, .res_dir = res_dir };
	struct xml_builder t;
	xmlDoc *doc;
	int rc = RC_FAIL;

	xml_builder_init(&t, APP_READ_MAX_DEPTH, APP_READ_MAX_NODES);
	/* No network, no DTD loading, no entity substitution (no XML_PARSE_NOENT). */
	doc = xmlReadMemory((const char *)data, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		char msg[128] = "";
		if (e && e->message)
			snprintf(msg, sizeof(msg), ": %s", e->message);
		msg[strcspn(msg, "\r\n")] = '\0';
		pinca_warnx("%s: malformed XML%s", what, msg);
		goto out;
	}
	if (doc->intSubset || doc->extSubset) {
		pinca_warnx("%s: refused: a network security config has no DOCTYPE", what);
		goto out;
	}
	if (nsc_from_libxml(&t, xmlDocGetRootElement(doc), what) != RC_OK)
		goto out;
	app_build_kind(b, "android xml");
	rc = nsc_interpret(b, &t, &src);
out:
	xmlFreeDoc(doc);
	xml_builder_free(&t);
	return rc;
}

int
appread_android_binary_xml(struct app_build *b, const unsigned char *data, size_t len,
    const char *what)
{
	struct nsc_source src = { .what = what };
	struct xml_builder t;
	int rc = RC_FAIL;

	xml_builder_init(&t, APP_READ_MAX_DEPTH, APP_READ_MAX_NODES);
	if (axml_parse(data, len, &t, what) == RC_OK) {
		app_build_kind(b, "android binary xml");
		rc = nsc_interpret(b, &t, &src);
	}
	xml_builder_free(&t);
	return rc;
}

/* The resource id (or, from aapt's raw string, the name) of the config the
 * manifest's <application android:networkSecurityConfig> names. */
static const struct xml_attr *
apk_config_attr(const struct xml_builder *m)
{
	const struct xml_node *root = m->doc.nkids ? &m->doc.kids[0] : NULL, *app;

	if (root == NULL || strcmp(root->name, "manifest") != 0 ||
	    (app = nsc_child(root, "application")) == NULL)
		return NULL;
	return xml_attr_get(app, "networkSecurityConfig");
}

/* The zip entry of the config: resources.arsc maps the id to the file. */
static int
apk_config_entry(const struct xml_attr *a, const unsigned char *arsc,
    size_t arsc_len, char *entry, size_t size, const char *what)
{
	char *path = a->ref && arsc ? arsc_resolve_string(arsc, arsc_len, a->ref) : NULL;

	if (path == NULL && strncmp(a->value, "@xml/", 5) == 0 && strchr(a->value + 5, '/') == NULL)
		snprintf(entry, size, "res/xml/%s.xml", a->value + 5);
	else if (path)
		snprintf(entry, size, "%s", path);
	free(path);
	if (entry[0] == '\0' || !app_zip_name_safe(entry, strlen(entry))) {
		pinca_warnx("%s: the manifest's networkSecurityConfig (%.60s) names no file in the "
		    "APK", what, a->value);
		return RC_FAIL;
	}
	return RC_OK;
}

int
appread_android_apk(struct app_build *b, struct app_zip *z, const char *what)
{
	struct nsc_source src = { .what = what, .zip = z };
	struct xml_builder m, t;
	const struct xml_attr *a;
	unsigned char *manifest = NULL, *arsc = NULL, *config = NULL;
	size_t mlen, alen = 0, clen;
	char entry[512] = "", label[640];
	int rc = RC_FAIL, r;

	xml_builder_init(&m, APP_READ_MAX_DEPTH, APP_READ_MAX_NODES);
	xml_builder_init(&t, APP_READ_MAX_DEPTH, APP_READ_MAX_NODES);
	snprintf(label, sizeof(label), "%s: AndroidManifest.xml", what);
	if (app_zip_read(z, "AndroidManifest.xml", APP_READ_MAX_FILE, &manifest, &mlen) != RC_OK ||
	    axml_parse(manifest, mlen, &m, label) != RC_OK)
		goto out;
	if ((a = apk_config_attr(&m)) == NULL) {
		pinca_warnx("%s: the APK has no network security config (no "
		    "android:networkSecurityConfig in its manifest), so it pins nothing", what);
		goto out;
	}
	if ((r = app_zip_read(z, "resources.arsc", APK_MAX_ARSC, &arsc, &alen)) == RC_FAIL)
		goto out;
	if (apk_config_entry(a, arsc, alen, entry, sizeof(entry), what) != RC_OK)
		goto out;
	snprintf(label, sizeof(label), "%s: %s", what, entry);
	if ((r = app_zip_read(z, entry, APP_READ_MAX_FILE, &config, &clen)) != RC_OK) {
		if (r == 1)
			pinca_warnx("%s: %s is missing", what, entry);
		goto out;
	}
	if (axml_parse(config, clen, &t, label) != RC_OK)
		goto out;
	src.arsc = arsc;
	src.arsc_len = alen;
	src.what = label;
	app_build_kind(b, "android apk");
	rc = nsc_interpret(b, &t, &src);
out:
	free(manifest);
	free(arsc);
	free(config);
	xml_builder_free(&m);
	xml_builder_free(&t);
	return rc;
}
