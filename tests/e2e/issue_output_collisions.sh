#!/bin/bash
# Outputs that collide (review item 2): no output of `issue` or `issue
# --batch` may be another output of the same command, a file holding a
# private key, or one of the CA directory's files (pinca.db and its
# journals, keys/), by whatever path (symlinks, '..', hard links). Each is
# refused before anything is signed: exit 1, one line, nothing changed.
# Only `renew --new-key` replaces a key: its lineage's own.
. "$(dirname "$0")/lib.sh"
setup_ca || { echo "FAIL setup"; finish; exit 1; }
O=$T/o; mkdir -p "$O"
keypin() { openssl pkey -in "$1" -pubout -outform der | openssl dgst -sha256 -binary | base64; }

before=$(state_of)
refuse "--key-out X --cert-out X" 1 "twice" \
  "$PINCA" issue --name c1 --dns c1.example.com --key-out "$O/x" --cert-out "$O/x" "${PASS[@]}"
refuse "--cert-out X --fullchain-out X by another spelling" 1 "twice" \
  "$PINCA" issue --name c2 --dns c2.example.com --key-out "$O/k2" --cert-out "$O/c.pem" --fullchain-out "$O/../o/c.pem" "${PASS[@]}"
refuse "--cert-out DIR/pinca.db" 1 "CA directory" \
  "$PINCA" issue --name c3 --dns c3.example.com --key-out "$O/k3" --cert-out "$PINCA_DIR/pinca.db" "${PASS[@]}"
refuse "--chain-out DIR/pinca.db-wal" 1 "CA directory" \
  "$PINCA" issue --name c4 --dns c4.example.com --key-out "$O/k4" --chain-out "$PINCA_DIR/pinca.db-wal" "${PASS[@]}"
ln -s "$PINCA_DIR" "$T/calink"
refuse "the CA's keys through a symlinked directory and '..'" 1 "CA directory" \
  "$PINCA" issue --name c5 --dns c5.example.com --key-out "$O/k5" --cert-out "$T/calink/../ca/keys/new.pem" "${PASS[@]}"
ln "$PINCA_DIR/pinca.db" "$T/db-hardlink"
refuse "a hard link to pinca.db" 1 "CA directory" \
  "$PINCA" issue --name c6 --dns c6.example.com --key-out "$O/k6" --cert-out "$T/db-hardlink" "${PASS[@]}"
rm -f "$T/db-hardlink"
before=$(state_of)
check "a first leaf with its key" "$PINCA" issue --name web --dns web.example.com --key-out "$O/web.key" --cert-out "$O/web.pem" "${PASS[@]}"
WEBPIN=$(keypin "$O/web.key")
before=$(state_of)
refuse "--cert-out over an existing key file" 1 "private key" \
  "$PINCA" issue --name c7 --dns c7.example.com --key-out "$O/k7" --cert-out "$O/web.key" "${PASS[@]}"
ln -s "$O/web.key" "$O/link-to-key"
refuse "--fullchain-out over a symlink to a key file" 1 "private key" \
  "$PINCA" issue --name c8 --dns c8.example.com --key-out "$O/k8" --fullchain-out "$O/link-to-key" "${PASS[@]}"
refuse "--key-out over a key" 1 "already exists" \
  "$PINCA" issue --name c9 --dns c9.example.com --key-out "$O/web.key" "${PASS[@]}"
check "refusals changed nothing, wrote no key" sh -c "[ '$before' = \"\$(cd '$PINCA_DIR' && find . -type f ! -name '*-shm' ! -name '*-wal' | sort | xargs sha256sum 2>/dev/null; sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) FROM cas; SELECT count(*) FROM audit; SELECT count(*) FROM certificates')\" ] && ! ls '$O' | grep -q '^k[0-9]'"
check "the web key is intact" test "$(keypin "$O/web.key")" = "$WEBPIN"

# --key-out F leaves an unrelated F.pending alone.
printf 'somebody else\n' >"$O/p.key.pending"
check "issue --key-out F with an F.pending present" "$PINCA" issue --name p --dns p.example.com --key-out "$O/p.key" --cert-out "$O/p.pem" "${PASS[@]}"
check "F.pending is untouched" test "$(cat "$O/p.key.pending")" = "somebody else"

# A batch: two lines with the same key_out; the second is refused, the
# first's key is the one its certificate certifies.
cat >"$T/b.jsonl" <<EOF
{"name":"b1","dns":["b1.example.com"],"key_out":"$O/b.key","cert_out":"$O/b1.pem"}
{"name":"b2","dns":["b2.example.com"],"key_out":"$O/b.key","cert_out":"$O/b2.pem"}
{"name":"b3","dns":["b3.example.com"],"key_out":"$O/b3.key","cert_out":"$O/b1.pem"}
{"name":"b4","dns":["b4.example.com"],"key_out":"$O/b4.key","cert_out":"$PINCA_DIR/pinca.db"}
EOF
"$PINCA" issue --batch "$T/b.jsonl" "${PASS[@]}" >"$T/b.out" 2>"$T/b.err"; rc=$?
check "the batch exits 1 (three lines failed)" test "$rc" = 1
check "line 1 issued, lines 2-4 refused as collisions" "$PY" - "$T/b.out" <<'PYEOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x['line'] for x in r] == [1, 2, 3, 4], r
assert 'serial' in r[0], r[0]
assert 'twice' in r[1]['error'] and 'twice' in r[2]['error'], r
assert 'CA directory' in r[3]['error'], r[3]
PYEOF
check "b.key certifies b1's certificate" test "$(keypin "$O/b.key")" = "$(spki_pin "$O/b1.pem")"
check "nothing was recorded for b2-b4" test "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM lineages WHERE name IN ('b2','b3','b4')")" = 0
# Chain outputs hold the same intermediate: lines may share one, but a
# certificate output may not be that file.
cat >"$T/c.jsonl" <<EOF
{"name":"s1","dns":["s1.example.com"],"key_out":"$O/s1.key","cert_out":"$O/s1.pem","chain_out":"$O/chain.pem"}
{"name":"s2","dns":["s2.example.com"],"key_out":"$O/s2.key","cert_out":"$O/s2.pem","chain_out":"$O/./chain.pem"}
{"name":"s3","dns":["s3.example.com"],"key_out":"$O/s3.key","cert_out":"$O/chain.pem"}
EOF
"$PINCA" issue --batch "$T/c.jsonl" "${PASS[@]}" >"$T/c.out" 2>/dev/null
check "two lines share a chain file, a third may not write its certificate there" sh -c "grep -c '\"serial\"' '$T/c.out' | grep -qx 2 && grep '\"line\":3' '$T/c.out' | grep -q twice && cmp -s '$O/chain.pem' '$T/int.pem'"
check "renew --all renews lineages that share a chain file" sh -c "'$PINCA' renew --all ${PASS[*]} >/dev/null && cmp -s '$O/chain.pem' '$T/int.pem'"
check "the database still passes db check" "$PINCA" db check

# renew --new-key replaces the lineage's own key, and only that.
check "renew --new-key rotates web's own key" "$PINCA" renew web --new-key "${PASS[@]}"
check "the new key matches the new certificate" test "$(keypin "$O/web.key")" = "$(spki_pin "$O/web.pem")"
check "and it is a new key" test "$(keypin "$O/web.key")" != "$WEBPIN"

# The same guard on the other commands that write a file: crl --out and
# pins --out never replace the database or a key.
before=$(state_of)
refuse "crl --out DIR/pinca.db" 1 "CA directory" "$PINCA" crl --out "$PINCA_DIR/pinca.db" "${PASS[@]}"
refuse "crl --out over a key file" 1 "private key" "$PINCA" crl --out "$O/web.key" "${PASS[@]}"
refuse "pins --out DIR/pinca.db-journal through a symlink" 1 "CA directory" "$PINCA" pins --out "$T/calink/pinca.db-journal"
refuse "pins --raw-dir DIR/keys" 1 "CA directory" "$PINCA" pins --format android --domain a.example --raw-dir "$PINCA_DIR/keys" --out "$O/nsc.xml"
# The ceremony's outputs too: ca csr on the issuing host, ca sign on the root's.
refuse "ca csr --out DIR/pinca.db" 1 "CA directory" "$PINCA" ca csr --cn "Next CA" --out "$PINCA_DIR/pinca.db" "${PASS[@]}"
refuse "ca csr --out over a key file" 1 "private key" "$PINCA" ca csr --cn "Next CA" --out "$O/web.key" "${PASS[@]}"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other.key" -subj /CN=Other -out "$T/other.csr" 2>/dev/null
refuse "ca sign --out DIR/pinca.db" 1 "CA directory" "$PINCA" ca sign --csr "$T/other.csr" --out "$PINCA_DIR/pinca.db" "${PASS[@]}"
check "they changed nothing" test "$before" = "$(state_of)"
check "web.key is still web's key" test "$(keypin "$O/web.key")" = "$(spki_pin "$O/web.pem")"
finish
