#!/bin/bash
# db check finds every kind of damage: edited columns, a bad signature, a
# wrong issuer, a corrupted page; damaged, foreign and newer database files
# are refused with one clear line; an older database migrates forward.
. "$(dirname "$0")/lib.sh"

setup_ca --no-passphrase || { echo "FAIL setup"; finish; exit 1; }
for i in $(seq 1 12); do
  "$PINCA" issue --name "h$i" --dns "h$i.example.com" --key-out "$T/h$i.key" --cert-out "$T/h$i.pem" >/dev/null || echo "issue $i failed"
done
DB=$PINCA_DIR/pinca.db
R=$(openssl x509 -in "$T/h5.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
"$PINCA" revoke "$R" >/dev/null || echo "FAIL revoke"
check "a fresh database passes db check" "$PINCA" db check
check "the revocation was checked" sh -c "'$PINCA' db check | grep -q ', 1 revocations,'"
check "db check counts what sqlite3 counts" sh -c "'$PINCA' db check | grep -q 'checked $(sqlite3 "$DB" 'SELECT count(*) FROM cas') CAs, $(sqlite3 "$DB" 'SELECT count(*) FROM certificates') certificates'"
check "db check --json says ok" sh -c "'$PINCA' db check --json | '$PY' -c 'import json,sys; r=json.load(sys.stdin); assert r[\"ok\"] and r[\"problems\"]==[] and r[\"certificates\"]==12'"

# copy_ca NAME: a copy of the CA directory to damage.
copy_ca() { rm -rf "$T/$1"; cp -a "$PINCA_DIR" "$T/$1"; echo "$T/$1"; }
S=$(openssl x509 -in "$T/h3.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)

D=$(copy_ca pin)
sqlite3 "$D/pinca.db" "UPDATE certificates SET pin='sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' WHERE serial='$S'"
refuse "an edited pin column fails db check" 1 "1 problem found" "$PINCA" db check --dir "$D"
check "the report names the row and the column" grep -q "^certificate $S: pin column" "$T/stdout"

D=$(copy_ca fp)
sqlite3 "$D/pinca.db" "UPDATE certificates SET sha256_fingerprint='$(printf '%064d' 0)' WHERE serial='$S'"
refuse "an edited sha256_fingerprint column fails db check" 1 "1 problem found" "$PINCA" db check --dir "$D"
check "the report gives the hash of the stored DER" grep -q "^certificate $S: sha256_fingerprint column 0*, the DER hashes to $(openssl x509 -in "$T/h3.pem" -outform der | sha256sum | cut -c1-64)" "$T/stdout"

# An RSA leaf takes d2i_X509 (the P-256 ones a faster reader); damage to
# its signature is found all the same.
D=$(copy_ca rsa)
"$PINCA" issue --dir "$D" --name hr --dns hr.example.com --key rsa-2048 --key-out "$T/hr.key" --cert-out "$T/hr.pem" >/dev/null
check "an RSA leaf passes db check" "$PINCA" db check --dir "$D"
SR=$(openssl x509 -in "$T/hr.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
"$PY" - "$D/pinca.db" "$SR" <<'EOF'
import sqlite3, sys, hashlib
db = sqlite3.connect(sys.argv[1]); s = sys.argv[2]
der = bytearray(db.execute("SELECT der FROM certificates WHERE serial=?", (s,)).fetchone()[0])
der[-3] ^= 0x55
db.execute("UPDATE certificates SET der=?, sha256_fingerprint=? WHERE serial=?", (bytes(der), hashlib.sha256(der).hexdigest(), s))
db.commit()
EOF
refuse "a broken RSA signature fails db check" 1 "1 problem found" "$PINCA" db check --dir "$D"
check "the report says that signature does not verify" grep -q "^certificate $SR: the signature does not verify" "$T/stdout"

D=$(copy_ca sig)
"$PY" - "$D/pinca.db" "$S" <<'EOF'
import sqlite3, sys, hashlib
db = sqlite3.connect(sys.argv[1]); s = sys.argv[2]
der = bytearray(db.execute("SELECT der FROM certificates WHERE serial=?", (s,)).fetchone()[0])
der[-3] ^= 0x55      # inside the signature value
db.execute("UPDATE certificates SET der=?, sha256_fingerprint=? WHERE serial=?", (bytes(der), hashlib.sha256(der).hexdigest(), s))
db.commit()
EOF
refuse "a broken signature fails db check" 1 "problem" "$PINCA" db check --dir "$D"
check "the report says the signature does not verify" grep -q "^certificate $S: .*signature does not verify\|^certificate $S: the stored DER does not parse" "$T/stdout"

D=$(copy_ca issuer)
sqlite3 "$D/pinca.db" "UPDATE certificates SET issuer_id=(SELECT id FROM cas WHERE role='root') WHERE serial='$S'"
refuse "a row naming the wrong issuer fails db check" 1 "problem" "$PINCA" db check --dir "$D"
check "the report says who did not issue it" grep -q "^certificate $S: not issued by CA" "$T/stdout"

D=$(copy_ca names)
sqlite3 "$D/pinca.db" "UPDATE certificates SET dns='[\"evil.example.com\"]' WHERE serial='$S'"
refuse "an edited dns column fails db check" 1 "problem" "$PINCA" db check --dir "$D"

D=$(copy_ca revoked)
sqlite3 "$D/pinca.db" "UPDATE revocations SET serial='0102030405' WHERE serial='$R'"
refuse "a revocation of an unknown serial fails db check" 1 "problem" "$PINCA" db check --dir "$D"
check "the report names the revocation" grep -q "^revocation 0102030405: names no certificate" "$T/stdout"
D=$(copy_ca revoked2)
sqlite3 "$D/pinca.db" "UPDATE revocations SET not_after=not_after-86400 WHERE serial='$R'"
refuse "a revocation whose not_after drifted fails db check" 1 "problem" "$PINCA" db check --dir "$D"

D=$(copy_ca carow)
sqlite3 "$D/pinca.db" "UPDATE cas SET not_after=not_after+86400 WHERE role='intermediate'"
refuse "an edited CA row fails db check" 1 "problem" "$PINCA" db check --dir "$D"
check "the report names the CA's column" grep -q "^CA .*: not_after column" "$T/stdout"

# A corrupted page: a few bytes over the header of the page holding the
# not_after (covering list) index, in the middle of the file.
D=$(copy_ca page)
PAGE=$(sqlite3 "$D/pinca.db" "SELECT pageno FROM dbstat WHERE name='certificates_list' LIMIT 1")
PSIZE=$(sqlite3 "$D/pinca.db" "PRAGMA page_size")
printf '\377\377\377\377\377\377\377\377' | dd of="$D/pinca.db" bs=1 seek=$(( (PAGE - 1) * PSIZE )) conv=notrunc status=none
refuse "a corrupted page fails db check" 1 "problem" "$PINCA" db check --dir "$D"
check "the report comes from SQLite's integrity check" grep -q "^database: " "$T/stdout"
check "the rows are still checked through the table itself" grep -q "12 certificates" "$T/stdout"

# Bytes in the middle of a certificate's DER (content, not structure):
# SQLite's check passes, the DER comparison does not.
D=$(copy_ca content)
# Find one certificate's DER in the file itself and zero six bytes of it, so
# the damage always lands in a stored row, never in a page's free space.
sqlite3 "$D/pinca.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
"$PY" - "$D/pinca.db" <<'PYEOF'
import sqlite3, sys
db = sys.argv[1]
der = sqlite3.connect(db).execute("SELECT der FROM certificates LIMIT 1").fetchone()[0]
data = bytearray(open(db, 'rb').read())
at = data.find(der)
assert at > 0, "certificate DER not found in the file"
data[at + len(der) // 2: at + len(der) // 2 + 6] = b'\0' * 6
open(db, 'wb').write(data)
PYEOF
refuse "zeroed bytes inside a certificate page fail db check" 1 "problem" "$PINCA" db check --dir "$D"

D=$(copy_ca audit)
sqlite3 "$D/pinca.db" "DROP TRIGGER audit_no_update; UPDATE audit SET objects='{}' WHERE seq=4"
refuse "an edited audit record fails db check" 1 "problem" "$PINCA" db check --dir "$D"
check "the report names the audit record" grep -q "^audit log: record 4 " "$T/stdout"

# Files that are not our database.
mkdir -p "$T/notdb" "$T/foreign" "$T/empty" "$T/newer" "$T/trunc"
head -c 8192 /dev/urandom >"$T/notdb/pinca.db"
refuse "a non-SQLite pinca.db" 1 "not a pinca database" "$PINCA" db check --dir "$T/notdb"
sqlite3 "$T/foreign/pinca.db" "CREATE TABLE t(a); INSERT INTO t VALUES (1)"
refuse "a foreign SQLite file" 1 "not a pinca database" "$PINCA" db list --dir "$T/foreign"
check "the foreign file is left as it was" test "$(sqlite3 "$T/foreign/pinca.db" 'SELECT a FROM t; PRAGMA user_version')" = "$(printf '1\n0')"
: >"$T/empty/pinca.db"
refuse "an empty pinca.db" 1 "not a pinca database" "$PINCA" issue --dir "$T/empty" --name x --dns x.example.com --key-out "$T/x.key"
cp "$DB" "$T/newer/pinca.db"; sqlite3 "$T/newer/pinca.db" "PRAGMA journal_mode=DELETE; PRAGMA user_version=99" >/dev/null
sum=$(sha256sum <"$T/newer/pinca.db")
refuse "a database from a newer pinca" 1 "newer pinca .*upgrade pinca" "$PINCA" db list --dir "$T/newer"
check "the newer database is not touched (same bytes, no WAL switch)" test "$(sha256sum <"$T/newer/pinca.db")" = "$sum" -a ! -e "$T/newer/pinca.db-wal"
head -c 20000 "$DB" >"$T/trunc/pinca.db"
"$PINCA" db check --dir "$T/trunc" >"$T/stdout" 2>"$T/out"; rc=$?
check "a truncated database: exit 1, one 'pinca:' line, no crash" test "$rc" -eq 1 -a "$(wc -l <"$T/out")" -eq 1 -a "$(grep -c '^pinca: ' "$T/out")" -eq 1

# An older database (schema 1, as the first release wrote it) migrates forward.
SCHEMA1="DROP INDEX certificates_lineage_latest; DROP INDEX certificates_list; DROP INDEX lineages_id_name; CREATE INDEX certificates_not_after ON certificates(not_after); CREATE INDEX certificates_lineage ON certificates(lineage_id, not_after); CREATE INDEX certificates_issuer ON certificates(issuer_id); DROP TABLE acme_authz; DROP TABLE acme_orders; DROP TABLE acme_accounts; DROP TABLE acme_eab; PRAGMA user_version=1"
MIGRATED="SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE name IN ('certificates_lineage_latest', 'certificates_list', 'certificates_not_after', 'lineages_id_name') ORDER BY name)"
D=$(copy_ca old)
sqlite3 "$D/pinca.db" "$SCHEMA1"
check "a schema-1 database opens and passes db check" "$PINCA" db check --dir "$D"
check "it was migrated to the current schema" test "$(sqlite3 "$D/pinca.db" "PRAGMA user_version; $MIGRATED")" = "$(printf '4\ncertificates_lineage_latest certificates_list lineages_id_name')"
D=$(copy_ca old4)
sqlite3 "$D/pinca.db" "$SCHEMA1"
for i in 1 2 3 4; do "$PINCA" db list --dir "$D" >/dev/null 2>"$T/mig$i" & done; wait
check "four processes opening a schema-1 database at once all succeed" test -z "$(cat "$T"/mig[1-4])"
check "and it was migrated once" test "$(sqlite3 "$D/pinca.db" "PRAGMA user_version; $MIGRATED")" = "$(printf '4\ncertificates_lineage_latest certificates_list lineages_id_name')"
check "the original still passes db check" "$PINCA" db check
finish
