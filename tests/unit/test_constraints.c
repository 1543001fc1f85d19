/* test_constraints: the name constraints of intermediates (ca/constraints.c):
 * --permit-ip parsing, the completion that excludes a name type not
 * permitted, the text and JSON shown to operators, and a malformed
 * extension that must never read as "no constraints". */
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca/constraints.h"
#include "common/err.h"
#include "tests/unit/unit.h"

/* The constraints as text, into a static buffer. */
static const char *
text_of(const NAME_CONSTRAINTS *nc)
{
	static char buf[1024];

	constraints_text(nc, buf, sizeof(buf));
	return buf;
}

int
main(void)
{
	struct permit_ip ip[2];
	const char *why = NULL, *dns[] = { "example.com" };
	NAME_CONSTRAINTS *nc;
	X509 *x;
	X509_EXTENSION *ext;
	int failed;

	pinca_err_clear();
	CHECK(permit_ip_parse("10.0.0.0/8", &ip[0], &why) == RC_OK && ip[0].len == 4 &&
	    ip[0].mask[0] == 0xff && ip[0].mask[1] == 0, "10.0.0.0/8 parses");
	CHECK(permit_ip_parse("2001:db8::/33", &ip[1], &why) == RC_OK && ip[1].len == 16 &&
	    ip[1].mask[3] == 0xff && ip[1].mask[4] == 0x80 && ip[1].mask[5] == 0, "2001:db8::/33 parses");
	CHECK(permit_ip_parse("192.168.1.1", &ip[0], &why) == RC_OK && ip[0].mask[3] == 0xff,
	    "a bare address is one host");
	CHECK(permit_ip_parse("10.0.0.1/8", &ip[0], &why) == RC_USAGE && strstr(why, "past the prefix"),
	    "host bits past the prefix are refused");
	CHECK(permit_ip_parse("10.0.0.0/33", &ip[0], &why) == RC_USAGE, "a prefix longer than 32 is refused");
	CHECK(permit_ip_parse("10.0.0.0/", &ip[0], &why) == RC_USAGE, "an empty prefix is refused");
	CHECK(permit_ip_parse("10.0.0.0/+8", &ip[0], &why) == RC_USAGE, "a signed prefix is refused");
	CHECK(permit_ip_parse("example.com/8", &ip[0], &why) == RC_USAGE, "a name is refused");

	CHECK(constraints_from_permits(NULL, 0, NULL, 0, &failed) == NULL && !failed,
	    "no permits: no constraints");
	nc = constraints_from_permits(dns, 1, NULL, 0, &failed);
	CHECK(nc && strcmp(text_of(nc), "permitted dns:example.com; excluded ip:0.0.0.0/0, ip:::/0") == 0,
	    "DNS only: every IPv4 and IPv6 address excluded");
	CHECK(nc && constraints_complete(nc) == RC_OK &&
	    strcmp(text_of(nc), "permitted dns:example.com; excluded ip:0.0.0.0/0, ip:::/0") == 0,
	    "completing twice adds nothing");
	NAME_CONSTRAINTS_free(nc);
	permit_ip_parse("10.0.0.0/8", &ip[0], &why);
	nc = constraints_from_permits(NULL, 0, ip, 1, &failed);
	CHECK(nc && strcmp(text_of(nc), "permitted ip:10.0.0.0/8; excluded dns:(every name), ip:::/0") == 0,
	    "IPv4 only: every DNS name and IPv6 address excluded");
	{
		json_t *j = constraints_json(nc);
		json_t *ex = json_object_get(j, "excluded");
		CHECK(json_array_size(ex) == 2 && strcmp(json_string_value(json_array_get(ex, 0)), "dns:") == 0,
		    "the JSON names the whole DNS exclusion 'dns:'");
		json_decref(j);
	}
	NAME_CONSTRAINTS_free(nc);
	CHECK(strcmp(text_of(NULL), "none") == 0, "no constraints read as none");

	/* Constraints that only exclude are left as they are. */
	{
		X509V3_CTX ctx;
		X509_EXTENSION *e;
		NAME_CONSTRAINTS *only;
		X509V3_set_ctx(&ctx, NULL, NULL, NULL, NULL, X509V3_CTX_TEST);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_name_constraints, "excluded;DNS:bad.example");
		only = e ? X509V3_EXT_d2i(e) : NULL;
		CHECK(only && constraints_complete(only) == RC_OK &&
		    strcmp(text_of(only), "excluded dns:bad.example") == 0,
		    "exclusions alone are not completed");
		NAME_CONSTRAINTS_free(only);
		X509_EXTENSION_free(e);
	}

	/* A certificate with the extension twice: an error, not "none". */
	x = X509_new();
	nc = constraints_from_permits(dns, 1, NULL, 0, &failed);
	ext = X509V3_EXT_i2d(NID_name_constraints, 1, nc);
	CHECK(x && ext && X509_add_ext(x, ext, -1) && X509_add_ext(x, ext, -1), "a certificate with two");
	NAME_CONSTRAINTS_free(nc);
	nc = NULL;
	pinca_err_clear();
	CHECK(constraints_of_cert(x, &nc) == RC_FAIL && nc == NULL &&
	    strstr(pinca_err_message(), "cannot be read"),
	    "two nameConstraints extensions are refused");
	X509_EXTENSION_free(ext);
	X509_free(x);
	x = X509_new();
	CHECK(constraints_of_cert(x, &nc) == RC_OK && nc == NULL, "no extension: no constraints");
	X509_free(x);
	pinca_err_clear();
	return unit_finish();
}
