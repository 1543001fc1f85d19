/* batch: JSON lines issuance. Each group of requests is prepared (CSR checked,
 * leaf linted and signed), recorded in one transaction with a savepoint per
 * request, committed, and only then are its files written and its result
 * lines printed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/err.h"
#include "common/output.h"
#include "issue/batch.h"
#include "issue/job.h"
#include "issue/stage.h"
#include "db/store.h"

#define BATCH_LINE_MAX 65536

struct batch_slot {
	struct issue_job job;
	json_t *doc;		/* owns the strings job points to */
	char error[512];
	int failed;
};

/* Reads an optional string member; RC_USAGE if present but not a string. */
static int
member_string(json_t *doc, const char *key, const char **out)
{
	json_t *v = json_object_get(doc, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return RC_OK;
	if (!json_is_string(v)) {
		pinca_warnx("\"%s\" must be a string", key);
		return RC_USAGE;
	}
	*out = json_string_value(v);
	return RC_OK;
}

/* Adds the names of an optional array member through add(). */
static int
member_names(json_t *doc, const char *key, struct leaf_request *req,
    int (*add)(struct leaf_request *, const char *))
{
	json_t *arr = json_object_get(doc, key), *v;
	size_t i;
	int rc;

	if (arr == NULL)
		return RC_OK;
	if (!json_is_array(arr)) {
		pinca_warnx("\"%s\" must be an array of strings", key);
		return RC_USAGE;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			pinca_warnx("\"%s\" must be an array of strings", key);
			return RC_USAGE;
		}
		if ((rc = add(req, json_string_value(v))) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* Fills a job from one JSON object (the SPEC's request format). */
static int
job_from_json(json_t *doc, struct issue_job *job)
{
	static const char *const known[] = { "name", "dns", "ip", "csr", "key_out", "key", "days",
		"profile", "cert_out", "chain_out", "fullchain_out", NULL };
	const char *key, *profile = NULL, *type = NULL;
	json_t *v;
	int rc;

	if (!json_is_object(doc)) {
		pinca_warnx("a request must be a JSON object");
		return RC_USAGE;
	}
	json_object_foreach(doc, key, v) {
		int ok = 0;
		for (int i = 0; known[i]; i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok) {
			pinca_warnx("unknown member \"%s\"", key);
			return RC_USAGE;
		}
	}
	if ((rc = member_string(doc, "name", &job->req.name)) != RC_OK ||
	    (rc = member_string(doc, "csr", &job->csr_path)) != RC_OK ||
	    (rc = member_string(doc, "key_out", &job->key_out)) != RC_OK ||
	    (rc = member_string(doc, "key", &type)) != RC_OK ||
	    (rc = member_string(doc, "profile", &profile)) != RC_OK ||
	    (rc = member_string(doc, "cert_out", &job->cert_out)) != RC_OK ||
	    (rc = member_string(doc, "chain_out", &job->chain_out)) != RC_OK ||
	    (rc = member_string(doc, "fullchain_out", &job->fullchain_out)) != RC_OK)
		return rc;
	if (job->req.name == NULL) {
		pinca_warnx("\"name\" is required");
		return RC_USAGE;
	}
	if (profile && strcmp(profile, "server") && strcmp(profile, "client")) {
		pinca_warnx("\"profile\" must be \"server\" or \"client\"");
		return RC_USAGE;
	}
	job->req.profile = profile && strcmp(profile, "client") == 0 ? "client" : "server";
	if (type && (rc = key_type_parse(type, &job->req.key_type)) != RC_OK)
		return rc;
	if ((v = json_object_get(doc, "days")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000) {
			pinca_warnx("\"days\" must be a whole number from 1 to 100000");
			return RC_USAGE;
		}
		job->req.days = (long)json_integer_value(v);
	}
	if ((rc = member_names(doc, "dns", &job->req, leaf_request_add_dns)) != RC_OK ||
	    (rc = member_names(doc, "ip", &job->req, leaf_request_add_ip)) != RC_OK)
		return rc;
	if (job->csr_path == NULL && job->req.ndns == 0 && job->req.nip == 0) {
		pinca_warnx("lint san-present: a leaf needs at least one name in \"dns\" or \"ip\"");
		return RC_POLICY;
	}
	return RC_OK;
}

/* Parses and prepares one line into slot; its error line goes into it. */
static void
slot_prepare(struct issuer *is, struct batch_slot *slot, struct dir_memo *memo,
    struct out_set *outs, const char *line, int lineno)
{
	json_error_t jerr;

	memset(slot, 0, sizeof(*slot));
	slot->job.line = lineno;
	slot->job.memo = memo;
	slot->job.outs = outs;
	slot->job.req.profile = "server";
	slot->job.req.days = LEAF_DEFAULT_DAYS;
	slot->job.req.key_type = KEY_EC_P256;
	pinca_err_clear();
	if ((slot->doc = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(slot->error, sizeof(slot->error), "not JSON: %s", jerr.text);
		slot->failed = 1;
	} else if (job_from_json(slot->doc, &slot->job) != RC_OK ||
	    job_prepare(is, &slot->job) != RC_OK) {
		pinca_err_take(slot->error, sizeof(slot->error));
		slot->failed = 1;
	}
	pinca_err_clear();
}

/* Records that the group's requests whose files are all in place are
 * deployed (one transaction); the others stay due for renew --due. */
static void
group_deployed(struct issuer *is, struct batch_slot *slots, int n)
{
	struct store *st = is->ctx->st;
	char err[512] = "";
	int ok;

	pinca_err_clear();
	ok = store_begin(st) == RC_OK;
	for (int i = 0; ok && i < n; i++)
		if (!slots[i].failed)
			ok = store_lineage_deployed(st, slots[i].job.lineage_id, slots[i].job.res.serial) ==
			    RC_OK;
	if (ok)
		ok = store_commit(st) == RC_OK;
	else
		store_rollback(st);
	pinca_err_take(err, sizeof(err));
	for (int i = 0; !ok && i < n; i++) {
		if (!slots[i].failed)
			snprintf(slots[i].error, sizeof(slots[i].error), "%s", err);
		slots[i].failed = 1;
	}
}

/* Writes the files of the group's committed requests: each written to a
 * temporary, one sync per filesystem, renamed into place, one sync per
 * directory (issue/stage.c). A request whose file fails is reported failed
 * (its certificate stays recorded, as with a single issue). */
static void
group_write(struct issuer *is, struct batch_slot *slots, int n)
{
	struct stage stg = { 0 };
	char shared[512] = "";

	for (int i = 0; i < n; i++) {
		if (slots[i].failed)
			continue;
		pinca_err_clear();
		if (job_stage(is, &slots[i].job, &stg, i) != RC_OK) {
			pinca_err_take(slots[i].error, sizeof(slots[i].error));
			slots[i].failed = 1;
		}
	}
	pinca_err_clear();
	stage_sync(&stg);
	pinca_err_take(shared, sizeof(shared));
	for (size_t k = 0; k < stg.n; k++) {
		struct batch_slot *s = &slots[stg.f[k].owner];
		pinca_err_clear();
		stage_rename(&stg, k);
		if (pinca_err_pending() && s->error[0] == '\0')
			pinca_err_take(s->error, sizeof(s->error));
	}
	pinca_err_clear();
	stage_sync_dirs(&stg);
	if (pinca_err_pending())
		pinca_err_take(shared, sizeof(shared));
	for (size_t k = 0; k < stg.n; k++) {
		struct batch_slot *s = &slots[stg.f[k].owner];
		if (!stg.f[k].failed)
			continue;
		if (s->error[0] == '\0')
			snprintf(s->error, sizeof(s->error), "%s", shared[0] ? shared : "cannot write");
		s->failed = 1;
	}
	stage_clear(&stg);
	group_deployed(is, slots, n);
}

/* Records, commits, writes and reports one group (its result lines go to
 * report). Returns the failures. */
static int
group_finish(struct issuer *is, struct batch_slot *slots, int n, const struct pinca_report *report)
{
	struct store *st = is->ctx->st;
	int failures = 0, committed = 0;
	char txerr[512];

	pinca_err_clear();
	if (store_begin(st) == RC_OK) {
		for (int i = 0; i < n; i++) {
			if (slots[i].failed)
				continue;
			pinca_err_clear();
			if (store_savepoint(st) != RC_OK || job_record(is, &slots[i].job) != RC_OK) {
				store_savepoint_rollback(st);
				slots[i].failed = 1;
			} else if (store_savepoint_release(st) != RC_OK) {
				slots[i].failed = 1;
			}
			if (slots[i].failed)
				pinca_err_take(slots[i].error, sizeof(slots[i].error));
		}
		pinca_err_clear();
		committed = store_commit(st) == RC_OK;
	}
	pinca_err_take(txerr, sizeof(txerr));
	for (int i = 0; i < n; i++) {
		if (!slots[i].failed && !committed) {
			snprintf(slots[i].error, sizeof(slots[i].error), "%s", txerr);
			slots[i].failed = 1;
		}
	}
	group_write(is, slots, n);
	for (int i = 0; i < n; i++) {
		struct batch_slot *s = &slots[i];
		json_t *res;
		char *text;
		if (s->failed) {
			job_abort(&s->job);
			failures++;
			res = json_pack("{s:i,s:s?,s:s}", "line", s->job.line, "name", s->job.req.name,
			    "error", s->error[0] ? s->error : "failed");
		} else {
			char na[32];
			time_rfc3339(s->job.res.not_after, na, sizeof(na));
			res = json_pack("{s:i,s:s,s:s,s:s,s:s}", "line", s->job.line, "name",
			    s->job.req.name, "serial", s->job.res.serial, "pin", s->job.res.pin,
			    "not_after", na);
		}
		if ((text = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
			pinca_report_text(report, REPORT_OUT, text);
		free(text);
		json_decref(res);
		job_clear(&s->job);
		json_decref(s->doc);
	}
	/* A group's results appear together, as soon as its files are in place. */
	pinca_report_flush(report);
	return failures;
}

/* A group keeps each output file open until it is linked into place
 * (issue/stage.c). Raises the descriptor limit as far as a full group needs
 * and returns how many output files a group may hold under it: a group
 * ends early when its files would reach that number. */
static int
batch_file_budget(void)
{
	struct rlimit rl;
	rlim_t want = BATCH_GROUP * 3 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 256;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rlim_t cur = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = cur;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return BATCH_GROUP * 3;
	/* 64 for the database, its WAL and shm, the input and stdio. */
	return rl.rlim_cur > 64 + 3 ? (int)(rl.rlim_cur - 64) : 3;
}

/* A monotonic clock in milliseconds, for a group's time limit. */
static int64_t
batch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The output files a prepared request will write. */
static int
slot_files(const struct batch_slot *slot)
{
	if (slot->failed)
		return 0;
	return (slot->job.cert_out != NULL) + (slot->job.chain_out != NULL) +
	    (slot->job.fullchain_out != NULL);
}

/* The batch's input, read with read(2) rather than stdio so that it can
 * tell when the next line is not there yet: a producer writing requests
 * into a pipe gets each group's results before it writes more. */
struct line_in {
	int fd;
	char *buf;
	size_t cap, start, end;	/* the unread bytes are buf[start, end) */
	int eof, error;		/* error: an errno */
};

/* Whether a whole line, or the last one without a line break, is buffered. */
static int
line_ready(const struct line_in *in)
{
	return memchr(in->buf + in->start, '\n', in->end - in->start) != NULL ||
	    (in->eof && in->end > in->start);
}

/* Whether reading the next line would wait for whoever writes the input
 * (never for a regular file, which poll() always reports readable). */
static int
line_would_block(const struct line_in *in)
{
	struct pollfd p = { .fd = in->fd, .events = POLLIN };

	return !in->eof && !line_ready(in) && poll(&p, 1, 0) == 0;
}

/* The next line, without its line break, NUL-terminated in the buffer and
 * valid until the next call. Returns 0 at the end of the input, 1 for a
 * line, 2 for a line longer than BATCH_LINE_MAX (read through its end and
 * dropped: *line is empty). */
static int
line_next(struct line_in *in, char **line, size_t *len)
{
	int toolong = 0;

	for (;;) {
		char *start = in->buf + in->start;
		char *nl = memchr(start, '\n', in->end - in->start);
		ssize_t r;

		if (nl != NULL || (in->eof && in->end > in->start)) {
			size_t n = nl ? (size_t)(nl - start) : in->end - in->start;
			start[n] = '\0';	/* the buffer keeps a byte spare for it */
			in->start += n + (nl != NULL);
			*line = toolong ? start + n : start;
			*len = toolong ? 0 : n;
			return toolong || n > BATCH_LINE_MAX ? 2 : 1;
		}
		if (in->eof)
			return 0;
		if (in->end - in->start > BATCH_LINE_MAX) {
			toolong = 1;	/* keep reading to its end, not its bytes */
			in->start = in->end;
		}
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
		if (in->cap - in->end < 4096 + 1) {
			size_t cap = in->cap * 2;
			char *nb = realloc(in->buf, cap);
			if (nb == NULL) {
				in->error = ENOMEM;
				in->eof = 1;
				continue;
			}
			in->buf = nb;
			in->cap = cap;
		}
		r = read(in->fd, in->buf + in->end, in->cap - in->end - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			in->error = r < 0 ? errno : 0;
			in->eof = 1;
		} else {
			in->end += (size_t)r;
		}
	}
}

int
batch_issue(struct issuer *is, const char *path, const struct pinca_report *report)
{
	struct batch_slot *slots = calloc(BATCH_GROUP, sizeof(*slots));
	struct line_in in = { .fd = -1 };
	char *line;
	size_t len;
	int n = 0, lineno = 0, failures = 0, total = 0, files = 0, got;
	int budget = batch_file_budget();
	struct dir_memo memo = { .valid = 0 };
	struct out_set outs;	/* every output of the whole batch: none twice */
	int64_t started = 0;

	out_set_init(&outs, is->ctx->dir);

	in.fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	in.cap = 65536;
	if (in.fd == -1 || slots == NULL || (in.buf = malloc(in.cap)) == NULL) {
		if (in.fd == -1)
			pinca_warn("cannot read %s", path);
		else
			pinca_warnx("out of memory");
		if (in.fd > STDIN_FILENO)
			close(in.fd);
		free(slots);
		return RC_FAIL;
	}
	for (;;) {
		/* A group ends when it is full, when its files would reach
		 * the open-file limit, after BATCH_GROUP_MS, or when the next
		 * request is not there yet. */
		if (n > 0 && (n == BATCH_GROUP || files + 3 > budget || line_would_block(&in) ||
		    batch_now_ms() - started >= BATCH_GROUP_MS)) {
			store_read_end(is->ctx->st);
			failures += group_finish(is, slots, n, report);
			n = files = 0;
		}
		if ((got = line_next(&in, &line, &len)) == 0)
			break;
		lineno++;
		while (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (got == 1 && (len == 0 || strspn(line, " \t") == len))
			continue;
		/* A group's look-ups (names already taken) share one read
		 * transaction; group_finish checks again under the write lock. */
		if (n == 0) {
			store_read_begin(is->ctx->st);
			memo.valid = 0;
			started = batch_now_ms();
		}
		if (got == 2) {
			memset(&slots[n], 0, sizeof(slots[n]));
			slots[n].job.line = lineno;
			snprintf(slots[n].error, sizeof(slots[n].error), "line longer than %d bytes",
			    BATCH_LINE_MAX);
			slots[n].failed = 1;
		} else {
			slot_prepare(is, &slots[n], &memo, &outs, line, lineno);
		}
		total++;
		files += slot_files(&slots[n++]);
	}
	store_read_end(is->ctx->st);
	if (n > 0)
		failures += group_finish(is, slots, n, report);
	if (in.error) {
		errno = in.error;
		pinca_warn("cannot read %s", path);
	}
	/* The count is the batch's error line; a line left before it (the
	 * input that could not be read) is shown first, as a note. */
	if (failures) {
		pinca_report_error(report);
		pinca_warnx("%d of %d requests failed", failures, total);
	}
	if (in.fd != STDIN_FILENO)
		close(in.fd);
	free(in.buf);
	free(slots);
	out_set_clear(&outs);
	return failures || in.error ? RC_FAIL : RC_OK;
}
