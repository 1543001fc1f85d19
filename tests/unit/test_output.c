/* test_output: serial_canonical, pin_is_valid, date_parse, time_rfc3339 and
 * hex_encode, the small parsers and formatters every command relies on. */
#include "tests/unit/unit.h"

#include "ca/cert.h"
#include "common/err.h"
#include "common/output.h"

/* serial_canonical(in) must succeed with want. */
static void
serial_ok(const char *in, const char *want)
{
	char out[65], name[256];
	int rc;

	unit_stderr_begin();
	rc = serial_canonical(in, out, sizeof(out));
	int lines = unit_stderr_end();
	snprintf(name, sizeof(name), "serial '%s' -> %s", in, want);
	CHECK(rc == RC_OK && strcmp(out, want) == 0 && lines == 0, name);
}

/* serial_canonical(in) must refuse with one usage line. */
static void
serial_bad(const char *in)
{
	char out[65], name[256];
	int rc;

	unit_stderr_begin();
	rc = serial_canonical(in, out, sizeof(out));
	int lines = unit_stderr_end();
	snprintf(name, sizeof(name), "serial '%s' refused with one line", in);
	CHECK(rc == RC_USAGE && unit_one_error(lines, "not a serial number"), name);
}

static void
test_serials(void)
{
	serial_ok("01", "01");
	serial_ok("1", "01");
	serial_ok("ab", "ab");
	serial_ok("AB", "ab");
	serial_ok("aB:Cd:eF", "abcdef");
	serial_ok("00:ab", "ab");
	serial_ok("0000ab", "ab");
	serial_ok("000ab", "ab");	/* odd length: 0x0ab is 0xab */
	serial_ok("00abc", "0abc");
	serial_ok("00", "00");
	serial_ok("0000", "00");
	serial_ok("0:0:0:1", "01");
	serial_ok("80", "80");
	serial_ok("0080", "80");
	serial_ok("7F3A9C00112233445566778899AABBCCDDEEFF00", "7f3a9c00112233445566778899aabbccddeeff00");
	serial_ok("00:7F:3A:9C:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00",
	    "7f3a9c00112233445566778899aabbccddeeff00");
	serial_ok(":01:", "01");
	serial_bad("");
	serial_bad(":");
	serial_bad("::");
	serial_bad("xyz");
	serial_bad("0x01");
	serial_bad("01 02");
	serial_bad("-01");
	serial_bad("01;");
	serial_bad("é1");
	serial_bad("7F3A9C00112233445566778899AABBCCDDEEFF0011");	/* 21 bytes */
	/* far more digits than the internal buffer holds */
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	serial_bad(big);
	/* a small output buffer truncates but never overruns */
	char small[5];
	memset(small, 'X', sizeof(small));
	CHECK(serial_canonical("abcdef", small, sizeof(small)) == RC_OK && small[4] == '\0',
	    "serial into a short buffer is truncated, NUL-terminated");
}

static void
test_pins(void)
{
	CHECK(pin_is_valid("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
	    "pin: sha256 of the empty string is valid");
	CHECK(pin_is_valid("sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), "pin: all zero bytes");
	CHECK(!pin_is_valid("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"), "pin: no padding");
	CHECK(!pin_is_valid("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="),
	    "pin: non-zero spare bits refused");
	CHECK(!pin_is_valid("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu=="), "pin: 31 bytes");
	CHECK(!pin_is_valid("sha1/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), "pin: sha1 prefix");
	CHECK(!pin_is_valid("SHA256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), "pin: prefix case");
	CHECK(!pin_is_valid("sha256/47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), "pin: base64url");
	CHECK(!pin_is_valid("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=="), "pin: too long");
	CHECK(!pin_is_valid("sha256/47DEQpj8HBSa+/TImW+5JCe QeRkm5NMpJWZG3hSuFU="), "pin: space");
	CHECK(!pin_is_valid(""), "pin: empty");
	CHECK(!pin_is_valid("sha256/"), "pin: prefix only");
}

static void
test_dates(void)
{
	int64_t t = -1;
	char buf[32];

	CHECK(date_parse("2026-12-31", &t) == RC_OK && t == 1798675200, "date 2026-12-31");
	CHECK(date_parse("1970-01-01", &t) == RC_OK && t == 0, "date epoch");
	CHECK(date_parse("2024-02-29", &t) == RC_OK, "date leap day");
	/* date_parse takes what strptime takes ("2026-02-30" rolls over to March);
	 * its caller (pins --expiration) checks the date prints back as given. */
	CHECK(date_parse("2026-13-01", &t) == RC_FAIL, "date: month 13");
	CHECK(date_parse("2026-1-1", &t) == RC_FAIL, "date: short form");
	CHECK(date_parse("2026-12-31T00", &t) == RC_FAIL, "date: trailing text");
	CHECK(date_parse("", &t) == RC_FAIL, "date: empty");
	CHECK(date_parse("31/12/2026", &t) == RC_FAIL, "date: other order");
	time_rfc3339(1798675200 + 3661, buf, sizeof(buf));
	CHECK(strcmp(buf, "2026-12-31T01:01:01Z") == 0, "time_rfc3339 formats UTC with Z");
	time_rfc3339(0, buf, sizeof(buf));
	CHECK(strcmp(buf, "1970-01-01T00:00:00Z") == 0, "time_rfc3339 epoch");
}

static void
test_hex(void)
{
	const unsigned char in[] = { 0x00, 0x0f, 0xa0, 0xff };
	char out[9];

	hex_encode(in, sizeof(in), out);
	CHECK(strcmp(out, "000fa0ff") == 0, "hex_encode lowercase, zero-padded");
	hex_encode(in, 0, out);
	CHECK(out[0] == '\0', "hex_encode of nothing is empty");
}

int
main(void)
{
	test_serials();
	test_pins();
	test_dates();
	test_hex();
	return unit_finish();
}
