#!/bin/bash
# acme_hostile: hostile and unusual requests against `pinca serve` from a
# python client (acme_client.py): alg none, HS256, wrong key, forged and
# replayed nonces, URL mismatch, oversized and chunked bodies, 150 idle
# connections, EAB missing or with a wrong HMAC, permitted domains, names
# outside the intermediate's name constraints, CSRs
# with the account key; renewalInfo before and after a revocation, replaces,
# keyChange, the pending-order limit, deactivation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.lib"

setup_ca --permit-dns test --permit-ip 127.0.0.0/8 || { bad "setup"; finish; exit 1; }
new_eab allowed-only --permit-dns allowed.test || bad "eab add"
KID2=$KID HMAC2=$HMAC
new_eab fleet || bad "eab add"
PORT=$(free_port); HP=$(free_port)
before=$(state_of)
refuse "serve: its own name outside the intermediate's constraints" 3 "own certificate.*name-constraints" \
  "$PINCA" serve --listen "127.0.0.1:$PORT" "${PASS[@]}"
[ "$before" = "$(state_of)" ] && ok "the refused start changed nothing" || bad "the refused start changed the CA directory"
refuse "serve: --eab takes required or none" 2 "--eab" "$PINCA" serve --eab sometimes
refuse "serve: --listen needs ADDR:PORT" 2 "listen" "$PINCA" serve --listen 8443
check "serve starts" start_serve --http-01-port "$HP" --resolve '*.test=127.0.0.1' \
  --resolve 'outside.example=127.0.0.1' --tls-name acme.test --tls-name 127.0.0.1
# The intermediate may issue only under test: the server's own certificate
# names its address, and clients use it.
DIRURL=https://127.0.0.1:$PORT/acme/directory
before=$(state_of)
refuse "a second server on the same port: exit 1" 1 "cannot listen" \
  "$PINCA" serve --listen "127.0.0.1:$PORT" "${PASS[@]}" --tls-name acme.test --tls-name 127.0.0.1
[ "$before" = "$(state_of)" ] && ok "and records nothing" || bad "the refused second server changed the CA directory"
DIRURL=$DIRURL ROOT=$T/root.pem PORT=$PORT HP=$HP KID=$KID HMAC=$HMAC KID2=$KID2 HMAC2=$HMAC2 T=$T PINCA=$PINCA SERVE_PID=$SERVE_PID \
  "$PY" "$(dirname "$0")/acme_hostile.py" >"$T/py.out" 2>&1
while IFS= read -r line; do
  case $line in ok\ *) ok "${line#ok   }" ;; FAIL\ *) bad "${line#FAIL }" ;; *) echo "     $line" ;; esac
done <"$T/py.out"
grep -q '^ok   SIGTERM during' "$T/py.out" || bad "the python client stopped early"
awk '/BEGIN/{n++} {print > "'"$T"'/h1-" n ".pem"}' "$T/h1.pem" 2>/dev/null
cert_ok "python-issued certificate verifies and is recorded" "$T/h1-1.pem" "$T/h1-2.pem"
check "after SIGTERM: exits 0" stop_serve
grep -q 'status=400 problem=badNonce account=0' "$T/serve.err" && grep -q 'status=413 problem=malformed' "$T/serve.err" \
  && ok "the access log names each refusal's problem type" || bad "access log problem types"
grep -q "$HMAC" "$T/serve.err" && bad "an HMAC key is in the log" || ok "no HMAC key in the log"
check "db check clean" "$PINCA" db check
check "db audit clean" "$PINCA" db audit
finish
