/* test_pin_formats: the pin writers on their own: format names, which
 * formats need a backup pin, and that hostile names cannot break out of
 * XML text, XML comments or Kotlin comments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/pin_formats.h"
#include "common/err.h"

static int passed, failed;

static void
expect(const char *name, int ok)
{
	if (ok) {
		passed++;
		printf("ok   %s\n", name);
	} else {
		failed++;
		printf("FAIL %s\n", name);
	}
}

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

	expect("format names parse", pin_format_parse("trustkit", &f) == RC_OK && f == PIN_FORMAT_TRUSTKIT);
	expect("unknown format refused", pin_format_parse("yaml", &f) == RC_FAIL);
	expect("trustkit and hpkp need a backup pin", pin_format_needs_backup(PIN_FORMAT_TRUSTKIT) &&
	    pin_format_needs_backup(PIN_FORMAT_HPKP));
	expect("curl and json do not", !pin_format_needs_backup(PIN_FORMAT_CURL) &&
	    !pin_format_needs_backup(PIN_FORMAT_JSON));
	expect("pin_base64 strips sha256/", strcmp(pin_base64("sha256/AB="), "AB=") == 0);

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
	expect("android renders", out != NULL);
	expect("android comments never contain --", out && comments_clean(out));
	expect("android: a name cannot close its comment early", out && strstr(out, "Evil - -> ") != NULL);
	free(out);

	out = render(PIN_FORMAT_IOS, &ps);
	expect("ios comments never contain --", out && comments_clean(out));
	expect("ios names the CA identities", out && strstr(out, "<key>NSPinnedCAIdentities</key>"));
	free(out);
	ps.leaf = 1;
	out = render(PIN_FORMAT_IOS, &ps);
	expect("ios leaf pins are leaf identities", out && strstr(out, "<key>NSPinnedLeafIdentities</key>"));
	free(out);
	ps.leaf = 0;

	out = render(PIN_FORMAT_OKHTTP, &ps);
	expect("okhttp: a newline in a name cannot end the comment", out && strstr(out, "\nnext line") == NULL);
	free(out);

	ps.include_subdomains = 1;
	out = render(PIN_FORMAT_HPKP, &ps);
	expect("hpkp header value", out && strcmp(out, "pin-sha256=\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"; "
	    "pin-sha256=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"; max-age=600; includeSubDomains\n") == 0);
	free(out);

	out = render(PIN_FORMAT_CURL, &ps);
	expect("curl argument", out && strcmp(out, "--pinnedpubkey \"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
	    "sha256//aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"\n") == 0);
	free(out);

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
