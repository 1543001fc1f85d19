/* job: one issuance request from start to files: the key (from a CSR or made
 * here), the names, the lineage, the signed leaf, the row, the files. Single
 * `issue` and `issue --batch` both run jobs; a batch commits many per
 * transaction, each inside its own savepoint. */
#ifndef PINCA_JOB_H
#define PINCA_JOB_H

#include "ca/der_direct.h"
#include "issue/leaf.h"
#include "issue/outputs.h"

struct issue_job {
	/* input */
	const char *csr_path;		/* the key comes from this CSR, or ... */
	const char *key_out;		/* ... pinca makes one and writes it here */
	int key_type_set;
	const char *cert_out, *chain_out, *fullchain_out;
	int line;			/* batch line number, 0 for a single issue */
	struct dir_memo *memo;		/* the batch's, or NULL */
	struct out_set *outs;		/* every output of the command, or NULL */
	struct leaf_request req;
	/* state */
	EVP_PKEY *key;
	unsigned char spki[DER_DIRECT_P256_SPKI_LEN];	/* the CSR's, from the fast path */
	char *abs_key, *abs_cert, *abs_chain, *abs_fullchain;
	int key_written;		/* key_pending holds a key not yet placed */
	char *key_pending;		/* key_out + ".pending.PID.N" (new string) */
	int64_t lineage_id;		/* once recorded (or found, when resumed) */
	int resume;			/* the lineage was recorded by a run whose files failed */
	struct leaf_result res;
};

/* Checks the request, loads the CSR or makes the key, checks output paths
 * (outputs.h: before anything is signed) and the lineage name, builds and
 * signs the leaf, and writes a new key file (mode 0600, never over an
 * existing file). Nothing is recorded. A lineage recorded by a run whose
 * files could not be written is resumed instead: its certificate is loaded
 * and only the files are written again. */
int job_prepare(struct issuer *is, struct issue_job *job);
/* Records the lineage and the certificate in the current transaction (or
 * the batch's savepoint), through lineage_issue_record. */
int job_record(struct issuer *is, struct issue_job *job);
/* After the commit: writes the certificate files. */
int job_write(struct issuer *is, struct issue_job *job);
/* The batch form of job_write: stages the files into s (see stage.h). */
struct stage;
int job_stage(struct issuer *is, struct issue_job *job, struct stage *s, int owner);
/* A single `pinca issue`: job_prepare, job_record in its own transaction,
 * job_write, and the lineage marked deployed. On failure the caller's
 * job_clear removes a key file not yet placed. */
int job_issue(struct issuer *is, struct issue_job *job);
/* Undoes job_prepare's key file after a failure. */
void job_abort(struct issue_job *job);
void job_clear(struct issue_job *job);

#endif
