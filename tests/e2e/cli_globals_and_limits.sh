#!/bin/bash
# Small review findings (15): global options before the command
# (`pinca --dir X ca list`), `pins --format ios --expiration` is a usage
# error, and no fixed-size array drops data: the pin guard sees every
# lineage's leaf key (it stopped at 256), `db show`/`db list` print every
# name of a certificate, the audit log keeps a long command line whole.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
D=$PINCA_DIR
unset PINCA_DIR

check "pinca --dir DIR ca list" sh -c "'$PINCA' --dir '$D' ca list | grep -q '^intermediate '"
check "pinca --dir=DIR --json ca list is JSON" sh -c "'$PINCA' --dir='$D' --json ca list | '$PY' -c 'import json,sys; assert len(json.load(sys.stdin)) == 3'"
check "pinca --json --dir DIR db list" sh -c "'$PINCA' --json --dir '$D' db list | '$PY' -c 'import json,sys; assert json.load(sys.stdin) == []'"
refuse "pinca --dir with no value" 2 "option --dir needs a value" "$PINCA" --dir
refuse "pinca --dir DIR with no command" 2 "name a command" "$PINCA" --dir "$D"
refuse "pinca --json before a command without --json" 2 "unknown option --json" "$PINCA" --json --dir "$T/new" init
check "pinca --help shows the global options" sh -c "'$PINCA' --help | grep -q 'usage: pinca \[--dir DIR\] \[--db URL\] \[--json\] COMMAND'"
export PINCA_DIR=$D

refuse "pins --format ios --expiration is a usage error" 2 "does not apply to --format ios" \
  "$PINCA" pins --format ios --domain api.example.com --expiration 2099-01-01
refuse "  ... in either order" 2 "does not apply to --format ios" \
  "$PINCA" pins --expiration 2099-01-01 --domain api.example.com --format ios
refuse "pins --format okhttp --expiration too (OkHttp pins do not expire)" 2 "does not apply to --format okhttp" \
  "$PINCA" pins --format okhttp --domain api.example.com --expiration 2099-01-01
check "pins --format android --expiration still works" sh -c "'$PINCA' pins --format android --domain api.example.com --expiration 2099-01-01 | grep -q 'expiration=\"2099-01-01\"'"

# 300 lineages; a release that pins only the last one's leaf key is served
# today, and app list says so.
for i in $(seq 300); do printf '{"name":"n%03d","dns":["n%03d.example.com"],"key_out":"%s/n%03d.key"}\n' "$i" "$i" "$T" "$i"; done >"$T/batch"
"$PINCA" issue --batch "$T/batch" "${PASS[@]}" >"$T/bout" || { echo "FAIL batch of 300"; exit 1; }
LAST=$("$PINCA" db list --name n300 --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["pin"])')
FIRST=$("$PINCA" db list --name n001 --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["pin"])')
check "app add: a release pinning the 300th lineage's key alone is accepted" "$PINCA" app add leaf300 --pin "$LAST"
check "app add: and one pinning the first lineage's key" "$PINCA" app add leaf1 --pin "$FIRST"
check "app list: both match the served chain" sh -c "'$PINCA' app list --json | '$PY' -c 'import json,sys; r={a[\"name\"]: a[\"matches_served_chain\"] for a in json.load(sys.stdin)}; assert r == {\"leaf300\": True, \"leaf1\": True}, r'"
refuse "the pin guard still protects the 300th lineage's key" 3 "would break app release 'leaf300'" \
  "$PINCA" renew n300 --new-key "${PASS[@]}"

# A certificate with 60 long names: every one is shown, and the audit log
# keeps the whole command line (over 4 KB).
args=() last=
for i in $(seq 60); do last=$(printf 'h%02d-%s.example.com' "$i" "$(printf 'a%.0s' $(seq 50))"); args+=(--dns "$last"); done
check "issue a certificate with 60 names" "$PINCA" issue --name many "${args[@]}" --key-out "$T/many.key" --cert-out "$T/many.pem" "${PASS[@]}"
S=$(openssl x509 -in "$T/many.pem" -noout -serial | cut -d= -f2)
check "db show lists all 60 names" sh -c "[ \$('$PINCA' db show $S | grep '^names' | tr ',' '\n' | grep -c example.com) = 60 ]"
check "db list lists all 60 names" sh -c "'$PINCA' db list --name many | grep -q '$last\$'"
check "the audit log keeps the whole command line" sh -c "sqlite3 '$PINCA_DIR/pinca.db' \"SELECT command FROM audit WHERE action = 'issue' AND objects LIKE '%\\\"many\\\"%'\" | grep -q -- '--dns $last --key-out'"
finish
