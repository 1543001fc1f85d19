/* test_cmdline: the command line as the audit log records it
 * (common/cmdline.c): argv[0] is "pinca", the arguments follow as given, and
 * what may carry a credential is redacted before it can reach a store. */
#include "tests/unit/unit.h"

#include "common/cmdline.h"

/* cmdline_set(argv) must record want. */
static void
line_is(int argc, char **argv, const char *want, const char *name)
{
	cmdline_set(argc, argv);
	CHECK(strcmp(cmdline_audit(), want) == 0, name);
	if (strcmp(cmdline_audit(), want) != 0)
		printf("     got '%s'\n", cmdline_audit());
}

int
main(void)
{
	char *plain[] = { "/usr/local/bin/pinca", "ca", "root", "--cn", "X" };
	char *exec[] = { "pinca", "renew", "--exec", "curl -u admin:s3cret https://h" };
	char *exec_eq[] = { "pinca", "renew", "--exe=token=abc" };
	char *url[] = { "pinca", "verify", "--connect", "https://user:pw@host/path" };
	char *pin[] = { "pinca", "ca", "root", "--key-uri", "pkcs11:token=t;pin-value=1234" };

	CHECK(strcmp(cmdline_audit(), "pinca") == 0, "before main sets it, the line is \"pinca\"");
	line_is(5, plain, "pinca ca root --cn X", "argv[0] is recorded as pinca, the rest as given");
	line_is(4, exec, "pinca renew --exec [redacted]", "--exec's value is redacted");
	line_is(3, exec_eq, "pinca renew --exe=[redacted]", "an abbreviated --exe=VALUE is redacted");
	line_is(4, url, "pinca verify --connect https://user:[redacted]@host/path",
	    "a URL's password is redacted");
	line_is(5, pin, "pinca ca root --key-uri pkcs11:token=t;pin-value=[redacted]",
	    "a PKCS#11 URI's pin-value is redacted");
	return unit_finish();
}
