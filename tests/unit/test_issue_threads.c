/* test_issue_threads: issuance from several threads at once, each with its
 * own CA context and store handle, as the server's threads have. Half the
 * leaves go through lineage_issue (the ACME finalize's call), half through
 * job_issue (pinca issue's, with key and certificate files); both record
 * through lineage_issue_record. Every certificate must come out with its own
 * serial and DER, verify under the intermediate, name its own host, and be
 * recorded in the store as issued; the audit log's hash chain must hold.
 * The CA is made in a scratch directory by the ceremony's domain functions
 * (ca/init.c, ca/ceremony.c), as `pinca init`, `ca root` and `ca
 * intermediate` do. Built with SAN=1 it runs under ASan and UBSan. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>

#include "ca/ceremony.h"
#include "ca/init.h"
#include "common/err.h"
#include "issue/job.h"
#include "issue/lineage_issue.h"
#include "tests/unit/unit.h"

#define THREADS 4
#define PER_THREAD 8

/* One thread's work and what it issued. */
struct worker {
	int index;
	const char *dir;
	int opened, issued, failed;
	char serial[PER_THREAD][SERIAL_HEX_MAX];
	char host[PER_THREAD][64];
	unsigned char *der[PER_THREAD];
	size_t der_len[PER_THREAD];
};

/* Keeps what one issuance produced. */
static void
worker_keep(struct worker *w, int i, const struct leaf_result *res)
{
	snprintf(w->serial[i], sizeof(w->serial[i]), "%s", res->serial);
	if ((w->der[i] = malloc(res->der_len)) != NULL) {
		memcpy(w->der[i], res->der, res->der_len);
		w->der_len[i] = res->der_len;
	}
	w->issued++;
}

/* The ACME finalize's way: a public key and a lineage name. */
static int
issue_by_lineage(struct worker *w, struct issuer *is, int i, const char *name)
{
	struct leaf_request req;
	struct leaf_result res;
	EVP_PKEY *key = key_generate(KEY_EC_P256);
	int renewed = -1, rc = RC_FAIL;

	memset(&req, 0, sizeof(req));
	req.name = name;
	req.profile = "server";
	req.days = 90;
	req.key_type = KEY_EC_P256;
	req.pub = key;
	if (key && leaf_request_add_dns(&req, w->host[i]) == RC_OK &&
	    lineage_issue(is, &req, "unit", &renewed, &res) == RC_OK) {
		rc = renewed == 0 ? RC_OK : RC_FAIL;
		worker_keep(w, i, &res);
		leaf_result_clear(&res);
	}
	leaf_request_clear(&req);
	EVP_PKEY_free(key);
	return rc;
}

/* pinca issue's way: a new key and the files, through job_issue. */
static int
issue_by_job(struct worker *w, struct issuer *is, int i, const char *name)
{
	char key_out[512], cert_out[512];
	struct issue_job job;
	int rc;

	memset(&job, 0, sizeof(job));
	snprintf(key_out, sizeof(key_out), "%s/out/%s.key", w->dir, name);
	snprintf(cert_out, sizeof(cert_out), "%s/out/%s.pem", w->dir, name);
	job.req.name = name;
	job.req.profile = "server";
	job.req.days = 90;
	job.req.key_type = KEY_EC_P256;
	job.key_out = key_out;
	job.cert_out = cert_out;
	if ((rc = leaf_request_add_dns(&job.req, w->host[i])) == RC_OK &&
	    (rc = job_issue(is, &job)) == RC_OK)
		worker_keep(w, i, &job.res);
	job_clear(&job);
	return rc;
}

/* A thread: its own context and issuer, PER_THREAD leaves. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct pass_source src = { .none = 1 };
	struct ca_context ctx;
	struct issuer is;
	char name[64];

	memset(&is, 0, sizeof(is));
	if (ca_context_open(w->dir, &ctx) != RC_OK)
		return NULL;
	if (issuer_open(&ctx, &src, &is) == RC_OK) {
		w->opened = 1;
		for (int i = 0; i < PER_THREAD; i++) {
			snprintf(name, sizeof(name), "t%d-%d", w->index, i);
			snprintf(w->host[i], sizeof(w->host[i]), "t%d-%d.threads.example", w->index, i);
			if ((i % 2 ? issue_by_job(w, &is, i, name) : issue_by_lineage(w, &is, i, name)) !=
			    RC_OK)
				w->failed++;
		}
	}
	issuer_close(&is);
	ca_context_close(&ctx);
	return NULL;
}

/* Makes the CA: init, the root ceremony, the intermediate, unencrypted keys. */
static int
make_ca(const char *dir)
{
	struct pass_source src = { .none = 1 };
	struct ceremony_root_req root = {
		.dir = dir, .cn = "Threads Root", .standby_cn = "Threads Root Standby",
		.type = KEY_EC_P256, .days = 3650, .src = &src,
	};
	struct ceremony_intermediate_req inter = {
		.dir = dir, .params = { .cn = "Threads Issuing", .days = 1000 }, .which = "root",
		.type = KEY_EC_P256, .src = &src,
	};
	struct ceremony_result res = { 0 };
	int rc;

	if (ca_dir_init(dir, NULL, NULL) != RC_OK || ceremony_root(&root, &res) != RC_OK)
		return RC_FAIL;
	ceremony_result_clear(&res);
	rc = ceremony_intermediate(&inter, &res);
	ceremony_result_clear(&res);
	return rc;
}

/* qsort: by serial. */
static int
by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the n strings differ pairwise. */
static int
all_distinct(char **v, size_t n)
{
	qsort(v, n, sizeof(*v), by_text);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			return 0;
	return 1;
}

/* Whether der is a certificate for host signed by inter, recorded under
 * serial with the same DER. */
static int
leaf_checks_out(struct store *st, X509 *inter, const char *serial, const char *host,
    const unsigned char *der, size_t der_len)
{
	X509 *x = cert_from_der(der, der_len);
	struct cert_record r;
	int ok;

	memset(&r, 0, sizeof(r));
	ok = x && X509_verify(x, X509_get0_pubkey(inter)) == 1 &&
	    X509_check_host(x, host, 0, 0, NULL) == 1 &&
	    store_cert_get(st, serial, &r) == RC_OK && r.der_len == der_len &&
	    memcmp(r.der, der, der_len) == 0;
	cert_record_clear(&r);
	X509_free(x);
	return ok;
}

/* store_audit_each callback: counts the records whose hash chain fails or
 * that name no user or host. */
static int
audit_count_bad(const struct audit_record *a, int ok, void *arg)
{
	if (!ok || a->user == NULL || a->user[0] == '\0' || a->host == NULL || a->host[0] == '\0')
		(*(int *)arg)++;
	return 0;
}

/* Checks what the threads issued against the store. */
static void
check_issued(const char *dir, struct worker *w)
{
	char *serials[THREADS * PER_THREAD], *ders[THREADS * PER_THREAD];
	struct ca_context ctx;
	struct ca_record ca = { 0 };
	X509 *inter = NULL;
	size_t n = 0;
	int recorded = 0, bad_audit = 0;

	CHECK(ca_context_open(dir, &ctx) == RC_OK && ca_find_signing(&ctx, &ca) == RC_OK &&
	    (inter = cert_from_der(ca.der, ca.der_len)) != NULL, "the intermediate reads back");
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < PER_THREAD; i++) {
			if (w[t].der[i] == NULL)
				continue;
			serials[n] = w[t].serial[i];
			/* The DER as hex text, to compare whole certificates. */
			ders[n] = OPENSSL_buf2hexstr(w[t].der[i], (long)w[t].der_len[i]);
			recorded += inter && ctx.st &&
			    leaf_checks_out(ctx.st, inter, w[t].serial[i], w[t].host[i], w[t].der[i],
			    w[t].der_len[i]);
			n++;
		}
	CHECK(n == THREADS * PER_THREAD, "every thread issued every leaf");
	CHECK(all_distinct(serials, n), "every serial is its own");
	CHECK(all_distinct(ders, n), "every certificate (DER) is its own");
	CHECK((size_t)recorded == n, "each verifies under the intermediate, names its host, and is "
	    "recorded with the same DER");
	CHECK(ctx.st && store_audit_each(ctx.st, audit_count_bad, &bad_audit) == RC_OK &&
	    bad_audit == 0, "the audit log's hash chain holds after the concurrent writes, each record with "
	    "its user and host");
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(ders[i]);
	X509_free(inter);
	ca_record_clear(&ca);
	ca_context_close(&ctx);
}

int
main(void)
{
	const char *tmp = unit_tmpdir();
	char dir[512], out[600];
	pthread_t th[THREADS];
	struct worker w[THREADS];
	int started = 0, failed = 0, opened = 0;

	snprintf(dir, sizeof(dir), "%s/ca", tmp);
	snprintf(out, sizeof(out), "%s/out", dir);
	CHECK(make_ca(dir) == RC_OK && mkdir(out, 0700) == 0,
	    "a CA made by the ceremony's domain functions");
	memset(w, 0, sizeof(w));
	for (int t = 0; t < THREADS; t++) {
		w[t].index = t;
		w[t].dir = dir;
		started += pthread_create(&th[t], NULL, worker_run, &w[t]) == 0;
	}
	CHECK(started == THREADS, "the threads start");
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < THREADS; t++) {
		opened += w[t].opened;
		failed += w[t].failed;
	}
	CHECK(opened == THREADS, "each thread opens its own context and issuer");
	CHECK(failed == 0, "no issuance failed");
	check_issued(dir, w);
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < PER_THREAD; i++)
			free(w[t].der[i]);
	return unit_finish();
}
