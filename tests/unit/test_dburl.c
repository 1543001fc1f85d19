/* test_dburl: PostgreSQL targets (common/dburl.c): which strings are one,
 * and the two rewritten forms, password replaced (messages) and password
 * left out (the CA directory's record), in both of libpq's syntaxes. */
#include "tests/unit/unit.h"

#include "common/dburl.h"

/* dburl_redact(in) must give shown, dburl_without_password(in) bare. */
static void
rewrites(const char *in, const char *shown, const char *bare)
{
	char out[256];

	dburl_redact(in, out, sizeof(out));
	CHECK(strcmp(out, shown) == 0, in);
	if (strcmp(out, shown) != 0)
		printf("     redacted: got '%s', want '%s'\n", out, shown);
	CHECK(dburl_without_password(in, out, sizeof(out)) == 0 && strcmp(out, bare) == 0, in);
	if (strcmp(out, bare) != 0)
		printf("     without: got '%s', want '%s'\n", out, bare);
}

int
main(void)
{
	char small[16];

	CHECK(dburl_is_postgres("postgresql://h/db"), "postgresql:// is PostgreSQL");
	CHECK(dburl_is_postgres("POSTGRES://h/db"), "postgres:// in any case is PostgreSQL");
	CHECK(dburl_is_postgres("host=/tmp dbname=x"), "a key=value string from host= is PostgreSQL");
	CHECK(dburl_is_postgres("dbname=x"), "a key=value string from dbname= is PostgreSQL");
	CHECK(!dburl_is_postgres("/var/lib/pinca/pinca.db"), "a file path is not");
	CHECK(!dburl_is_postgres("mysql://h/db"), "another scheme is not");
	CHECK(!dburl_is_postgres(NULL), "NULL is not");
	rewrites("postgresql://pinca:s3cret@db.example:5432/ca",
	    "postgresql://pinca:[redacted]@db.example:5432/ca", "postgresql://pinca@db.example:5432/ca");
	rewrites("postgresql://pinca@db/ca", "postgresql://pinca@db/ca", "postgresql://pinca@db/ca");
	rewrites("postgresql://u:p@ss@db/ca?sslmode=require", "postgresql://u:[redacted]@db/ca?sslmode=require",
	    "postgresql://u@db/ca?sslmode=require");
	rewrites("postgresql:///ca?host=/run/pg&password=pw&user=u",
	    "postgresql:///ca?host=/run/pg&password=[redacted]&user=u", "postgresql:///ca?host=/run/pg&user=u");
	rewrites("postgresql:///ca?password=pw", "postgresql:///ca?password=[redacted]", "postgresql:///ca");
	rewrites("host=/run/pg dbname=ca password=pw user=u", "host=/run/pg dbname=ca password=[redacted] user=u",
	    "host=/run/pg dbname=ca user=u");
	rewrites("host=h password = 'it\\'s a secret' dbname=ca", "host=h password=[redacted] dbname=ca",
	    "host=h dbname=ca");
	rewrites("dbname=ca  PASSWORD=x", "dbname=ca password=[redacted]", "dbname=ca");
	rewrites("postgresql:///ca?host=/h&&password=p&", "postgresql:///ca?host=/h&password=[redacted]",
	    "postgresql:///ca?host=/h");
	CHECK(dburl_without_password("postgresql://host/a-rather-long-name", small, sizeof(small)) == -1,
	    "a target longer than the buffer is an error, not a cut name");
	return unit_finish();
}
