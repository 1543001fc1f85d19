# verify: `pinca verify` checks a chain file or a live server (order, path
# to a known root, validity, host, revocation, release pins), and agrees
# with curl --pinnedpubkey against a real TLS server (openssl s_server)
# before and after the leaf key rotates.
. "$(dirname "$0")/lib.sh"

SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# serve CERT KEY CHAIN: (re)starts openssl s_server on $PORT.
serve() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  openssl s_server -accept "127.0.0.1:$PORT" -cert "$1" -key "$2" -cert_chain "$3" -www -quiet >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# pinned_curl: curl with the --pinnedpubkey argument exactly as `pinca pins --format curl` wrote it.
pinned_curl() { eval "curl -sS -o /dev/null --max-time 5 --cacert '$T/root.pem' --resolve localhost:$PORT:127.0.0.1 $(cat "$T/curl-arg") https://localhost:$PORT/"; }

setup_ca || { echo "FAIL setup"; finish; exit 1; }
check "issue the web leaf" "$PINCA" issue --name web --dns localhost --key-out "$T/web.key" --cert-out "$T/web.pem" \
  --chain-out "$T/web-chain.pem" --fullchain-out "$T/web-full.pem" "${PASS[@]}"
check "release r1 pins both roots" "$PINCA" app add r1 --from-current

# --- chain files ---
check "a good chain verifies" "$PINCA" verify --chain "$T/web-full.pem" --host localhost
check "findings name the path and the release" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --host localhost |
  grep -q \"^ok   path: 'localhost' -> 'Test Issuing CA' -> 'Test Root R1'\" &&
  '$PINCA' verify --chain '$T/web-full.pem' | grep -q \"^ok   pins: app release 'r1' pins 'Test Root R1'\""
check "--json: one document with every finding" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --host localhost --json | '$PY' -c '
import sys, json
d = json.load(sys.stdin)
assert d[\"ok\"] is True and d[\"failures\"] == 0
s = {f[\"check\"]: f[\"status\"] for f in d[\"findings\"]}
assert s[\"path\"] == \"ok\" and s[\"host\"] == \"ok\" and s[\"pins\"] == \"ok\", s'"
check "--json reports a failure and exits 1" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --host nope.example --json 2>/dev/null | '$PY' -c '
import sys, json
d = json.load(sys.stdin); assert d[\"ok\"] is False and d[\"failures\"] == 1' && ! '$PINCA' verify --chain '$T/web-full.pem' --host nope.example --json >/dev/null 2>&1"
check "openssl agrees the chain is good" openssl verify -CAfile "$T/root.pem" -untrusted "$T/web-chain.pem" "$T/web.pem"
refuse "wrong host name fails" 1 "1 of [0-9]+ checks failed" "$PINCA" verify --chain "$T/web-full.pem" --host www.example.org
check "the host finding says so" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --host www.example.org | grep -q '^FAIL host'"
cat "$T/web-chain.pem" "$T/web.pem" >"$T/reversed.pem"
refuse "a chain out of order fails" 1 "checks failed" "$PINCA" verify --chain "$T/reversed.pem"
check "the order finding says so" sh -c "'$PINCA' verify --chain '$T/reversed.pem' | grep -q '^FAIL order'"
refuse "a leaf without its intermediate has no path" 1 "checks failed" "$PINCA" verify --chain "$T/web.pem"
: >"$T/empty.pem"
refuse "an empty chain file" 1 "empty.pem" "$PINCA" verify --chain "$T/empty.pem"
echo "not a certificate" >"$T/junk.pem"
refuse "a file with no certificate" 1 "junk.pem" "$PINCA" verify --chain "$T/junk.pem"
refuse "no chain and no server" 2 "give one of" "$PINCA" verify
refuse "both chain and server" 2 "give one of" "$PINCA" verify --chain "$T/web-full.pem" --connect 127.0.0.1:1

# A chain from another CA: no path, and no release finds its pins.
( export PINCA_DIR=$T/other; "$PINCA" init && "$PINCA" ca root --cn Other "${PASS[@]}" && "$PINCA" ca intermediate --cn OtherI "${PASS[@]}" &&
  "$PINCA" issue --name web --dns localhost --key-out "$T/o.key" --fullchain-out "$T/other-full.pem" "${PASS[@]}" ) >/dev/null 2>&1
refuse "a foreign chain fails" 1 "checks failed" "$PINCA" verify --chain "$T/other-full.pem" --host localhost
check "foreign chain: path and pins findings fail" sh -c "'$PINCA' verify --chain '$T/other-full.pem' > '$T/f.out'; grep -q '^FAIL path' '$T/f.out' && grep -q \"^FAIL pins: app release 'r1'\" '$T/f.out'"

# --- revocation with a CRL made by python cryptography ---
IKEY=$(ls "$PINCA_DIR"/keys/intermediate-*.key | head -n 1)
mkcrl() { "$PY" - "$IKEY" "$T/pass" "$T/int.pem" "$1" "$2" <<'EOF'
import sys, datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read().strip())
issuer = x509.load_pem_x509_certificate(open(sys.argv[3], "rb").read())
now = datetime.datetime.now(datetime.timezone.utc)
b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
     .last_update(now - datetime.timedelta(minutes=5)).next_update(now + datetime.timedelta(days=7))
     .add_extension(x509.CRLNumber(1), False)
     .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False))
if sys.argv[5] != "none":
    b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(int(sys.argv[5], 16))
        .revocation_date(now).build())
open(sys.argv[4], "wb").write(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
EOF
}
SERIAL=$(openssl x509 -in "$T/web.pem" -noout -serial | cut -d= -f2)
if mkcrl "$T/empty.crl" none && mkcrl "$T/revoked.crl" "$SERIAL"; then
  check "a CRL without the leaf passes" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --crl '$T/empty.crl' | grep -q '^ok   revocation'"
  refuse "a CRL listing the leaf fails" 1 "checks failed" "$PINCA" verify --chain "$T/web-full.pem" --crl "$T/revoked.crl"
  check "the revocation finding says revoked" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --crl '$T/revoked.crl' | grep -q '^FAIL revocation: certificate revoked'"
else
  bad "python cryptography could not make a CRL"
fi
refuse "a CRL file that is not a CRL" 1 "not a CRL" "$PINCA" verify --chain "$T/web-full.pem" --crl "$T/junk.pem"

# --- a live server, curl --pinnedpubkey and verify --connect ---
PORT=$(free_port)
check "s_server serves the issued chain" serve "$T/web.pem" "$T/web.key" "$T/web-chain.pem"
"$PINCA" pins --format curl --leaf web >"$T/curl-arg"
check "curl with pinca's --pinnedpubkey succeeds" pinned_curl
check "verify --connect passes" "$PINCA" verify --connect "127.0.0.1:$PORT" --servername localhost
check "verify --connect saw the served chain" sh -c "'$PINCA' verify --connect 127.0.0.1:$PORT --servername localhost | grep -q \"^ok   path: 'localhost' -> 'Test Issuing CA'\""

LEAF=$(spki_pin "$T/web.pem")
check "release r2 pins the leaf key and the primary root" "$PINCA" app add r2 --pin "sha256/$LEAF" --pin "sha256/$(spki_pin "$T/root.pem")"
check "release r3 pins only the leaf key" "$PINCA" app add r3 --pin "sha256/$LEAF"
refuse "renew --new-key is refused while r3 pins the leaf" 3 "lineage 'web'.*release 'r3'" "$PINCA" renew web --new-key "${PASS[@]}"
check "the refused renew left the key alone" sh -c "[ \"\$(openssl pkey -in '$T/web.key' -pubout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)\" = '$LEAF' ]"
check "renew --new-key --force goes through" "$PINCA" renew web --new-key --force "${PASS[@]}"
check "the audit log records the forced renewal" sh -c "sqlite3 '$PINCA_DIR/pinca.db' \"SELECT objects FROM audit WHERE action = 'renew'\" | grep -q '\"forced\": *true'"
check "the new key differs" sh -c "[ \"\$(spki_pin() { openssl x509 -in \"\$1\" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64; }; spki_pin '$T/web.pem')\" != '$LEAF' ]"
check "s_server serves the renewed chain" serve "$T/web.pem" "$T/web.key" "$T/web-chain.pem"
if pinned_curl 2>"$T/curl.err"; then bad "curl with the old leaf pin still succeeds"; else ok "curl with the old leaf pin fails"; fi
refuse "verify --connect agrees: r3 is broken" 1 "checks failed" "$PINCA" verify --connect "127.0.0.1:$PORT" --servername localhost
check "verify --connect names r3 and keeps r1, r2" sh -c "'$PINCA' verify --connect 127.0.0.1:$PORT --servername localhost > '$T/c.out';
  grep -q \"^FAIL pins: app release 'r3'\" '$T/c.out' && grep -q \"^ok   pins: app release 'r1'\" '$T/c.out' && grep -q \"^ok   pins: app release 'r2'\" '$T/c.out'"
"$PINCA" pins --format curl --leaf web >"$T/curl-arg"
check "curl with the new --pinnedpubkey succeeds" pinned_curl
check "retire r3" "$PINCA" app retire r3
check "verify --connect passes again" "$PINCA" verify --connect "127.0.0.1:$PORT" --servername localhost
refuse "wrong SNI name fails the host check" 1 "checks failed" "$PINCA" verify --connect "127.0.0.1:$PORT" --servername www.example.org

# --- revocation as recorded by pinca revoke, and pinca's own CRL ---
check "issue the api leaf" "$PINCA" issue --name api --dns localhost --key-out "$T/api.key" --cert-out "$T/api.pem" \
  --fullchain-out "$T/api-full.pem" "${PASS[@]}"
check "before revocation the record check passes" sh -c "'$PINCA' verify --chain '$T/api-full.pem' | grep -q '^ok   revocation: nothing in the chain is revoked'"
check "revoke the api leaf" "$PINCA" revoke --name api --reason keyCompromise
refuse "a revoked leaf fails verify" 1 "checks failed" "$PINCA" verify --chain "$T/api-full.pem"
check "the finding names the serial" sh -c "'$PINCA' verify --chain '$T/api-full.pem' | grep -q \"^FAIL revocation: 'localhost' (serial \$(openssl x509 -in '$T/api.pem' -noout -serial | cut -d= -f2 | tr A-F a-f)\""
check "pinca crl publishes it" "$PINCA" crl --out "$T/pinca.crl" "${PASS[@]}"
check "openssl finds the serial in pinca's CRL" sh -c "openssl crl -in '$T/pinca.crl' -noout -text | tr -d ' :' | grep -qi \"\$(openssl x509 -in '$T/api.pem' -noout -serial | cut -d= -f2)\""
check "verify --crl with pinca's CRL says revoked" sh -c "'$PINCA' verify --chain '$T/api-full.pem' --crl '$T/pinca.crl' | grep -q '^FAIL revocation: certificate revoked'"
check "the web leaf is not on pinca's CRL" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --crl '$T/pinca.crl' | grep -q '^ok   revocation: the leaf is not on'"

# --- servers that do not answer ---
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
refuse "a closed port is a clear error" 1 "cannot connect to 127.0.0.1:$PORT" "$PINCA" verify --connect "127.0.0.1:$PORT"
# A listener that accepts but never speaks TLS.
"$PY" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5); print(s.getsockname()[1], flush=True); time.sleep(20)' >"$T/silent" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$T/silent" ] && break; sleep 0.1; done
start=$(date +%s)
refuse "a silent server times out" 1 "did not complete the TLS handshake within 2 seconds" "$PINCA" verify --connect "127.0.0.1:$(cat "$T/silent")" --timeout 2
check "the timeout was honoured" test $(( $(date +%s) - start )) -le 5
refuse "HOST:PORT is checked" 2 "" "$PINCA" verify --connect 127.0.0.1:1 --timeout 0
refuse "a malformed HOST:PORT" 1 "is not HOST:PORT" "$PINCA" verify --connect localhost

finish
