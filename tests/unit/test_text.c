/* test_text: text_unsafe_at and text_safe (common/text.c), the one escaper
 * between hostile names and the operator's terminal. */
#include "tests/unit/unit.h"

#include "common/text.h"

/* text_safe(in) must give want (with a buffer of size bytes). */
static void
safe_is(const char *in, size_t size, const char *want, const char *name)
{
	char buf[512];
	const char *out = text_safe(in, buf, size);

	CHECK(strcmp(out, want) == 0, name);
	if (strcmp(out, want) != 0)
		printf("     got '%s'\n", out);
}

int
main(void)
{
	CHECK(text_unsafe_at("Example Root R1", 15) == -1, "plain ASCII is clean");
	const char *utf8 = "Soci\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91";
	CHECK(text_unsafe_at(utf8, strlen(utf8)) == -1,
	    "UTF-8 letters, CJK and a 4-byte character are clean");
	CHECK(text_unsafe_at("ab\ncd", 5) == 2, "a newline is unsafe at its offset");
	CHECK(text_unsafe_at("ab\0cd", 5) == 2, "a NUL inside the length is unsafe");
	CHECK(text_unsafe_at("\x7f", 1) == 0, "DEL is unsafe");
	CHECK(text_unsafe_at("x\xc2\x9b", 3) == 1, "C1 CSI (U+009B) is unsafe");
	CHECK(text_unsafe_at("x\xe2\x80\xae", 4) == 1, "RIGHT-TO-LEFT OVERRIDE is unsafe");
	CHECK(text_unsafe_at("x\xe2\x80\xa8", 4) == 1, "LINE SEPARATOR is unsafe");
	CHECK(text_unsafe_at("x\xe2\x81\xa6", 4) == 1, "LEFT-TO-RIGHT ISOLATE is unsafe");
	CHECK(text_unsafe_at("\xc0\xaf", 2) == 0, "an overlong encoding is unsafe");
	CHECK(text_unsafe_at("\xed\xa0\x80", 3) == 0, "a surrogate is unsafe");
	CHECK(text_unsafe_at("\xf4\x90\x80\x80", 4) == 0, "above U+10FFFF is unsafe");
	CHECK(text_unsafe_at("ab\xc3", 3) == 2, "a character cut short is unsafe");

	char buf[64];
	const char *plain = "Example Root R1";
	CHECK(text_safe(plain, buf, sizeof(buf)) == plain, "a clean name is returned as it is");
	safe_is("Online CA\n  pin    sha256/x\x1b[2A", 200, "Online CA\\x0a  pin    sha256/x\\x1b[2A",
	    "newline and ESC are written \\xHH");
	safe_is("a\\x0a", 200, "a\\\\x0a", "a backslash is doubled, so the escaping is unambiguous");
	safe_is("Z\xc3\xbcrich\x01", 200, "Z\xc3\xbcrich\\x01", "printable UTF-8 stays, the control goes");
	safe_is("\xe2\x80\xae" "1R", 200, "\\xe2\\x80\\xae1R", "an override is written byte by byte");
	safe_is("\x1b\x1b\x1b\x1b\x1b\x1b", 16, "\\x1b\\x1b\\x1b...", "cut with ... to fit");
	safe_is(NULL, 16, "", "NULL prints as nothing");
	return unit_finish();
}
