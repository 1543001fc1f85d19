#!/bin/bash
# acme_lego: lego against `pinca serve`: run (http-01, EAB, ES256 account
# key), renew --reuse-key (same key, new serial), revoke (the revocation is
# in the database and on the next CRL); then the intermediate is rotated:
# renewalInfo of a certificate from the retired one says "renew now", and the
# next certificate comes from the new one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.lib"
command -v lego >/dev/null || { echo "lego not installed"; finish; exit; }

setup_ca || { bad "setup"; finish; exit 1; }
new_eab fleet || bad "eab add"
PORT=$(free_port); HP=$(free_port)
check "serve starts" start_serve --http-01-port "$HP" --resolve 'api.example.test=127.0.0.1'
export LEGO_CA_CERTIFICATES=$T/root.pem
LG=(--server "$DIRURL" --path "$T/lg" --email ops@example.com --accept-tos --eab --kid "$KID" --hmac "$HMAC"
    --domains api.example.test --http --http.port "127.0.0.1:$HP")
C=$T/lg/certificates/api.example.test
check "lego run" lego "${LG[@]}" run
cert_ok "lego's certificate verifies and is recorded" "$C.crt" "$C.issuer.crt"
cp "$C.crt" "$T/c1.pem"; s1=$(openssl x509 -in "$C.crt" -noout -serial); k1=$(openssl x509 -in "$C.crt" -noout -pubkey)
openssl x509 -in "$C.crt" -noout -ext subjectAltName | grep -q 'DNS:api.example.test' && ok "SAN is the order's name" || bad "SAN"

check "lego renew --reuse-key" lego "${LG[@]}" renew --no-random-sleep --days 400 --reuse-key
cert_ok "renewed certificate verifies and is recorded" "$C.crt" "$C.issuer.crt"
cp "$C.crt" "$T/c2.pem"; s2=$(openssl x509 -in "$C.crt" -noout -serial); k2=$(openssl x509 -in "$C.crt" -noout -pubkey)
[ "$s1" != "$s2" ] && [ "$k1" = "$k2" ] && ok "reuse-key: new serial, same key" || bad "reuse-key"

check "lego revoke" lego "${LG[@]}" revoke
serial=$(echo "${s2#serial=}" | tr 'A-F' 'a-f')
"$PINCA" db list --json | "$PY" -c 'import json,sys;s=sys.argv[1];sys.exit(0 if [c["status"] for c in json.load(sys.stdin) if c["serial"]==s]==["revoked"] else 1)' "$serial" \
  && ok "the revoked certificate is revoked in the database" || bad "revocation not recorded"
"$PINCA" crl "${PASS[@]}" --out "$T/crl.pem" >/dev/null 2>&1 && openssl crl -in "$T/crl.pem" -noout -text | grep -qi "$serial" \
  && ok "the next CRL lists it" || bad "CRL does not list $serial"
# lego moved its files aside; revoking the same certificate again is refused.
cp "$T/c2.pem" "$C.crt"
if lego "${LG[@]}" revoke >"$T/out" 2>&1; then bad "lego revoke again succeeded"
else grep -q "alreadyRevoked" "$T/out" && ok "revoking again: alreadyRevoked" || bad "revoking again: wrong error"; fi
# The intermediate is rotated: renewalInfo tells the first certificate's
# holder to renew now, and the next certificate comes from the new one.
cp "$T/c1.pem" "$T/first.pem"
check "SIGTERM before the rotation: exits 0" stop_serve
check "a new intermediate (the old one retires)" "$PINCA" ca intermediate --cn "Test Issuing CA 2" "${PASS[@]}"
check "serve restarts under the new intermediate" start_serve --http-01-port "$HP" --resolve '*.example.test=127.0.0.1'
cid=$("$PY" -c 'import base64,sys
from cryptography import x509
c=x509.load_pem_x509_certificate(open(sys.argv[1],"rb").read())
b=lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
aki=c.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
n=c.serial_number; print(b(aki)+"."+b(n.to_bytes((n.bit_length()+8)//8,"big")))' "$T/first.pem")
curl -s -D "$T/ri.h" --cacert "$T/root.pem" "https://localhost:$PORT/acme/renewal-info/$cid" >"$T/ri.json"
"$PY" -c 'import datetime,json,sys,time
w=json.load(open(sys.argv[1]))["suggestedWindow"]
t=datetime.datetime.fromisoformat(w["start"].replace("Z","+00:00")).timestamp()
sys.exit(0 if t <= time.time() else 1)' "$T/ri.json" && grep -qi '^Retry-After: [0-9]' "$T/ri.h" \
  && ok "renewalInfo of a certificate from the retired intermediate: renew now" || bad "renewalInfo after rotation: $(cat "$T/ri.json")"
C2=$T/lg/certificates/web.example.test
check "lego run under the new intermediate" lego "${LG[@]/api.example.test/web.example.test}" run
openssl x509 -in "$C2.issuer.crt" -noout -subject | grep -q "Test Issuing CA 2" && ok "the chain is the new intermediate" || bad "old chain"
cert_ok "the new certificate verifies and is recorded" "$C2.crt" "$C2.issuer.crt"

check "SIGTERM: exits 0" stop_serve
check "db audit clean" "$PINCA" db audit
finish
