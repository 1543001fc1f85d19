/* fuzz_batch_line: one line of `issue --batch` (issue/batch.c): jansson
 * parses it and job_from_json turns it into a request, as slot_prepare does,
 * without touching a CA (job_prepare is not called). An accepted request has
 * a name, a known profile, days in range and at least one name or a CSR.
 *
 * job_from_json is static, so this target compiles issue/batch.c itself; the
 * one external function it defines is renamed so it does not clash with the
 * copy in the linked domain objects. */
#define batch_issue fuzz_batch_issue_unused
#include "issue/batch.c"
#undef batch_issue

#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstring(data, size);
	struct issue_job job;
	json_error_t jerr;
	json_t *doc;

	memset(&job, 0, sizeof(job));
	job.req.profile = "server";
	job.req.days = LEAF_DEFAULT_DAYS;
	job.req.key_type = KEY_EC_P256;
	if ((doc = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) != NULL) {
		int rc = job_from_json(doc, &job);
		if (rc == RC_OK) {
			FUZZ_ASSERT(job.req.name != NULL);
			FUZZ_ASSERT(strcmp(job.req.profile, "server") == 0 ||
			    strcmp(job.req.profile, "client") == 0);
			FUZZ_ASSERT(job.req.days >= 1 && job.req.days <= 100000);
			FUZZ_ASSERT(job.csr_path != NULL || job.req.ndns + job.req.nip > 0);
			FUZZ_ASSERT(job.req.ndns + job.req.nip <= LEAF_MAX_NAMES);
		} else {
			FUZZ_ASSERT(rc == RC_USAGE || rc == RC_POLICY || rc == RC_FAIL);
		}
		job_clear(&job);
		json_decref(doc);
	}
	free(line);
	return 0;
}
