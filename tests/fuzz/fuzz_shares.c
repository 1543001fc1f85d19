/* fuzz_shares: share_parse (ca/shares.c), which reads the share files a
 * restore is given, and backup_parse_header (ca/backup.c), which reads the
 * top of backup.pem. An accepted share has its numbers in range and a
 * 12-hex-digit backup id, and writing it out and reading it back gives the
 * same share; an accepted header has a threshold and count a backup can have. */
#include "ca/backup.h"
#include "ca/shares.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct share s, again;
	struct backup_header h;
	char err[256], text[1024];

	if (share_parse((const char *)data, size, &s, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(s.threshold >= 2 && s.threshold <= s.count && s.count <= SHARES_MAX);
		FUZZ_ASSERT(s.index >= 1 && s.index <= s.count);
		FUZZ_ASSERT(strlen(s.backup_id) == SHARES_ID_HEX);
		FUZZ_ASSERT(share_format(&s, text, sizeof(text)) == 0);
		FUZZ_ASSERT(share_parse(text, strlen(text), &again, err, sizeof(err)) == 0);
		FUZZ_ASSERT(memcmp(&s, &again, sizeof(s)) == 0);
	} else {
		FUZZ_ASSERT(err[0] != '\0');
	}
	if (backup_parse_header((const char *)data, size, &h, err, sizeof(err)) == 0)
		FUZZ_ASSERT(h.threshold >= 2 && h.threshold <= h.count && h.count <= SHARES_MAX &&
		    strlen(h.id) == SHARES_ID_HEX && strlen(h.secret_sha256) == 64);
	return 0;
}
