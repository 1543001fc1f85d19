#!/bin/bash
# db audit: every state change is one record; the hash chain is recomputed
# independently (Python's hashlib over the canonical JSON) and matches; an
# edited, removed or inserted record breaks the chain where it happened.
. "$(dirname "$0")/lib.sh"

setup_ca --no-passphrase || { echo "FAIL setup"; finish; exit 1; }
for n in a b c; do "$PINCA" issue --name "$n" --dns "$n.example.com" --key-out "$T/$n.key" >/dev/null; done
DB=$PINCA_DIR/pinca.db
rows=$(sqlite3 "$DB" 'SELECT count(*) FROM audit')

check "db audit passes on an untouched log" "$PINCA" db audit
check "the text form ends with the record count and an intact chain" sh -c "'$PINCA' db audit | tail -n 1 | grep -q '^$rows records; hash chain intact'"
"$PINCA" db audit --json >"$T/audit.json"
check "--json is one array with every record, each ok" "$PY" - "$T/audit.json" "$rows" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
assert isinstance(a, list) and len(a) == int(sys.argv[2]), len(a)
assert all(r["ok"] for r in a)
assert [r["action"] for r in a][:3] == ["init", "ca.root", "ca.intermediate"], [r["action"] for r in a]
assert [r["objects"]["lineage"] for r in a if r["action"] == "issue"] == ["a", "b", "c"]
for r in a:
    assert r["user"] and r["host"] and r["command"].startswith("pinca ") and r["at"].endswith("Z")
EOF
check "each record carries its own command line, as typed (argv[0] as pinca)" "$PY" - "$T/audit.json" "$T" <<'EOF'
import json, sys
a, t = json.load(open(sys.argv[1])), sys.argv[2]
assert a[0]["action"] == "init" and a[0]["command"] == "pinca init", a[0]["command"]
issued = [r["command"] for r in a if r["action"] == "issue"]
assert issued == ["pinca issue --name %s --dns %s.example.com --key-out %s/%s.key" % (n, n, t, n)
                  for n in "abc"], issued
EOF
check "the chain recomputed with hashlib matches every stored hash" "$PY" - "$DB" <<'EOF'
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
prev = "0" * 64
for seq, at, user, host, command, action, objects, prev_hash, h in db.execute(
        "SELECT seq, at, user, host, command, action, objects, prev_hash, hash FROM audit ORDER BY seq"):
    rec = {"seq": seq, "at": at, "user": user, "host": host, "command": command, "action": action, "objects": objects}
    canon = json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    want = hashlib.sha256((prev + "\n" + canon).encode()).hexdigest()
    assert prev_hash == prev and h == want, (seq, h, want)
    prev = h
EOF
check "the triggers refuse to edit the log" sh -c "! sqlite3 '$DB' \"UPDATE audit SET action='x' WHERE seq=1\" 2>/dev/null"
check "the triggers refuse to delete from the log" sh -c "! sqlite3 '$DB' 'DELETE FROM audit WHERE seq=1' 2>/dev/null"

# Tampering by someone who drops the triggers first.
tampered() { rm -rf "$T/$1"; cp -a "$PINCA_DIR" "$T/$1"; sqlite3 "$T/$1/pinca.db" "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; $2"; echo "$T/$1"; }
D=$(tampered edit "UPDATE audit SET objects='{\"lineage\":\"b\",\"serial\":\"00\"}' WHERE seq=5")
refuse "an edited record breaks the chain" 1 "breaks at record 5 \(1 bad link\)" "$PINCA" db audit --dir "$D"
check "the text shows where" grep -q "the hash chain breaks here: record 5" "$T/stdout"
"$PINCA" db audit --dir "$D" --json >"$T/edit.json" 2>/dev/null
check "--json marks that record, and only it, not ok" "$PY" -c "
import json; a = json.load(open('$T/edit.json')); assert [r['seq'] for r in a if not r['ok']] == [5]"
D=$(tampered delete "DELETE FROM audit WHERE seq=4")
refuse "a removed record breaks the chain at the next" 1 "breaks at record 5" "$PINCA" db audit --dir "$D"
D=$(tampered insert "UPDATE audit SET seq=seq+1 WHERE seq>=6; INSERT INTO audit SELECT 6, at, user, host, command, action, objects, hash, hash FROM audit WHERE seq=5")
refuse "an inserted record breaks the chain" 1 "breaks at record 6" "$PINCA" db audit --dir "$D"
refuse "db check reports a broken chain too" 1 "problem" "$PINCA" db check --dir "$D"
refuse "db audit takes no arguments" 2 "no arguments" "$PINCA" db audit extra

# Removing the newest records leaves a valid chain; --expect with a last
# hash recorded earlier is what shows it.
last=$("$PINCA" db audit | tail -n 1 | sed -n 's/.*; last hash \([0-9a-f]\{64\}\)$/\1/p')
fourth=$(sqlite3 "$DB" 'SELECT hash FROM audit WHERE seq=4')
check "the text form's last line gives the last record's hash" test "$last" = "$(sqlite3 "$DB" 'SELECT hash FROM audit ORDER BY seq DESC LIMIT 1')"
check "--expect with the current last hash passes" "$PINCA" db audit --expect "$last"
"$PINCA" db audit --expect "$last" >"$T/stdout"
check "and says which record has it" grep -qx "expected hash: record $rows (0 records after it)" "$T/stdout"
check "its last line is still the summary with the last hash" sh -c "tail -n 1 '$T/stdout' | grep -qx '$rows records; hash chain intact; last hash $last'"
check "--expect takes the hash in capitals too" "$PINCA" db audit --expect "$(echo "$last" | tr a-f A-F)"
check "--expect with an older record's hash passes" "$PINCA" db audit --json --expect "$fourth"
D=$(tampered truncate "DELETE FROM audit WHERE seq=$rows")
check "a log without its newest record still verifies as a chain" "$PINCA" db audit --dir "$D"
refuse "but not with --expect of the hash it had last" 1 "no record of the audit log has the expected hash $last" "$PINCA" db audit --dir "$D" --expect "$last"
refuse "nor with --json" 1 "records were removed from its end" "$PINCA" db audit --dir "$D" --json --expect "$last"
check "an older record's hash is still found there" "$PINCA" db audit --dir "$D" --expect "$fourth"
D=$(tampered truncedit "DELETE FROM audit WHERE seq=$rows; UPDATE audit SET action='x' WHERE seq=5")
refuse "a broken chain without the expected hash: one line that says both" 1 \
  "breaks at record 5 .*, and no record that verifies has the expected hash" "$PINCA" db audit --dir "$D" --expect "$last"
D=$(tampered replace "DELETE FROM audit; INSERT INTO audit SELECT * FROM audit WHERE 0")
refuse "nor in an emptied log" 1 "expected hash" "$PINCA" db audit --dir "$D" --expect "$fourth"
refuse "--expect refuses a short hash" 2 "64 hexadecimal digits" "$PINCA" db audit --expect "${last:1}"
refuse "--expect refuses a hash with a non-hex digit" 2 "64 hexadecimal digits" "$PINCA" db audit --expect "g${last:1}"
refuse "--expect refuses a longer string" 2 "64 hexadecimal digits" "$PINCA" db audit --expect "${last}0"
finish
