/* fuzz_pg_text: the PostgreSQL driver's parsers of text it did not write
 * (db/sql_pg.c, db/sql_pg_stmt.c). The first byte picks one: a bytea value
 * in hex form as a server sends it (an accepted one decodes to half its
 * digits and encodes back to them), a server message and a password
 * ("secret|message": the line has no line break and not the password), a
 * target's password (a plain one is a substring of the target), or SQL whose
 * '?' placeholders are numbered (no more numbers than '?' without digits,
 * none past 65535). */
#include <ctype.h>
#include <stdio.h>

#include "db/sql_pg.h"
#include "tests/fuzz/fuzz.h"

/* bytea: accepted means "\x" + two hex digits per byte, and they match. */
static void
fuzz_bytea(const char *in)
{
	size_t len = 0, n = strlen(in);
	unsigned char *out = pg_bytea_decode(in, &len);

	if (out == NULL)
		return;
	FUZZ_ASSERT(n == 2 + 2 * len && in[0] == '\\' && in[1] == 'x');
	for (size_t i = 0; i < len; i++) {
		char hex[3];
		snprintf(hex, sizeof(hex), "%02x", out[i]);
		FUZZ_ASSERT(tolower((unsigned char)in[2 + 2 * i]) == hex[0] &&
		    tolower((unsigned char)in[3 + 2 * i]) == hex[1]);
	}
	free(out);
}

/* A message: one line, shorter than the buffer, without the password. */
static void
fuzz_message(char *in)
{
	char msg[128], *bar = strchr(in, '|');
	const char *secret = NULL, *text = in;

	if (bar != NULL) {
		*bar = '\0';
		secret = in;
		text = bar + 1;
	}
	pg_one_line(msg, sizeof(msg), text, secret);
	FUZZ_ASSERT(strlen(msg) < sizeof(msg) && strchr(msg, '\n') == NULL && strchr(msg, '\r') == NULL);
	if (secret != NULL && secret[0] != '\0' && strchr(secret, '*') == NULL)
		FUZZ_ASSERT(strstr(msg, secret) == NULL);
}

/* A target's password: found as written when nothing escapes it. */
static void
fuzz_password(const char *in)
{
	char *pw = pg_target_password(in);

	if (pw == NULL)
		return;
	FUZZ_ASSERT(pw[0] != '\0');
	if (strpbrk(in, "%\\'") == NULL)
		FUZZ_ASSERT(strstr(in, pw) != NULL);
	free(pw);
}

/* SQL: numbered, within the bound the rewriting allows for. */
static void
fuzz_placeholders(const char *in)
{
	int n = -1, marks = 0;
	char *out = pg_placeholders(in, &n);

	if (out == NULL) {
		FUZZ_ASSERT(n == -1);
		return;
	}
	for (const char *p = in; *p; p++)
		marks += *p == '?';
	FUZZ_ASSERT(n >= 0 && strlen(out) <= 6 * strlen(in));
	if (strpbrk(in, "0123456789") == NULL)
		FUZZ_ASSERT(n <= marks);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;

	if (size < 1)
		return 0;
	in = fuzz_cstring(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		fuzz_bytea(in);
		break;
	case 1:
		fuzz_message(in);
		break;
	case 2:
		fuzz_password(in);
		break;
	default:
		fuzz_placeholders(in);
		break;
	}
	free(in);
	return 0;
}
