/* sql_pg: the PostgreSQL driver behind db/sql.h, over libpq. It owns the
 * connection (one PGconn, notices silenced so nothing prints), the mapping of
 * SQLSTATE codes to sql_errclass, one-line messages with no password in them,
 * and the retry of a lost connection at BEGIN. Statements (placeholders,
 * binds, results) are db/sql_pg_stmt.c. */
#ifdef PINCA_HAVE_PG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "db/sql_pg.h"

/* Seconds libpq waits for a server that does not answer, unless the target
 * says otherwise (connect_timeout=) or PGCONNECT_TIMEOUT does. */
#define PG_CONNECT_TIMEOUT "10"
/* Seconds a first connection is tried again while the server is down or
 * restarting, silently (SPEC: retries after a lost connection are silent
 * and bounded). */
#define PG_CONNECT_RETRY 5.0

/* Replaces every occurrence of secret in msg with "***" (msglen bytes). */
static void
pg_scrub(char *msg, size_t msglen, const char *secret)
{
	char out[512];
	size_t n, o = 0;

	if (secret == NULL || (n = strlen(secret)) == 0)
		return;
	for (const char *p = msg; *p != '\0' && o + 4 < sizeof(out);) {
		if (strncmp(p, secret, n) == 0) {
			memcpy(out + o, "***", 3);
			o += 3;
			p += n;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	snprintf(msg, msglen, "%s", out);
}

/* Copies the first line of text into msg, without libpq's "ERROR:  " head,
 * with the connection's password (if any) taken out. */
void
pg_one_line(char *msg, size_t msglen, const char *text, const char *password)
{
	size_t n;

	if (msglen == 0)
		return;
	if (text == NULL || *text == '\0')
		text = "unknown PostgreSQL error";
	if (strncmp(text, "ERROR:  ", 8) == 0 || strncmp(text, "FATAL:  ", 8) == 0)
		text += 8;
	n = strcspn(text, "\r\n");
	if (n >= msglen)
		n = msglen - 1;
	memcpy(msg, text, n);
	msg[n] = '\0';
	while (n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	/* libpq quotes the server's refusal after its own words ("...
	 * failed: FATAL:  database ... does not exist"). */
	for (char *head; (head = strstr(msg, "FATAL:  ")) != NULL || (head = strstr(msg, "ERROR:  ")) != NULL;)
		memmove(head, head + 8, strlen(head + 8) + 1);
	pg_scrub(msg, msglen, password);
}

/* Maps a SQLSTATE to the class the store acts on; NULL (no result from the
 * server) counts as a lost connection. See PostgreSQL's Appendix A. */
static enum sql_errclass
pg_class_of(const char *sqlstate)
{
	if (sqlstate == NULL || strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
	    strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0)
		return SQL_E_CONN;
	if (strcmp(sqlstate, "23505") == 0)
		return SQL_E_CONSTRAINT;
	if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
		return SQL_E_SERIALIZE;
	if (strcmp(sqlstate, "53100") == 0)
		return SQL_E_FULL;
	if (strcmp(sqlstate, "55P03") == 0)
		return SQL_E_BUSY;
	if (strcmp(sqlstate, "58030") == 0)
		return SQL_E_IO;
	if (strcmp(sqlstate, "XX001") == 0 || strcmp(sqlstate, "XX002") == 0)
		return SQL_E_CORRUPT;
	return SQL_E_OTHER;
}

/* Records the failure a result (or, with res NULL, the connection) reports:
 * its class and its one-line message. Always returns SQL_ERR. */
int
pg_fail(struct pg_conn *pc, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *text = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	pc->errclass = pg_class_of(state);
	if (PQstatus(pc->pg) == CONNECTION_BAD)
		pc->errclass = SQL_E_CONN;
	if (text == NULL)
		text = PQerrorMessage(pc->pg);
	pg_one_line(pc->errmsg, sizeof(pc->errmsg), text, PQpass(pc->pg));
	if (pc->errclass == SQL_E_CONN && strstr(pc->errmsg, "connection") == NULL) {
		static const char head[] = "connection to PostgreSQL lost: ";
		size_t n = strnlen(pc->errmsg, sizeof(pc->errmsg) - sizeof(head));
		memmove(pc->errmsg + sizeof(head) - 1, pc->errmsg, n);
		memcpy(pc->errmsg, head, sizeof(head) - 1);
		pc->errmsg[sizeof(head) - 1 + n] = '\0';
	}
	return SQL_ERR;
}

/* Records a failure of the driver itself (out of memory, bad index). */
int
pg_fail_text(struct pg_conn *pc, enum sql_errclass class, const char *text)
{
	pc->errclass = class;
	snprintf(pc->errmsg, sizeof(pc->errmsg), "%s", text);
	return SQL_ERR;
}

/* Seconds on the monotonic clock. */
static double
pg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Notices (a table that exists already, ...) are not errors: libpq's default
 * would print them on stderr. */
static void
pg_notice_drop(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Reconnects a connection found broken; SQL_OK when it works again. Named
 * prepared statements died with the old session: the generation count tells
 * the statements to prepare again. */
int
pg_reconnect(struct pg_conn *pc)
{
	double now = pg_now();

	/* The store retries a lost connection at BEGIN in a loop of short
	 * sleeps; connecting again at most once a second keeps that loop from
	 * costing a connect timeout per turn when the server is unreachable. */
	if (pc->reconnect_failed_at > 0 && now - pc->reconnect_failed_at < 1.0) {
		pc->errclass = SQL_E_CONN;
		memcpy(pc->errmsg, pc->reconnect_msg, sizeof(pc->errmsg));
		return SQL_ERR;
	}
	PQreset(pc->pg);
	if (PQstatus(pc->pg) != CONNECTION_OK) {
		pc->reconnect_failed_at = pg_now();
		pg_fail(pc, NULL);
		memcpy(pc->reconnect_msg, pc->errmsg, sizeof(pc->errmsg));
		return SQL_ERR;
	}
	pc->reconnect_failed_at = 0;
	pc->generation++;
	return SQL_OK;
}

/* Runs one simple-protocol string; SQL_OK or SQL_ERR. */
static int
pg_exec_once(struct pg_conn *pc, const char *sql)
{
	PGresult *res;
	int rc = SQL_OK;

	if (!PQsendQuery(pc->pg, sql))
		return pg_fail(pc, NULL);
	/* Every statement of the string has a result; the first error counts. */
	while ((res = PQgetResult(pc->pg)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (rc == SQL_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
		    st != PGRES_EMPTY_QUERY)
			rc = pg_fail(pc, res);
		/* COMMIT of a transaction an error aborted rolls it back and
		 * says so only in its tag: that is no commit. */
		else if (rc == SQL_OK && strncasecmp(sql, "COMMIT", 6) == 0 &&
		    strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
			rc = pg_fail_text(pc, SQL_E_OTHER, "the transaction was rolled back after an "
			    "earlier error in it; nothing of it was recorded");
		else if (rc == SQL_OK)
			pg_note_changes(pc, res);
		PQclear(res);
	}
	if (rc == SQL_OK && PQstatus(pc->pg) == CONNECTION_BAD)
		rc = pg_fail(pc, NULL);
	return rc;
}

/* sql_exec: runs ';'-separated statements. A string that opens a
 * transaction (BEGIN ...) is sent again once over a new connection when the
 * old one turns out lost: nothing of the caller's is in flight at BEGIN, and
 * the server rolled back whatever the dead session had open. */
static int
pg_exec(struct sql_conn *c, const char *sql)
{
	struct pg_conn *pc = (struct pg_conn *)c;
	int rc;

	pc->errclass = SQL_E_NONE;
	pc->errmsg[0] = '\0';
	pg_conn_idle(pc);
	if (PQstatus(pc->pg) == CONNECTION_BAD && strncasecmp(sql, "BEGIN", 5) == 0 &&
	    pg_reconnect(pc) != SQL_OK)
		return SQL_ERR;
	rc = pg_exec_once(pc, sql);
	if (rc != SQL_OK && pc->errclass == SQL_E_CONN && strncasecmp(sql, "BEGIN", 5) == 0 &&
	    pg_reconnect(pc) == SQL_OK)
		rc = pg_exec_once(pc, sql);
	return rc;
}

/* Records the row count of an INSERT, UPDATE, DELETE or MERGE result (the
 * other commands leave sql_changes alone, as in SQLite). */
void
pg_note_changes(struct pg_conn *pc, PGresult *res)
{
	const char *tag = PQcmdStatus(res);

	if (strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
	    strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0)
		pc->changes = strtoll(PQcmdTuples(res), NULL, 10);
}

static int64_t
pg_changes(const struct sql_conn *c)
{
	return ((const struct pg_conn *)c)->changes;
}

static const char *
pg_errmsg(const struct sql_conn *c)
{
	return ((const struct pg_conn *)c)->errmsg;
}

static enum sql_errclass
pg_errclass(const struct sql_conn *c)
{
	return ((const struct pg_conn *)c)->errclass;
}

static void *
pg_native(struct sql_conn *c)
{
	return ((struct pg_conn *)c)->pg;
}

/* Closes the session and frees c. */
static void
pg_close(struct sql_conn *c)
{
	struct pg_conn *pc = (struct pg_conn *)c;

	PQfinish(pc->pg);
	free(pc);
}

const struct sql_driver pg_driver = {
	.dialect = SQL_POSTGRES,
	.name = "postgresql",
	.close = pg_close,
	.errmsg = pg_errmsg,
	.errclass = pg_errclass,
	.native = pg_native,
	.exec = pg_exec,
	.changes = pg_changes,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_is_null = pg_col_is_null,
	.col_int64 = pg_col_int64,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_type = pg_col_type,
	.reset = pg_reset,
	.finalize = pg_finalize,
};

/* The password a target carries, for taking it out of messages: the
 * password= of a key=value string, or the part after ':' of a URL's user
 * information. Returns a new string or NULL. */
char *
pg_target_password(const char *target)
{
	PQconninfoOption *opts = PQconninfoParse(target, NULL);
	const char *p, *end, *at, *colon;
	char *pw = NULL;

	if (opts != NULL) {
		for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
			if (pw == NULL && strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0])
				pw = strdup(o->val);
		PQconninfoFree(opts);
		if (pw != NULL)
			return pw;
	}
	/* A URL libpq could not parse still must not show its password. */
	if ((p = strstr(target, "://")) == NULL)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?");
	at = memrchr(p, '@', (size_t)(end - p));
	colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
	if (colon == NULL || colon + 1 >= at)
		return NULL;
	return strndup(colon + 1, (size_t)(at - colon - 1));
}

/* Connects pc->pg. A server that is not there or not accepting
 * connections yet (restarting, shutting down: PQping says so) is tried
 * again every 200 ms for PG_CONNECT_RETRY seconds; a server that answers
 * and refuses (no such database, a wrong password) is not. SQL_OK, or
 * SQL_ERR with pc->pg holding the last failure (or NULL). */
static int
pg_connect_retrying(struct pg_conn *pc, const char *const *keys, const char *const *vals)
{
	double start = pg_now();
	struct timespec pause = { 0, 200 * 1000000L };

	for (;;) {
		/* connect_timeout first: a value in target (processed later) wins. */
		pc->pg = PQconnectdbParams(keys, vals, 1);
		if (pc->pg != NULL && PQstatus(pc->pg) == CONNECTION_OK)
			return SQL_OK;
		if (pc->pg == NULL || pg_now() - start >= PG_CONNECT_RETRY)
			return SQL_ERR;
		switch (PQpingParams(keys, vals, 1)) {
		case PQPING_REJECT:
		case PQPING_NO_RESPONSE:
			break;
		default:
			return SQL_ERR;
		}
		if (pg_now() - start >= PG_CONNECT_RETRY)
			return SQL_ERR;
		PQfinish(pc->pg);
		pc->pg = NULL;
		nanosleep(&pause, NULL);
	}
}

/* sql_open for PostgreSQL: connects to target (a postgresql:// URL or a
 * key=value string). create is SQLite's and has no meaning here. */
int
pg_driver_open(const char *target, int create, struct sql_conn **out, char *msg, size_t msglen)
{
	/* Over TCP, a server gone without a word (a partition, a host powered
	 * off) is noticed within about a minute, not the kernel's two hours:
	 * keepalive probes after 30 s idle, and sent data unacknowledged for
	 * 60 s ends the connection. Unix sockets ignore both; the target's own
	 * values win (it comes after them). */
	const char *keys[] = { "connect_timeout", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "tcp_user_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { PG_CONNECT_TIMEOUT, "30", "10", "3", "60000", "pinca", target, NULL };
	struct pg_conn *pc;
	char line[512];

	(void)create;
	*out = NULL;
	if (getenv("PGCONNECT_TIMEOUT") != NULL)
		vals[0] = NULL;	/* NULL: libpq reads the environment */
	if ((pc = calloc(1, sizeof(*pc))) == NULL) {
		if (msg != NULL && msglen > 0)
			snprintf(msg, msglen, "out of memory");
		return SQL_ERR;
	}
	pc->base.drv = &pg_driver;
	if (pg_connect_retrying(pc, keys, vals) != SQL_OK) {
		char *pw = pg_target_password(target);
		pg_one_line(line, sizeof(line), pc->pg ? PQerrorMessage(pc->pg) : "out of memory", pw);
		if (pw != NULL) {
			memset(pw, 0, strlen(pw));
			free(pw);
		}
		if (msg != NULL && msglen > 0)
			snprintf(msg, msglen, "%s", line);
		PQfinish(pc->pg);
		free(pc);
		return SQL_ERR;
	}
	PQsetNoticeProcessor(pc->pg, pg_notice_drop, NULL);
	*out = &pc->base;
	return SQL_OK;
}
#endif
