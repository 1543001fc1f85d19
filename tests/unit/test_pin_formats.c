/* test_pin_formats: the pin writers on their own: format names, which
 * formats need a backup pin, and that hostile names cannot break out of
 * XML text, XML comments or Kotlin comments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/pin_formats.h"
#include "common/err.h"
#include "tests/unit/unit.h"

/* Runs one writer into a new string (caller frees). */
static char *
render(enum pin_format f, const struct pin_set *ps)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (mem == NULL)
		return NULL;
	if (pin_format_write(mem, f, ps) != RC_OK) {
		fclose(mem);
		free(buf);
		return NULL;
	}
	fclose(mem);
	return buf;
}

/* Whether every XML comment in s is free of "--" inside it. */
static int
comments_clean(const char *s)
{
	const char *p = s, *end;

	while ((p = strstr(p, "<!--")) != NULL) {
		p += 4;
		if ((end = strstr(p, "-->")) == NULL)
			return 0;
		for (const char *q = p; q + 1 < end; q++)
			if (q[0] == '-' && q[1] == '-')
				return 0;
		p = end + 3;
	}
	return 1;
}

int
main(void)
{
	struct pin_set ps = { .max_age = 600 };
	enum pin_format f;
	char *out;

	CHECK(pin_format_parse("trustkit", &f) == RC_OK && f == PIN_FORMAT_TRUSTKIT, "format names parse");
	CHECK(pin_format_parse("yaml", &f) == RC_FAIL, "unknown format refused");
	CHECK(pin_format_needs_backup(PIN_FORMAT_TRUSTKIT) &&
	    pin_format_needs_backup(PIN_FORMAT_HPKP), "trustkit and hpkp need a backup pin");
	CHECK(!pin_format_needs_backup(PIN_FORMAT_CURL) &&
	    !pin_format_needs_backup(PIN_FORMAT_JSON), "curl and json do not");
	CHECK(strcmp(pin_base64("sha256/AB="), "AB=") == 0, "pin_base64 strips sha256/");

	snprintf(ps.pins[0].pin, PIN_LEN, "sha256/%s", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	ps.pins[0].role = "root";
	ps.pins[0].cn = "Evil --> <pin digest=\"SHA-256\">x</pin> <!-- & Co\nnext line";
	snprintf(ps.pins[1].pin, PIN_LEN, "sha256/%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=");
	ps.pins[1].role = "standby";
	ps.pins[1].cn = "Plain";
	ps.npins = 2;
	ps.domains[0] = "api.example.com";
	ps.ndomains = 1;
	snprintf(ps.anchors[0], sizeof(ps.anchors[0]), "pinca_root");
	ps.nanchors = 1;

	out = render(PIN_FORMAT_ANDROID, &ps);
	CHECK(out != NULL, "android renders");
	CHECK(out && comments_clean(out), "android comments never contain --");
	CHECK(out && strstr(out, "Evil - -> ") != NULL, "android: a name cannot close its comment early");
	free(out);

	out = render(PIN_FORMAT_IOS, &ps);
	CHECK(out && comments_clean(out), "ios comments never contain --");
	CHECK(out && strstr(out, "<key>NSPinnedCAIdentities</key>"), "ios names the CA identities");
	free(out);
	ps.leaf = 1;
	out = render(PIN_FORMAT_IOS, &ps);
	CHECK(out && strstr(out, "<key>NSPinnedLeafIdentities</key>"), "ios leaf pins are leaf identities");
	free(out);
	ps.leaf = 0;

	out = render(PIN_FORMAT_OKHTTP, &ps);
	CHECK(out && strstr(out, "\nnext line") == NULL, "okhttp: a newline in a name cannot end the comment");
	free(out);

	ps.include_subdomains = 1;
	out = render(PIN_FORMAT_HPKP, &ps);
	CHECK(out && strcmp(out, "pin-sha256=\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"; "
	    "pin-sha256=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"; max-age=600; includeSubDomains\n") == 0, "hpkp header value");
	free(out);

	out = render(PIN_FORMAT_CURL, &ps);
	CHECK(out && strcmp(out, "--pinnedpubkey \"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
	    "sha256//aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"\n") == 0, "curl argument");
	free(out);

	return unit_finish();
}
