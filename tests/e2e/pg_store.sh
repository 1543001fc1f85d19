#!/bin/bash
# pg_store: a CA whose store is in PostgreSQL (#19), through the real binary
# and a throwaway cluster: `init --db` records the database in the CA
# directory, then issue, revoke, crl, db check and db audit work on it
# (certificates and the CRL checked with openssl, rows with psql); --db and
# PINCA_DB that disagree with the directory are refused in one line; a
# password in the URL reaches neither the directory, the audit log nor an
# error message; db backup runs pg_dump -Fc into a new 0600 file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
unset PINCA_DB
pg_start || { echo "FAIL PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
URL=$(pg_createdb store) && OTHER=$(pg_createdb other) || { echo "FAIL createdb"; echo "0 passed, 1 failed"; exit 1; }
sql() { pg_psql store "$1"; }
O=$T/o; mkdir -p "$O"

# --- init --db and the record ---
check "init --db URL" "$PINCA" init --db "$URL"
check "the directory records the URL, and has no pinca.db" sh -c "[ \"\$(cat '$PINCA_DIR/database')\" = '$URL' ] && [ ! -e '$PINCA_DIR/pinca.db' ] && [ \$(stat -c %a '$PINCA_DIR/database') = 600 ]"
check "the schema is in PostgreSQL, with the init audit record" test "$(sql "SELECT count(*) FROM audit WHERE action = 'init'")" = 1
check "ca root and ca intermediate, without a flag" sh -c "'$PINCA' ca root --cn 'PG Root R1' --standby-cn 'PG Root R2' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca intermediate --cn 'PG Issuing CA' --pass-file '$T/pass' >/dev/null"
"$PINCA" ca show root --pem >"$T/root.pem"; "$PINCA" ca show intermediate --pem >"$T/int.pem"
check "three CAs in PostgreSQL" test "$(sql 'SELECT count(*) FROM cas')" = 3

# --- issue, revoke, crl ---
for n in web api; do
  check "issue $n" "$PINCA" issue --name $n --dns $n.example.com --key-out "$O/$n.key" --cert-out "$O/$n.pem" \
    --chain-out "$O/$n-chain.pem" "${PASS[@]}"
  check "openssl verify -x509_strict $n" openssl verify -x509_strict -purpose sslserver -CAfile "$T/root.pem" \
    -untrusted "$O/$n-chain.pem" "$O/$n.pem"
done
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^\(00\)*//'; }
SW=$(serial "$O/web.pem") SA=$(serial "$O/api.pem")
check "each certificate's row is in PostgreSQL" test "$(sql "SELECT count(*) FROM certificates WHERE serial IN ('$SW', '$SA')")" = 2
check "the stored DER is the file's certificate" test "$(sql "SELECT encode(der, 'hex') FROM certificates WHERE serial = '$SW'")" = \
  "$(openssl x509 -in "$O/web.pem" -outform der | od -An -v -tx1 | tr -d ' \n')"
check "revoke web (keyCompromise)" "$PINCA" revoke "$SW" --reason keyCompromise
refuse "revoking it twice" 1 "already revoked" "$PINCA" revoke "$SW"
check "the revocation is in PostgreSQL" test "$(sql "SELECT reason FROM revocations WHERE serial = '$SW'")" = 1
check "crl" "$PINCA" crl --out "$T/crl.pem" "${PASS[@]}"
check "the CRL verifies with the intermediate (openssl)" openssl crl -in "$T/crl.pem" -noout -CAfile "$T/int.pem"
check "the CRL lists web and not api" sh -c "openssl crl -in '$T/crl.pem' -noout -text | tr A-F a-f | grep -qi 'serial number: 0*$SW' &&
  ! openssl crl -in '$T/crl.pem' -noout -text | tr A-F a-f | grep -qi 'serial number: 0*$SA'"
cat "$T/root.pem" "$T/int.pem" >"$T/bundle.pem"
refuse "openssl -crl_check refuses the revoked certificate" 2 "revoked" sh -c "openssl verify -crl_check -CAfile '$T/bundle.pem' -CRLfile '$T/crl.pem' '$O/web.pem' >/dev/null 2>&1 || { echo 'pinca: revoked (openssl)' >&2; exit 2; }"
check "and accepts the other" openssl verify -crl_check -CAfile "$T/bundle.pem" -CRLfile "$T/crl.pem" "$O/api.pem"
check "the CRL's number is the one PostgreSQL keeps" test "$(sql 'SELECT max(number) FROM crls')" = \
  "$(python3 -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl crl -in "$T/crl.pem" -noout -crlnumber | cut -d= -f2)")"

# --- db check, db audit, db list ---
check "db check: no problems" sh -c "'$PINCA' db check | grep -q ': 0 problems\$'"
check "db audit: the chain is intact" sh -c "'$PINCA' db audit | tail -n 1 | grep -q 'hash chain intact'"
check "db audit counts every row of PostgreSQL's audit table" test \
  "$("$PINCA" db audit | tail -n 1 | cut -d' ' -f1)" = "$(sql 'SELECT count(*) FROM audit')"
check "db list --json shows web revoked and api valid" sh -c "'$PINCA' db list --json | python3 -c '
import sys, json
d = {c[\"name\"]: c[\"status\"] for c in json.load(sys.stdin)}
assert d == {\"web\": \"revoked\", \"api\": \"valid\"}, d'"
sql "UPDATE certificates SET not_after = not_after + 1 WHERE serial = '$SA'"
refuse "db check finds a row edited behind pinca's back" 1 "problem" "$PINCA" db check
sql "UPDATE certificates SET not_after = not_after - 1 WHERE serial = '$SA'"

# --- --db and PINCA_DB must agree with the directory ---
check "--db with the recorded URL (before the command)" "$PINCA" --db "$URL" db list
check "--db with the recorded URL (after the command)" "$PINCA" db list --db "$URL"
before=$(sql 'SELECT count(*) FROM audit')
refuse "--db naming another database" 2 "uses the database .*store.*--db names .*other" "$PINCA" --db "$OTHER" issue --name x --dns x.example.com --key-out "$O/x.key" --cert-out "$O/x.pem" "${PASS[@]}"
refuse "PINCA_DB naming another database" 2 "PINCA_DB names" env PINCA_DB="$OTHER" "$PINCA" db list
check "--db wins over PINCA_DB" env PINCA_DB="$OTHER" "$PINCA" --db "$URL" db list
refuse "--db with a file path" 2 "takes a PostgreSQL database" "$PINCA" --db "$T/some.db" db list
check "the refusals wrote nothing" test "$before" = "$(sql 'SELECT count(*) FROM audit')" -a ! -e "$O/x.pem"
mkdir -p "$T/lite"
PINCA_DIR=$T/lite/ca "$PINCA" init >/dev/null
refuse "a SQLite CA directory refuses --db" 2 "keeps its store in .*pinca.db.*db migrate" "$PINCA" --dir "$T/lite/ca" --db "$URL" db list
refuse "and PINCA_DB" 2 "keeps its store in" env PINCA_DB="$URL" "$PINCA" --dir "$T/lite/ca" db list
refuse "init into an existing CA directory" 1 "already a CA directory" "$PINCA" init --db "$URL"
refuse "a directory that records no database" 1 "records no database" "$PINCA" --dir "$T/nothing" --db "$URL" db list
pg_psql other "CREATE TABLE payroll (id int)"
refuse "init --db into a database that holds other tables" 1 "not a pinca database" "$PINCA" --dir "$T/foreign" init --db "$OTHER"
check "which left no CA directory behind, and the foreign database as it was" test ! -e "$T/foreign" -a \
  "$(pg_psql other "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")" = payroll

# --- a password in the URL goes nowhere ---
PWURL="postgresql://pinca:s3cret-Pw0@/store?host=$PG_DIR/sock"
check "init --db with a password in the URL (a second host joins)" "$PINCA" --dir "$T/pw" init --db "$PWURL"
check "the directory's record has no password" sh -c "! grep -rq 's3cret-Pw0' '$T/pw' && grep -qx 'postgresql://pinca@/store?host=$PG_DIR/sock' '$T/pw/database'"
check "a command with the password works" "$PINCA" --dir "$T/pw" --db "$PWURL" db list
check "the audit log never holds the password" test "$(sql "SELECT count(*) FROM audit WHERE command LIKE '%s3cret%' OR objects LIKE '%s3cret%'")" = 0
check "but records the command, redacted" test "$(sql "SELECT count(*) FROM audit WHERE command LIKE '%pinca:[redacted]@%'")" -ge 1
"$PINCA" --dir "$T/pw2" init --db "postgresql://pinca:s3cret-Pw0@/nosuchdb?host=$PG_DIR/sock" >"$T/pw.out" 2>&1
check "a failed connection's message hides the password" sh -c "[ -s '$T/pw.out' ] && ! grep -q s3cret '$T/pw.out' && [ ! -e '$T/pw2/database' ]"

# --- db backup: pg_dump -Fc into a new 0600 file ---
check "db backup on PostgreSQL" "$PINCA" db backup "$T/dump.fc"
check "the dump is 0600 and pg_restore lists the certificates" sh -c "[ \$(stat -c %a '$T/dump.fc') = 600 ] &&
  pg_restore -l '$T/dump.fc' | grep -q 'TABLE DATA public certificates'"
RESTORED=$(pg_createdb restored)
pg_restore -d "$RESTORED" "$T/dump.fc" >/dev/null 2>&1
mkdir -p "$T/r/keys" && chmod 700 "$T/r" "$T/r/keys" && cp -p "$PINCA_DIR"/keys/* "$T/r/keys/" && echo "$RESTORED" >"$T/r/database"
check "the restored copy passes db check and db audit" sh -c "'$PINCA' --dir '$T/r' db check >/dev/null && '$PINCA' --dir '$T/r' db audit | tail -n 1 | grep -q intact"
refuse "db backup over an existing file" 1 "already exists" "$PINCA" db backup "$T/dump.fc"
refuse "db backup with a password in the URL" 1 "carries a password" "$PINCA" --dir "$T/pw" --db "$PWURL" db backup "$T/dump2.fc"
check "which left no file" test ! -e "$T/dump2.fc"
finish
