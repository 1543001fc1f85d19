#!/bin/bash
# Renewal that fails halfway, and deploy hooks (review item 8). A lineage
# that cannot be renewed is one line and exit 1 while the others renew; a
# hook that fails runs again on the next run's --exec (even with nothing
# due) until it succeeds; the hook sees PINCA_RENEWED (the names) and, per
# lineage, PINCA_RENEWED_<i>_NAME, _CERT, _CHAIN, _FULLCHAIN and _KEY.
. "$(dirname "$0")/lib.sh"
setup_ca || { echo "FAIL setup"; finish; exit 1; }
O=$T/o; mkdir -p "$O"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/api.key" -subj /CN=api \
  -addext subjectAltName=DNS:api.example.com -out "$T/api.csr" 2>/dev/null
check "issue web (generated key, every file)" "$PINCA" issue --name web --dns web.example.com --key-out "$O/web.key" \
  --cert-out "$O/web.pem" --chain-out "$O/web-chain.pem" --fullchain-out "$O/web-full.pem" "${PASS[@]}"
check "issue api (from a CSR, certificate only)" "$PINCA" issue --name api --csr "$T/api.csr" --cert-out "$O/api.pem" "${PASS[@]}"
n() { sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM certificates c JOIN lineages l ON l.id = c.lineage_id WHERE l.name = '$1'"; }

# --new-key over both: the CSR lineage cannot rotate; web does.
refuse "renew --all --new-key with a CSR lineage: exit 1, one line naming it" 1 "lineage 'api' was issued from a CSR" \
  "$PINCA" renew --all --new-key "${PASS[@]}"
check "web was renewed with a new key, api was not renewed" sh -c "[ $(n web) = 2 ] && [ $(n api) = 1 ] && grep -q '^web	.*	new key' '$T/stdout'"
check "web's new key matches web.pem" test "$(openssl pkey -in "$O/web.key" -pubout -outform der | openssl dgst -sha256 -binary | base64)" = "$(spki_pin "$O/web.pem")"
refuse "renew api --new-key alone is a usage error" 2 "issued from a CSR" "$PINCA" renew api --new-key "${PASS[@]}"

# A failing hook: exit 1, one line; it runs again next time, for both.
refuse "a failing hook: exit 1, one line" 1 "deploy hook failed" "$PINCA" renew --all --exec "exit 3" "${PASS[@]}"
check "both lineages were renewed anyway" test "$(n web):$(n api)" = "3:2"
HOOK="env | grep '^PINCA_RENEWED' | sort >'$T/env'; echo run >>'$T/hook.log'"
: >"$T/hook.log"
check "next run, nothing due: the owed hook runs" "$PINCA" renew --due 30 --exec "$HOOK" "${PASS[@]}"
check "it ran once and nothing was renewed" test "$(cat "$T/hook.log"):$(n web):$(n api)" = "run:3:2"
cat >"$T/want" <<EOF
PINCA_RENEWED=api web
PINCA_RENEWED_1_CERT=$O/api.pem
PINCA_RENEWED_1_CHAIN=
PINCA_RENEWED_1_FULLCHAIN=
PINCA_RENEWED_1_KEY=
PINCA_RENEWED_1_NAME=api
PINCA_RENEWED_2_CERT=$O/web.pem
PINCA_RENEWED_2_CHAIN=$O/web-chain.pem
PINCA_RENEWED_2_FULLCHAIN=$O/web-full.pem
PINCA_RENEWED_2_KEY=$O/web.key
PINCA_RENEWED_2_NAME=web
PINCA_RENEWED_COUNT=2
EOF
check "the hook's environment names each lineage's files" diff "$T/want" "$T/env"
check "the files it names hold the newest certificates" sh -c "openssl verify -CAfile '$T/root.pem' -untrusted '$O/web-chain.pem' '$O/web.pem' '$O/api.pem' >/dev/null && cat '$O/web.pem' '$O/web-chain.pem' | cmp -s - '$O/web-full.pem'"
: >"$T/hook.log"
check "the hook succeeded: the run after does not run it" sh -c "'$PINCA' renew --due 30 --exec \"$HOOK\" ${PASS[*]} && [ ! -s '$T/hook.log' ]"
check "--dry-run --exec names no owed hook now" sh -c "! '$PINCA' renew --due 30 --dry-run --exec true | grep -q 'hook'"
refuse "a failing hook for one lineage" 1 "deploy hook failed" "$PINCA" renew web --exec "exit 4" "${PASS[@]}"
check "--dry-run --exec says the hook is owed for web" sh -c "'$PINCA' renew --due 30 --dry-run --exec true | grep -q 'hook again for web'"
: >"$T/hook.log"
check "renew api --exec: the hook runs for api and the owed web" sh -c "'$PINCA' renew api --exec \"$HOOK\" ${PASS[*]} >/dev/null && grep -qx 'PINCA_RENEWED=api web' '$T/env'"
finish
