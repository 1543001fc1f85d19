/* pin_formats: one writer per pin configuration format (Android network
 * security config, iOS NSPinnedDomains, OkHttp, TrustKit, curl, HPKP, JSON,
 * text). Every string that comes from outside (names, domains) is escaped
 * for the format it lands in. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ca/pin_formats.h"
#include "common/err.h"
#include "common/output.h"
#include "common/text.h"

static const char *const format_names[] = {
	"text", "json", "android", "ios", "okhttp", "trustkit", "curl", "hpkp",
};

int
pin_format_parse(const char *name, enum pin_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum pin_format)i;
			return RC_OK;
		}
	return RC_FAIL;
}

int
pin_format_needs_backup(enum pin_format f)
{
	/* A single pinned key is the outage this tool exists to prevent: the
	 * day that key changes, every installed copy fails. TrustKit throws
	 * on fewer than two pins; RFC 7469 section 4.3 requires a backup pin. */
	return f == PIN_FORMAT_ANDROID || f == PIN_FORMAT_IOS || f == PIN_FORMAT_OKHTTP ||
	    f == PIN_FORMAT_TRUSTKIT || f == PIN_FORMAT_HPKP;
}

int
pin_format_needs_domain(enum pin_format f)
{
	return f == PIN_FORMAT_ANDROID || f == PIN_FORMAT_IOS || f == PIN_FORMAT_OKHTTP ||
	    f == PIN_FORMAT_TRUSTKIT;
}

const char *
pin_base64(const char *pin)
{
	return strncmp(pin, "sha256/", 7) == 0 ? pin + 7 : pin;
}

/* Writes s as XML character data (also safe inside attribute values). */
static void
xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			/* Control characters are not allowed in XML 1.0 at all. */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, out);
		}
	}
}

/* Writes s inside an XML comment, where "--" may not appear, or a line of a
 * // comment, which a newline would end. */
static void
comment_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc('?', out);
		else if (*s == '-' && s[1] == '-')
			fputs("- ", out);
		else
			fputc(*s, out);
	}
}

static void
xml_comment_pin(FILE *out, const char *indent, const struct pin_entry *e)
{
	fprintf(out, "%s<!-- %s: ", indent, e->role);
	comment_text(out, e->cn);
	fputs(" -->\n", out);
}

/* Android res/xml/network_security_config.xml. The trust anchors make the
 * private root trusted for these domains; the pin-set narrows it. */
static int
write_android(FILE *out, const struct pin_set *ps)
{
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<!-- res/xml/network_security_config.xml, written by pinca.\n"
	    "     Point the manifest at it:\n"
	    "       <application android:networkSecurityConfig=\"@xml/network_security_config\" ...>\n"
	    "     The trust anchors are res/raw/NAME.pem, one root certificate per file\n"
	    "     (pinca pins with the raw-dir option writes them there).\n"
	    "     Android ends the pin-set at local midnight of its expiration date;\n"
	    "     after that only the trust anchors apply (the private root still must\n"
	    "     sign the chain, but any key under it is accepted).\n"
	    "     includeSubdomains covers every subdomain, at any depth. -->\n"
	    "<network-security-config>\n"
	    "    <domain-config cleartextTrafficPermitted=\"false\">\n", out);
	for (size_t i = 0; i < ps->ndomains; i++) {
		fprintf(out, "        <domain includeSubdomains=\"%s\">",
		    ps->include_subdomains ? "true" : "false");
		xml_text(out, ps->domains[i]);
		fputs("</domain>\n", out);
	}
	fputs("        <trust-anchors>\n", out);
	for (size_t i = 0; i < ps->nanchors; i++) {
		fputs("            <certificates src=\"@raw/", out);
		xml_text(out, ps->anchors[i]);
		fputs("\"/>\n", out);
	}
	fputs("        </trust-anchors>\n", out);
	/* Android 16 added Certificate Transparency to the network security
	 * config, and an app whose base-config turns it on would refuse a
	 * private chain, which no CT log ever sees. Every AOSP parser since
	 * Android 7.0 skips an element of domain-config it does not know
	 * (XmlConfigSource.parseConfigEntry: XmlUtils.skipCurrentTag), so the
	 * explicit opt-out is safe on every version the config exists on. */
	fputs("        <!-- CT logs never see a private chain: off here even if base-config "
	    "turns it on\n             (Android 16+; older versions skip this element). -->\n"
	    "        <certificateTransparency enabled=\"false\"/>\n", out);
	if (ps->expiration) {
		fputs("        <pin-set expiration=\"", out);
		xml_text(out, ps->expiration);
		fputs("\">\n", out);
	} else {
		fputs("        <pin-set>\n", out);
	}
	for (size_t i = 0; i < ps->npins; i++) {
		xml_comment_pin(out, "            ", &ps->pins[i]);
		fprintf(out, "            <pin digest=\"SHA-256\">%s</pin>\n", pin_base64(ps->pins[i].pin));
	}
	fputs("        </pin-set>\n    </domain-config>\n</network-security-config>\n", out);
	return RC_OK;
}

static void
plist_head(FILE *out)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n", out);
}

static void
plist_key(FILE *out, const char *indent, const char *key)
{
	fprintf(out, "%s<key>", indent);
	xml_text(out, key);
	fputs("</key>\n", out);
}

static void
plist_bool(FILE *out, const char *indent, const char *key, int value)
{
	plist_key(out, indent, key);
	fprintf(out, "%s<%s/>\n", indent, value ? "true" : "false");
}

/* iOS 14+ Info.plist NSAppTransportSecurity/NSPinnedDomains. ATS pins only
 * narrow trust: the app still has to trust the private root itself. */
static int
write_ios(FILE *out, const struct pin_set *ps)
{
	const char *ids = ps->leaf ? "NSPinnedLeafIdentities" : "NSPinnedCAIdentities";

	plist_head(out);
	fputs("<!-- Info.plist fragment written by pinca: merge the NSAppTransportSecurity\n"
	    "     dictionary into the app's Info.plist (iOS 14 and later).\n"
	    "     NSIncludesSubdomains covers ONE extra label (api.example.com covers\n"
	    "     a.api.example.com, not b.a.api.example.com); Android's includeSubdomains\n"
	    "     covers every depth. List deeper names as their own keys.\n"
	    "     ATS pins do not make the private root trusted: the app must set the\n"
	    "     root certificate as its anchor (SecTrustSetAnchorCertificates in its\n"
	    "     URLSession delegate); the pins then only narrow that trust.\n"
	    "     ATS pins have no expiration date: ship a new release before a pinned\n"
	    "     key is retired. -->\n"
	    "<plist version=\"1.0\">\n<dict>\n", out);
	plist_key(out, "\t", "NSAppTransportSecurity");
	fputs("\t<dict>\n", out);
	plist_key(out, "\t\t", "NSPinnedDomains");
	fputs("\t\t<dict>\n", out);
	for (size_t d = 0; d < ps->ndomains; d++) {
		plist_key(out, "\t\t\t", ps->domains[d]);
		fputs("\t\t\t<dict>\n", out);
		plist_bool(out, "\t\t\t\t", "NSIncludesSubdomains", ps->include_subdomains);
		plist_key(out, "\t\t\t\t", ids);
		fputs("\t\t\t\t<array>\n", out);
		for (size_t i = 0; i < ps->npins; i++) {
			xml_comment_pin(out, "\t\t\t\t\t", &ps->pins[i]);
			fputs("\t\t\t\t\t<dict>\n", out);
			plist_key(out, "\t\t\t\t\t\t", "SPKI-SHA256-BASE64");
			fprintf(out, "\t\t\t\t\t\t<string>%s</string>\n", pin_base64(ps->pins[i].pin));
			fputs("\t\t\t\t\t</dict>\n", out);
		}
		fputs("\t\t\t\t</array>\n\t\t\t</dict>\n", out);
	}
	fputs("\t\t</dict>\n\t</dict>\n</dict>\n</plist>\n", out);
	return RC_OK;
}

/* TrustKit's TSKConfiguration Info.plist dictionary. */
static int
write_trustkit(FILE *out, const struct pin_set *ps)
{
	plist_head(out);
	fputs("<!-- TrustKit configuration written by pinca: merge the TSKConfiguration\n"
	    "     key into the app's Info.plist. TrustKit refuses fewer than two pins\n"
	    "     when enforcing. It checks pins only: trust in the private root still\n"
	    "     comes from the app's anchor (see the notes of the ios format).\n"
	    "     TSKExpirationDate (yyyy-MM-dd) switches pinning off after that date. -->\n"
	    "<plist version=\"1.0\">\n<dict>\n", out);
	plist_key(out, "\t", "TSKConfiguration");
	fputs("\t<dict>\n", out);
	plist_bool(out, "\t\t", "TSKSwizzleNetworkDelegates", 0);
	plist_key(out, "\t\t", "TSKPinnedDomains");
	fputs("\t\t<dict>\n", out);
	for (size_t d = 0; d < ps->ndomains; d++) {
		plist_key(out, "\t\t\t", ps->domains[d]);
		fputs("\t\t\t<dict>\n", out);
		plist_bool(out, "\t\t\t\t", "TSKEnforcePinning", 1);
		plist_bool(out, "\t\t\t\t", "TSKIncludeSubdomains", ps->include_subdomains);
		plist_bool(out, "\t\t\t\t", "TSKDisableDefaultReportUri", 1);
		if (ps->expiration) {
			plist_key(out, "\t\t\t\t", "TSKExpirationDate");
			fputs("\t\t\t\t<string>", out);
			xml_text(out, ps->expiration);
			fputs("</string>\n", out);
		}
		plist_key(out, "\t\t\t\t", "TSKPublicKeyHashes");
		fputs("\t\t\t\t<array>\n", out);
		for (size_t i = 0; i < ps->npins; i++) {
			xml_comment_pin(out, "\t\t\t\t\t", &ps->pins[i]);
			fprintf(out, "\t\t\t\t\t<string>%s</string>\n", pin_base64(ps->pins[i].pin));
		}
		fputs("\t\t\t\t</array>\n\t\t\t</dict>\n", out);
	}
	fputs("\t\t</dict>\n\t</dict>\n</dict>\n</plist>\n", out);
	return RC_OK;
}

/* OkHttp CertificatePinner in Kotlin. Domains and pins are LDH and base64,
 * so they need no Kotlin escaping; names only appear in // comments. */
static int
write_okhttp(FILE *out, const struct pin_set *ps)
{
	fputs("// OkHttp CertificatePinner, written by pinca.\n"
	    "// CertificatePinner cannot make an untrusted root trusted: install the\n"
	    "// private root first, through res/xml/network_security_config.xml\n"
	    "// (pinca pins --format android) or an X509TrustManager built from the\n"
	    "// root certificates. \"**.domain\" covers the domain and all its subdomains.\n"
	    "// OkHttp pins never expire: ship a new release before a pinned key retires.\n"
	    "import okhttp3.CertificatePinner\n"
	    "import okhttp3.OkHttpClient\n\n"
	    "val certificatePinner = CertificatePinner.Builder()\n", out);
	for (size_t d = 0; d < ps->ndomains; d++)
		for (size_t i = 0; i < ps->npins; i++) {
			fprintf(out, "    .add(\"%s%s\", \"%s\") // %s: ", ps->include_subdomains ? "**." : "",
			    ps->domains[d], ps->pins[i].pin, ps->pins[i].role);
			comment_text(out, ps->pins[i].cn);
			fputc('\n', out);
		}
	fputs("    .build()\n\n"
	    "val client = OkHttpClient.Builder()\n"
	    "    .certificatePinner(certificatePinner)\n"
	    "    .build()\n", out);
	return RC_OK;
}

/* curl --pinnedpubkey: "sha256//BASE64" entries separated by ';'. */
static int
write_curl(FILE *out, const struct pin_set *ps)
{
	fputs("--pinnedpubkey \"", out);
	for (size_t i = 0; i < ps->npins; i++)
		fprintf(out, "%ssha256//%s", i ? ";" : "", pin_base64(ps->pins[i].pin));
	fputs("\"\n", out);
	return RC_OK;
}

/* RFC 7469 section 2.1 Public-Key-Pins header value. */
static int
write_hpkp(FILE *out, const struct pin_set *ps)
{
	for (size_t i = 0; i < ps->npins; i++)
		fprintf(out, "pin-sha256=\"%s\"; ", pin_base64(ps->pins[i].pin));
	fprintf(out, "max-age=%ld%s\n", ps->max_age, ps->include_subdomains ? "; includeSubDomains" : "");
	return RC_OK;
}

static int
write_json(FILE *out, const struct pin_set *ps)
{
	json_t *pins = json_array(), *domains = json_array(), *doc;
	int rc;

	if (pins == NULL || domains == NULL)
		goto fail;
	for (size_t i = 0; i < ps->npins; i++)
		if (json_array_append_new(pins, json_pack("{s:s,s:s,s:s,s:b}", "pin", ps->pins[i].pin,
		    "role", ps->pins[i].role, "cn", ps->pins[i].cn, "in_chain", ps->pins[i].in_chain)) != 0)
			goto fail;
	for (size_t i = 0; i < ps->ndomains; i++)
		if (json_array_append_new(domains, json_string(ps->domains[i])) != 0)
			goto fail;
	doc = json_pack("{s:o,s:o,s:b,s:s?,s:b}", "pins", pins, "domains", domains,
	    "include_subdomains", ps->include_subdomains, "expiration", ps->expiration,
	    "leaf", ps->leaf);
	if (doc == NULL) {
		pinca_warnx("cannot build the JSON document");
		return RC_FAIL;
	}
	rc = json_dumpf(doc, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? RC_OK : RC_FAIL;
	json_decref(doc);
	if (rc != RC_OK)
		pinca_warnx("cannot write the JSON document");
	return rc;
fail:
	json_decref(pins);
	json_decref(domains);
	pinca_warnx("cannot build the JSON document");
	return RC_FAIL;
}

static int
write_text(FILE *out, const struct pin_set *ps)
{
	char cn[TEXT_SAFE_NAME];

	for (size_t i = 0; i < ps->npins; i++)
		fprintf(out, "%s\t%s\t%s\n", ps->pins[i].pin, ps->pins[i].role,
		    text_safe(ps->pins[i].cn, cn, sizeof(cn)));
	return RC_OK;
}

int
pin_format_write(FILE *out, enum pin_format f, const struct pin_set *ps)
{
	switch (f) {
	case PIN_FORMAT_TEXT: return write_text(out, ps);
	case PIN_FORMAT_JSON: return write_json(out, ps);
	case PIN_FORMAT_ANDROID: return write_android(out, ps);
	case PIN_FORMAT_IOS: return write_ios(out, ps);
	case PIN_FORMAT_OKHTTP: return write_okhttp(out, ps);
	case PIN_FORMAT_TRUSTKIT: return write_trustkit(out, ps);
	case PIN_FORMAT_CURL: return write_curl(out, ps);
	case PIN_FORMAT_HPKP: return write_hpkp(out, ps);
	}
	return RC_FAIL;
}
