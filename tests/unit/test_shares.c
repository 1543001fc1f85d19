/* test_shares: the backup shares on their own. Shares that Debian's
 * ssss-split 0.5 made (the vector below, with its diffusion layer) recombine
 * to their secret here, whichever three are taken; pinca's own shares
 * recombine from any threshold of them; share files round-trip, and a
 * changed character, a missing line or a share of another backup is
 * refused with the line it is on. (The e2e test backup_shares.sh feeds
 * pinca's shares to ssss-combine, the other direction.) */
#include <stdio.h>
#include <string.h>

#include "ca/shares.h"
#include "tests/unit/unit.h"

/* `echo -n SECRET | ssss-split -t 3 -n 5 -x -q -w t` */
static const char vector_secret[] =
    "00ff0123456789abcdeffedcba98765432100123456789abcdef0123456789ab";
static const char *const vector_shares[5] = {
	"cf3abd694aa58251067171696d628689d2f0103e42d449c65f040bccb63e5635",
	"af5d7e7b271d0a70f1a5b82ef9c07a184f308a3ae86ff69bfee9a970421cd1ae",
	"61be6a145d29796a5d170acd267a6999f20b5e661c814f45e300da67fe470ca0",
	"91dbf9739018730514034d4df55a6b65440ec354d4b129e125bc059d59aca8de",
	"5f38ed1cea2c001fb8b1ffae2ae078e4f9351708205f903f3855768ae5f775c2",
};

static void
from_hex(const char *hex, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

/* Recombines the ssss-split vector from shares a, b, c (1-based). */
static int
vector_combines(int a, int b, int c)
{
	struct share sh[3];
	unsigned char want[32], got[32];
	int idx[3] = { a, b, c };

	from_hex(vector_secret, want, 32);
	for (int i = 0; i < 3; i++) {
		memset(&sh[i], 0, sizeof(sh[i]));
		sh[i].index = idx[i];
		sh[i].count = 5;
		sh[i].threshold = 3;
		from_hex(vector_shares[idx[i] - 1], sh[i].y, 32);
	}
	return shares_combine(sh, 3, got) == 0 && memcmp(got, want, 32) == 0;
}

/* Flips one character of the n-th non-comment line of text. */
static void
damage_line(char *text, int n)
{
	char *p = text;

	while (p && *p) {
		if (*p != '#' && n-- == 0) {
			p[20] = p[20] == 'a' ? 'b' : 'a';
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

int
main(void)
{
	unsigned char secret[32], got[32];
	struct share sh[5], parsed, pick[3];
	char text[1024], bad[1024], err[256], ssss[128];

	CHECK(vector_combines(1, 2, 3), "ssss-split shares 1,2,3 recombine to the secret");
	CHECK(vector_combines(5, 3, 1), "ssss-split shares 5,3,1 recombine to the secret");
	CHECK(vector_combines(2, 4, 5), "ssss-split shares 2,4,5 recombine to the secret");

	for (int i = 0; i < 32; i++)
		secret[i] = (unsigned char)(i * 37 + 11);
	CHECK(shares_split(secret, 5, 3, "0123456789ab", sh) == 0, "split 3 of 5");
	pick[0] = sh[4]; pick[1] = sh[0]; pick[2] = sh[2];
	CHECK(shares_combine(pick, 3, got) == 0 && memcmp(got, secret, 32) == 0,
	    "shares 5,1,3 recombine");
	pick[2] = sh[3];
	CHECK(shares_combine(pick, 3, got) == 0 && memcmp(got, secret, 32) == 0,
	    "shares 5,1,4 recombine");
	CHECK(shares_combine(pick, 2, got) == -1, "two shares of a 3-of-5 are refused");
	pick[1] = sh[4];
	CHECK(shares_combine(pick, 3, got) == -1, "a share given twice is refused");
	CHECK(shares_split(secret, 5, 1, "0123456789ab", sh) == -1, "threshold 1 is refused");
	CHECK(shares_split(secret, 2, 3, "0123456789ab", sh) == -1, "threshold above count refused");

	CHECK(share_format(&sh[1], text, sizeof(text)) == 0, "share file formats");
	CHECK(share_ssss_line(&sh[1], ssss, sizeof(ssss)) == 0 && strstr(text, ssss) != NULL &&
	    strncmp(ssss, "pinca0123456789ab-2-", 20) == 0, "it holds the ssss line");
	CHECK(share_parse(text, strlen(text), &parsed, err, sizeof(err)) == 0 &&
	    memcmp(parsed.y, sh[1].y, 32) == 0 && parsed.index == 2 && parsed.count == 5 &&
	    parsed.threshold == 3 && strcmp(parsed.backup_id, "0123456789ab") == 0,
	    "share file parses back to the same share");

	memcpy(bad, text, sizeof(text));
	damage_line(bad, 1);
	CHECK(share_parse(bad, strlen(bad), &parsed, err, sizeof(err)) == -1 &&
	    strstr(err, "line 7") && strstr(err, "check does not match"),
	    "a changed character in the share line is named by its line");
	memcpy(bad, text, sizeof(text));
	damage_line(bad, 0);
	CHECK(share_parse(bad, strlen(bad), &parsed, err, sizeof(err)) == -1 &&
	    strstr(err, "line 6"), "a changed character in the header is named by its line");
	memcpy(bad, text, sizeof(text));
	*strrchr(bad, 'p') = '\0';	/* cut inside the ssss line */
	CHECK(share_parse(bad, strlen(bad), &parsed, err, sizeof(err)) == -1,
	    "a share cut short is refused");
	CHECK(share_parse("hello\n", 6, &parsed, err, sizeof(err)) == -1 &&
	    strstr(err, "check"), "text that is not a share is refused");
	CHECK(share_parse("", 0, &parsed, err, sizeof(err)) == -1 && strstr(err, "not a pinca share"),
	    "an empty file is refused");
	/* Upper case (a hand copy) is read as lower case. */
	memcpy(bad, text, sizeof(text));
	for (char *p = strstr(bad, "pinca0"); *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	CHECK(share_parse(bad, strlen(bad), &parsed, err, sizeof(err)) == 0 &&
	    memcmp(parsed.y, sh[1].y, 32) == 0, "a copy in upper case reads the same");
	return unit_finish();
}
