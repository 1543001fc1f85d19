#!/bin/bash
# pg_migrate: `pinca db migrate --to URL` moves a SQLite store into an empty
# PostgreSQL database (#19): every table's rows arrive (sqlite3 and psql
# count the same), the copy passes `pinca --db URL db check` and `db
# audit`, the CA directory then uses PostgreSQL, and issuing continues with
# new ids. A database that already holds rows, a store already in
# PostgreSQL and a target that is not PostgreSQL are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
unset PINCA_DB
pg_start || { echo "FAIL PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
URL=$(pg_createdb target) || { echo "FAIL createdb"; echo "0 passed, 1 failed"; exit 1; }
sql() { pg_psql target "$1"; }
O=$T/o; mkdir -p "$O"

# --- a SQLite CA with something in most tables ---
setup_ca || { echo "FAIL setup"; finish; exit 1; }
for n in 1 2 3; do
  "$PINCA" issue --name "m$n" --dns "m$n.example.com" --key-out "$O/m$n.key" --cert-out "$O/m$n.pem" "${PASS[@]}" >/dev/null
done
"$PINCA" renew m1 "${PASS[@]}" >/dev/null
S2=$(openssl x509 -in "$O/m2.pem" -noout -serial | cut -d= -f2)
"$PINCA" revoke "$S2" --reason superseded >/dev/null
"$PINCA" crl --out "$T/crl1.pem" "${PASS[@]}" >/dev/null
"$PINCA" app add release-1 --from-current >/dev/null
"$PINCA" acme eab add team-a >/dev/null
TABLES="cas lineages certificates revocations crls app_releases app_pins transcripts audit acme_eab settings"
counts() { for t in $TABLES; do printf '%s=%s ' "$t" "$("$@" "SELECT count(*) FROM $t")"; done; }
LITE=$(counts sqlite3 "$PINCA_DIR/pinca.db")
check "the SQLite store has rows to copy" sh -c "echo '$LITE' | grep -q 'certificates=4 ' && echo '$LITE' | grep -q 'revocations=1 '"
AUDIT_BEFORE=$(sqlite3 "$PINCA_DIR/pinca.db" 'SELECT count(*) FROM audit')

# --- refusals first: nothing may change ---
refuse "--to with a file path" 2 "takes a PostgreSQL database" "$PINCA" db migrate --to "$T/x.db"
refuse "no --to" 2 "--to URL" "$PINCA" db migrate
check "no table was made in the target by a refusal" test "$(sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0

# --- the move ---
check "db migrate --to URL" sh -c "'$PINCA' db migrate --to '$URL' >'$T/migrate.out'"
cat "$T/migrate.out" | sed 's/^/     /'
check "it printed the rows per table" grep -q "copied  *4 rows of certificates" "$T/migrate.out"
check "it ran db check on the copy: no problems" grep -q "^db check on .*: 0 problems" "$T/migrate.out"
check "it ran db audit on the copy: intact" grep -q "^db audit on .*hash chain intact" "$T/migrate.out"
PG=$(counts sql)
check "psql counts what sqlite3 counted, table by table (audit: + the migrate record)" test \
  "$PG" = "$(echo "$LITE" | sed "s/audit=$AUDIT_BEFORE /audit=$((AUDIT_BEFORE + 1)) /")"
check "the directory now records the database" test "$(cat "$PINCA_DIR/database")" = "$URL"
check "and keeps the SQLite file aside, unused" test ! -e "$PINCA_DIR/pinca.db" -a -s "$PINCA_DIR/pinca.db.migrated"
check "pinca --db URL db check: no problems" sh -c "'$PINCA' --db '$URL' db check | grep -q ': 0 problems\$'"
check "pinca --db URL db audit: intact, every record" sh -c "'$PINCA' --db '$URL' db audit | tail -n 1 | grep -q '^$((AUDIT_BEFORE + 1)) records; hash chain intact'"
check "the copied certificates read the same (db show --pem)" sh -c "'$PINCA' db show '$S2' --pem | cmp -s - '$O/m2.pem'"
check "the revocation came along" sh -c "'$PINCA' db show '$S2' --json | grep -q '\"status\": *\"revoked\"'"
MAXID=$(sql 'SELECT max(id) FROM lineages')
check "issuing goes on in PostgreSQL" "$PINCA" issue --name m4 --dns m4.example.com --key-out "$O/m4.key" --cert-out "$O/m4.pem" "${PASS[@]}"
check "with a new id past the copied ones" test "$(sql "SELECT id FROM lineages WHERE name = 'm4'")" -gt "$MAXID"
crl_number() { python3 -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl crl -in "$1" -noout -crlnumber | cut -d= -f2)"; }
check "the next CRL" "$PINCA" crl --out "$T/crl2.pem" "${PASS[@]}"
check "numbers above the copied one" test "$(crl_number "$T/crl2.pem")" -gt "$(crl_number "$T/crl1.pem")"
check "the SQLite file was left as it was" test "$(sqlite3 "$PINCA_DIR/pinca.db.migrated" 'SELECT count(*) FROM certificates')" = 4

# --- a second store into the same database is refused ---
mkdir -p "$T/two"
PINCA_DIR=$T/two/ca "$PINCA" init >/dev/null
before=$(counts sql)
refuse "a target that already has rows" 1 "is not empty" "$PINCA" --dir "$T/two/ca" db migrate --to "$URL"
check "the refusal changed neither side" sh -c "[ '$before' = \"$(counts sql)\" ] && [ -e '$T/two/ca/pinca.db' ] && [ ! -e '$T/two/ca/database' ]"
refuse "a store already in PostgreSQL" 1 "already keeps its store in PostgreSQL" "$PINCA" db migrate --to "$(pg_createdb empty)"
finish
