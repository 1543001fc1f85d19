#!/bin/bash
# Issuing leaves and renewing them: checked with openssl, GnuTLS certtool,
# Python cryptography and a real TLS handshake (openssl s_server + curl).
. "$(dirname "$0")/lib.sh"
setup_ca --permit-dns example.com --permit-dns localhost --permit-ip 127.0.0.0/8 || { echo "FAIL setup"; finish; exit 1; }
O=$T/out.d; mkdir -p "$O"

check "issue with a generated key" "$PINCA" issue --name web --dns localhost --dns www.example.com --ip 127.0.0.1 \
  --key-out "$O/web.key" --cert-out "$O/web.pem" --chain-out "$O/chain.pem" --fullchain-out "$O/full.pem" "${PASS[@]}"
check "the key file is 0600" test "$(stat -c %a "$O/web.key")" = 600
check "openssl verify -x509_strict -purpose sslserver" openssl verify -x509_strict -purpose sslserver -CAfile "$T/root.pem" -untrusted "$O/chain.pem" "$O/web.pem"
check "chain holds the intermediate only; fullchain = cert + chain" sh -c "cmp -s '$O/chain.pem' '$T/int.pem' && cat '$O/web.pem' '$O/chain.pem' | cmp -s - '$O/full.pem'"
if command -v certtool >/dev/null; then
  check "GnuTLS certtool --verify" sh -c "certtool --verify --load-ca-certificate '$T/root.pem' --infile '$O/full.pem' 2>&1 | grep -q 'Chain verification output: Verified'"
else bad "certtool missing (gnutls-bin)"; fi
check "leaf profile (cryptography)" "$PY" - "$O/web.pem" "$T/int.pem" <<'PYEOF'
import sys, ipaddress
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
c = x509.load_pem_x509_certificate(open(sys.argv[1],'rb').read())
i = x509.load_pem_x509_certificate(open(sys.argv[2],'rb').read())
e = c.extensions
bc = e.get_extension_for_class(x509.BasicConstraints); assert bc.critical and not bc.value.ca
ku = e.get_extension_for_class(x509.KeyUsage); assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
assert list(e.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
san = e.get_extension_for_class(x509.SubjectAlternativeName).value
assert san.get_values_for_type(x509.DNSName) == ['localhost', 'www.example.com']
assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address('127.0.0.1')]
assert e.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == \
    i.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
e.get_extension_for_class(x509.SubjectKeyIdentifier)
d = c.not_valid_after - c.not_valid_before
assert d.days == 825 and d.seconds == 0, d
assert c.public_key().curve.name == 'secp256r1'
assert 0 < c.serial_number < 2**127
assert c.signature_hash_algorithm.name == 'sha256'
PYEOF
check "issue prints the serial; db has the row" sh -c "s=\$(openssl x509 -in '$O/web.pem' -noout -serial | cut -d= -f2 | tr A-F a-f); [ \$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT count(*) FROM certificates WHERE serial='\$s'\") = 1 ]"

# A real server, before and after renewal.
PORT=$((20000 + RANDOM % 20000))
serve() { openssl s_server -accept "127.0.0.1:$PORT" -cert "$O/web.pem" -key "$O/web.key" -cert_chain "$O/chain.pem" -www -quiet >/dev/null 2>&1 & SRV=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
stop() { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
trap 'stop; rm -rf "$T"' EXIT
serve && check "curl --cacert ROOT connects (before renew)" curl -sf --max-time 5 --cacert "$T/root.pem" --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" -o /dev/null
stop
pin_before=$(spki_pin "$O/web.pem"); serial_before=$(openssl x509 -in "$O/web.pem" -noout -serial)
check "renew web" "$PINCA" renew web "${PASS[@]}"
check "renewal keeps the SPKI" test "$(spki_pin "$O/web.pem")" = "$pin_before"
check "renewal changes the serial" test "$(openssl x509 -in "$O/web.pem" -noout -serial)" != "$serial_before"
check "renewed certificate still matches the key" sh -c "[ \"\$(openssl pkey -in '$O/web.key' -pubout -outform der | openssl dgst -sha256 -binary | base64)\" = '$pin_before' ]"
serve && check "curl connects after renew (same key)" curl -sf --max-time 5 --cacert "$T/root.pem" --pinnedpubkey "sha256//$pin_before" --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" -o /dev/null
stop
check "renew --new-key" "$PINCA" renew web --new-key "${PASS[@]}"
check "--new-key changed the SPKI" test "$(spki_pin "$O/web.pem")" != "$pin_before"
check "the new key file matches the new certificate" sh -c "[ \"\$(openssl pkey -in '$O/web.key' -pubout -outform der | openssl dgst -sha256 -binary | base64)\" = \"\$(openssl x509 -in '$O/web.pem' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)\" ] && [ \$(stat -c %a '$O/web.key') = 600 ]"
serve && check "curl connects after --new-key" curl -sf --max-time 5 --cacert "$T/root.pem" --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" -o /dev/null
stop

# From a CSR: only the key (and SAN when no --dns) is used.
cat >"$T/req.cnf" <<'CNF'
[req]
distinguished_name = dn
req_extensions = ext
prompt = no
[dn]
CN = evil.example.org
[ext]
basicConstraints = critical,CA:TRUE
extendedKeyUsage = serverAuth,codeSigning,emailProtection
subjectAltName = DNS:api.example.com,IP:127.0.0.2
CNF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/api.key" -config "$T/req.cnf" -out "$T/api.csr" 2>/dev/null
check "issue from a CSR asking for CA:TRUE and extra EKUs" "$PINCA" issue --name api --csr "$T/api.csr" --cert-out "$O/api.pem" "${PASS[@]}"
check "nothing but the key and SAN came from the CSR" "$PY" - "$O/api.pem" <<'PYEOF'
import sys, ipaddress
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
c = x509.load_pem_x509_certificate(open(sys.argv[1],'rb').read())
assert not c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
assert list(c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
assert san.get_values_for_type(x509.DNSName) == ['api.example.com']
assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address('127.0.0.2')]
assert c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == 'api.example.com'
PYEOF
check "CSR lineage: renew keeps the CSR's key" sh -c "'$PINCA' renew api ${PASS[*]} >/dev/null && [ \"\$(openssl pkey -in '$T/api.key' -pubout -outform der | openssl dgst -sha256 -binary | base64)\" = \"$(spki_pin "$O/api.pem")\" ]"
refuse "CSR lineage cannot --new-key" 2 "issued from a CSR" "$PINCA" renew api --new-key "${PASS[@]}"
check "issue --profile client" "$PINCA" issue --name alice --dns alice.example.com --profile client --key-out "$O/alice.key" --cert-out "$O/alice.pem" "${PASS[@]}"
check "client profile has clientAuth only" sh -c "openssl x509 -in '$O/alice.pem' -noout -ext extendedKeyUsage | grep -q 'TLS Web Client Authentication' && ! openssl x509 -in '$O/alice.pem' -noout -ext extendedKeyUsage | grep -q 'Server'"
check "issue --key rsa-2048 has keyEncipherment" sh -c "'$PINCA' issue --name rsa --dns rsa.example.com --key rsa-2048 --key-out '$O/rsa.key' --cert-out '$O/rsa.pem' ${PASS[*]} >/dev/null && openssl x509 -in '$O/rsa.pem' -noout -ext keyUsage | grep -q 'Key Encipherment'"
check "issue --json has the certificate fields" sh -c "'$PINCA' issue --name j --dns j.example.com --key-out '$O/j.key' --json ${PASS[*]} | '$PY' -c '
import json,sys; o=json.load(sys.stdin)
for k in (\"serial\",\"name\",\"dns\",\"ip\",\"not_before\",\"not_after\",\"status\",\"pin\",\"sha256_fingerprint\"): assert k in o, k
assert o[\"name\"]==\"j\" and o[\"status\"]==\"valid\" and o[\"dns\"]==[\"j.example.com\"] and o[\"not_after\"].endswith(\"Z\") and \":\" not in o[\"serial\"]'"

# Renewal automation.
check "renew --due 30: nothing due exits 0" "$PINCA" renew --due 30 "${PASS[@]}"
: >"$T/hook.log"
check "renew --all renews all and runs the hook once" "$PINCA" renew --all --exec "echo \"\$PINCA_RENEWED\" >>'$T/hook.log'" "${PASS[@]}"
check "the hook ran once and saw every lineage" sh -c "[ \$(wc -l <'$T/hook.log') = 1 ] && grep -q web '$T/hook.log' && grep -q api '$T/hook.log' && grep -q alice '$T/hook.log'"
: >"$T/hook.log"
check "no renewal: the hook does not run" sh -c "'$PINCA' renew --due 1 --exec 'echo ran >>$T/hook.log' ${PASS[*]} && [ ! -s '$T/hook.log' ]"
refuse "a failing hook is reported" 1 "deploy hook failed" "$PINCA" renew web --exec "exit 7" "${PASS[@]}"

# Bad input changes nothing.
# A crash before the commit leaves only a FILE.pending.PID.N; the same request
# then runs again. A file named FILE.pending is someone else's: left alone.
printf 'not ours\n' >"$O/again.key.pending"
check "an existing FILE.pending does not block the request" "$PINCA" issue --name again --dns localhost --key-out "$O/again.key" --cert-out "$O/again.pem" "${PASS[@]}"
check "the key landed at FILE, matches, FILE.pending is untouched and no temporary is left" sh -c "[ \"\$(cat '$O/again.key.pending')\" = 'not ours' ] && ! ls '$O' | grep -q 'again.key.pending.' && [ \$(stat -c %a '$O/again.key') = 600 ] && [ \"\$(openssl pkey -in '$O/again.key' -pubout -outform der | openssl dgst -sha256 -binary | base64)\" = \"\$(openssl x509 -in '$O/again.pem' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)\" ]"
before=$(state_of)
refuse "duplicate lineage" 1 "exists already" "$PINCA" issue --name web --dns localhost --key-out "$O/x.key" "${PASS[@]}"
refuse "unknown lineage on renew" 1 "no lineage 'nope'" "$PINCA" renew nope "${PASS[@]}"
refuse "output in a missing directory" 1 "cannot write" "$PINCA" issue --name n1 --dns localhost --key-out "$O/k1.key" --cert-out "$T/missing/c.pem" "${PASS[@]}"
refuse "existing --key-out is not overwritten" 1 "already exists" "$PINCA" issue --name n2 --dns localhost --key-out "$O/web.key" "${PASS[@]}"
refuse "garbage CSR" 1 "not a certificate signing request" "$PINCA" issue --name n3 --csr /etc/passwd "${PASS[@]}"
refuse "PEM with the wrong label" 1 "not a certificate signing request" "$PINCA" issue --name n4 --csr "$O/web.pem" "${PASS[@]}"
head -c 150 "$T/api.csr" >"$T/trunc.csr"
refuse "truncated CSR" 1 "not a certificate signing request" "$PINCA" issue --name n5 --csr "$T/trunc.csr" "${PASS[@]}"
openssl genpkey -algorithm ed25519 -out "$T/ed.key" 2>/dev/null; openssl req -new -key "$T/ed.key" -subj /CN=ed -out "$T/ed.csr" 2>/dev/null
refuse "Ed25519 CSR" 3 "Ed25519" "$PINCA" issue --name n6 --csr "$T/ed.csr" --dns localhost "${PASS[@]}"
openssl genrsa -3 -out "$T/e3.key" 2048 2>/dev/null; openssl req -new -key "$T/e3.key" -subj /CN=e3 -out "$T/e3.csr" 2>/dev/null
refuse "RSA e=3 CSR" 3 "65537" "$PINCA" issue --name n7 --csr "$T/e3.csr" --dns localhost "${PASS[@]}"
printf "wrong-passphrase-000\n" >"$T/wrongpass"; chmod 600 "$T/wrongpass"
refuse "wrong passphrase" 1 "wrong passphrase" "$PINCA" issue --name n8 --dns localhost --key-out "$O/k8.key" --pass-file "$T/wrongpass"
after=$(state_of)
check "refused requests left no row, file or audit record" test "$before" = "$after"
check "no stray key files" sh -c "! ls '$O'/k1.key '$O'/k8.key '$O'/x.key 2>/dev/null"
finish
