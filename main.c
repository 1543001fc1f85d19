/* pinca: a private certificate authority for apps that pin TLS keys.
 * This file is the dispatch table: command name -> cmd_*(); nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/cmd.h"
#include "ca/cmd.h"
#include "common/cmdline.h"
#include "common/crypto_init.h"
#include "common/err.h"
#include "db/cmd.h"
#include "db/store.h"
#include "issue/cmd.h"
#include "revoke/cmd.h"

static const struct subcommand commands[] = {
	{ "init", cmd_init, "create the CA directory and database" },
	{ "ca", cmd_ca, "roots, intermediates and the ceremony" },
	{ "issue", cmd_issue, "issue leaf certificates (one, or a batch of JSON lines)" },
	{ "renew", cmd_renew, "renew lineages, keeping their keys unless told" },
	{ "pins", cmd_pins, "pin configuration for the apps" },
	{ "revoke", cmd_revoke, "revoke a certificate (recorded; published by crl)" },
	{ "crl", cmd_crl, "make the signed CRL of a CA held here" },
	{ "verify", cmd_verify, "check a served chain or a live server against the pins" },
	{ "app", cmd_app, "app releases and the pins they carry" },
	{ "db", cmd_db, "the certificate database: list, show, check, audit, backup" },
	{ "serve", cmd_serve, "serve ACME (RFC 8555) to certbot, lego and the rest" },
	{ "acme", cmd_acme, "the ACME server's bindings and accounts" },
	{ NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	char **args;
	int rc;

	cmdline_set(argc, argv);
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)) {
		printf("pinca " PINCA_VERSION "\n");
		return PINCA_EXIT_OK;
	}
	argv[0] = "pinca";
	crypto_init();
	if ((args = subcommand_globals(&argc, argv)) == NULL) {
		pinca_err_print();
		return PINCA_EXIT_USAGE;
	}
	/* The top level is a command group like any other. */
	rc = subcommand_dispatch("", commands, argc, args);
	free(args);
	/* Errors are values: the failed command's line is printed here, once. */
	if (rc != PINCA_EXIT_OK)
		pinca_err_print();
	return rc;
}
