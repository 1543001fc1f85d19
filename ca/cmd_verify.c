/* cmd_verify: `pinca verify`: the preflight before a deploy and the check a
 * monitoring job runs. Reads a chain file or fetches a live server's chain
 * and prints one finding per line (ca/verify.c); exit 0 only when all pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca/cmd.h"
#include "ca/verify.h"
#include "common/err.h"
#include "common/fileio.h"
#include "common/opts.h"

enum { OPT_CHAIN = 20, OPT_CONNECT, OPT_SERVERNAME, OPT_HOST, OPT_CRL, OPT_TIMEOUT };

static const struct opt_spec verify_opts[] = {
	OPT_SPEC_DIR,
	{ "chain", 1, OPT_CHAIN, "FILE", "the chain as served: leaf, then intermediates (PEM)" },
	{ "connect", 1, OPT_CONNECT, "HOST:PORT", "fetch the chain from a live TLS server" },
	{ "servername", 1, OPT_SERVERNAME, "NAME", "SNI name to send (default: HOST)" },
	{ "host", 1, OPT_HOST, "HOST", "name or address the leaf must cover (default with --connect: the SNI name)" },
	{ "crl", 1, OPT_CRL, "FILE", "a CRL (PEM or DER) to check the chain against; repeat it for each level" },
	{ "timeout", 1, OPT_TIMEOUT, "SECONDS", "deadline for --connect, connect and handshake together (default 10)" },
	OPT_SPEC_JSON,
	OPT_END_SPEC,
};
static const struct cmd_help verify_help = {
	"verify", "(--chain FILE | --connect HOST:PORT [--servername NAME] [--timeout SECONDS]) [--host HOST] [--crl FILE]... [--json]",
	"Checks a served chain: order, path to a root this CA directory knows,\n"
	"validity, host name, revocation, and that every supported app release\n"
	"finds one of its pins in it. Revocation is read from this directory's\n"
	"records where it holds the issuing CA's key, and from each --crl given:\n"
	"the intermediate's CRL for the leaf, the root's for the intermediate (on\n"
	"the issuing host, the root's CRL is the only word on a revoked\n"
	"intermediate). One line per finding; exit 0 only when every check\n"
	"passes, 1 otherwise.",
	verify_opts,
};

/* Appends the CRLs of one file (PEM, one or more; or one DER) to crls. */
static int
crl_load(const char *path, STACK_OF(X509_CRL) *crls)
{
	unsigned char *data = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_CRL *crl = NULL;
	int n = 0;
	BIO *b;

	if (file_read_all(path, 64 << 20, &data, &len) != RC_OK)
		return RC_FAIL;
	if (memmem(data, len, "-----BEGIN X509 CRL-----", 24) != NULL) {
		if ((b = BIO_new_mem_buf(data, (int)len)) != NULL)
			while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
				if (!sk_X509_CRL_push(crls, crl)) {
					X509_CRL_free(crl);
					break;
				}
				n++;
			}
		BIO_free(b);
	} else {
		p = data;
		if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL) {
			if (sk_X509_CRL_push(crls, crl))
				n++;
			else
				X509_CRL_free(crl);
		}
	}
	free(data);
	if (n == 0) {
		pinca_warn_ssl("%s: not a CRL", path);
		return RC_FAIL;
	}
	ERR_clear_error();
	return RC_OK;
}

int
cmd_verify(int argc, char **argv)
{
	const char *flag_dir = NULL, *chain_path = NULL, *connect = NULL, *servername = NULL;
	const char *crl_paths[16], *arg;
	int ncrl = 0;
	struct verify_options vo = { NULL, NULL, 0, &pinca_report_stdio };
	struct ca_context ctx = { 0 };
	STACK_OF(X509) *served = NULL;
	char host[256];
	long timeout = 10;
	struct opts o;
	int id, rc;

	opts_init(&o, argc, argv, &verify_help);
	while ((id = opts_next(&o, &arg)) != 0) {
		switch (id) {
		case OPT_DIR: flag_dir = arg; break;
		case OPT_CHAIN: chain_path = arg; break;
		case OPT_CONNECT: connect = arg; break;
		case OPT_SERVERNAME: servername = arg; break;
		case OPT_HOST: vo.host = arg; break;
		case OPT_CRL:
			if (ncrl == 16)
				return rc_exit(opts_usage_error(&verify_help, "at most 16 --crl"));
			crl_paths[ncrl++] = arg;
			break;
		case OPT_JSON: vo.json = 1; break;
		case OPT_TIMEOUT:
			if (opts_parse_long(&verify_help, "timeout", arg, 1, 300, &timeout) != RC_OK)
				return PINCA_EXIT_USAGE;
			break;
		}
	}
	if ((chain_path == NULL) == (connect == NULL))
		return rc_exit(opts_usage_error(&verify_help, "give one of --chain FILE or --connect HOST:PORT"));
	if (servername && connect == NULL)
		return rc_exit(opts_usage_error(&verify_help, "--servername goes with --connect"));
	if ((rc = ca_context_open(flag_dir, &ctx)) != RC_OK)
		return rc_exit(rc);
	rc = RC_FAIL;
	if (ncrl > 0 && (vo.crls = sk_X509_CRL_new_null()) == NULL)
		goto out;
	for (int i = 0; i < ncrl; i++)
		if (crl_load(crl_paths[i], vo.crls) != RC_OK)
			goto out;
	if (chain_path)
		served = certs_load_file(chain_path);
	else if ((served = verify_fetch_chain(connect, servername, (int)timeout, host,
	    sizeof(host))) != NULL && vo.host == NULL)
		vo.host = host;
	if (served == NULL)
		goto out;
	rc = verify_served_chain(&ctx, served, &vo);
out:
	sk_X509_pop_free(served, X509_free);
	sk_X509_CRL_pop_free(vo.crls, X509_CRL_free);
	ca_context_close(&ctx);
	return rc_exit(rc);
}
