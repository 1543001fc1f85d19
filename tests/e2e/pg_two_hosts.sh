#!/bin/bash
# pg_two_hosts: two issuing hosts sharing one PostgreSQL database (#19).
# Host A makes the CA; host B joins with `pinca init --db URL` and a copy of
# the intermediate's key file (SPEC: "receives the intermediate's key
# file"). Both then issue at the same time, as separate processes: every
# serial is distinct, every certificate written is a row (psql), and the
# audit log is one intact chain. An app release recorded on A stops a key
# rotation on B (the pin guard reads the shared releases) until A retires it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
unset PINCA_DB
pg_start || { echo "FAIL PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
URL=$(pg_createdb shared) || { echo "FAIL createdb"; echo "0 passed, 1 failed"; exit 1; }
sql() { pg_psql shared "$1"; }
A=$T/host-a B=$T/host-b N=8
mkdir -p "$T/o"

# --- host A makes the CA; host B joins ---
check "host A: init --db, roots, intermediate" sh -c "'$PINCA' --dir '$A' init --db '$URL' >/dev/null &&
  '$PINCA' --dir '$A' ca root --cn 'Shared Root R1' --standby-cn 'Shared Root R2' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' --dir '$A' ca intermediate --cn 'Shared Issuing CA' --pass-file '$T/pass' >/dev/null"
"$PINCA" --dir "$A" ca show root --pem >"$T/root.pem"; "$PINCA" --dir "$A" ca show intermediate --pem >"$T/int.pem"
check "host B: init --db joins the same database" "$PINCA" --dir "$B" init --db "$URL"
check "the schema was not made twice: still three CAs" test "$(sql 'SELECT count(*) FROM cas')" = 3
refuse "host B cannot issue before it holds the key" 1 "intermediate" "$PINCA" --dir "$B" issue --name early --dns early.example.com --key-out "$T/o/early.key" --cert-out "$T/o/early.pem" "${PASS[@]}"
cp -p "$A"/keys/intermediate-*.key "$B/keys/"
check "host B issues with the copied key" "$PINCA" --dir "$B" issue --name b0 --dns b0.example.com \
  --key-out "$T/b0.key" --cert-out "$T/b0.pem" --chain-out "$T/b0-chain.pem" "${PASS[@]}"
check "B's certificate verifies under A's root (openssl)" openssl verify -x509_strict -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$T/b0.pem"
check "host A sees B's certificate" sh -c "'$PINCA' --dir '$A' db list | grep -q ' b0 '"

# --- both hosts issue at once ---
burst() { local dir=$1 tag=$2 i
  for i in $(seq 1 $N); do
    "$PINCA" --dir "$dir" issue --name "$tag$i" --dns "$tag$i.example.com" --key-out "$T/o/$tag$i.key" \
      --cert-out "$T/o/$tag$i.pem" --pass-file "$T/pass" >/dev/null 2>>"$T/o/$tag.err" || echo "$tag$i" >>"$T/o/failed"
  done
}
burst "$A" a & pa=$!
burst "$B" b & pb=$!
wait $pa $pb
check "no issuance failed on either host" test ! -s "$T/o/failed"
check "every certificate file was written (2 x $N)" test "$(ls "$T"/o/[ab][0-9]*.pem | wc -l)" = $((2 * N))
for f in "$T"/o/[ab][0-9]*.pem "$T/b0.pem"; do openssl x509 -in "$f" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^\(00\)*//'; done | sort >"$T/serials"
check "every serial is distinct (2 x $N + b0)" test "$(sort -u "$T/serials" | wc -l)" = "$(wc -l <"$T/serials")"
check "psql: every certificate is a row" test "$(sql 'SELECT count(*) FROM certificates')" = $((2 * N + 1))
sql "SELECT serial FROM certificates" | sort >"$T/rows"
check "psql: the rows are exactly the files' serials" cmp "$T/rows" "$T/serials"
check "every certificate verifies (openssl)" sh -c "for f in '$T'/o/[ab][0-9]*.pem; do openssl verify -CAfile '$T/root.pem' -untrusted '$T/int.pem' \"\$f\" >/dev/null || exit 1; done"
check "db audit from A: one intact chain" sh -c "'$PINCA' --dir '$A' db audit | tail -n 1 | grep -q 'hash chain intact'"
check "db audit from B: the same chain" test "$("$PINCA" --dir "$A" db audit | tail -n 1)" = "$("$PINCA" --dir "$B" db audit | tail -n 1)"
check "the chain holds one issue record per certificate" test "$(sql "SELECT count(*) FROM audit WHERE action = 'issue'")" = $((2 * N + 1))
check "db check on A: no problems" sh -c "'$PINCA' --dir '$A' db check | grep -q ': 0 problems\$'"

# --- the pin guard sees a release recorded on the other host ---
LEAF=$(spki_pin "$T/o/a1.pem")
check "host A: app add a release that pins leaf a1's key only" "$PINCA" --dir "$A" app add leafpin-1 --pin "sha256/$LEAF"
before=$(sql "SELECT count(*) FROM certificates; SELECT count(*) FROM audit")
refuse "host B: rotating a1's key is refused by A's release" 3 "leafpin-1" "$PINCA" --dir "$B" renew a1 --new-key "${PASS[@]}"
check "the refusal changed nothing" test "$before" = "$(sql "SELECT count(*) FROM certificates; SELECT count(*) FROM audit")"
check "host B: renewing with the same key is allowed" "$PINCA" --dir "$B" renew a1 "${PASS[@]}"
check "host A: app retire" "$PINCA" --dir "$A" app retire leafpin-1
check "host B: now the rotation goes through" "$PINCA" --dir "$B" renew a1 --new-key "${PASS[@]}"
check "the rotated certificate carries a new key" test "$(spki_pin "$T/o/a1.pem")" != "$LEAF"
finish
