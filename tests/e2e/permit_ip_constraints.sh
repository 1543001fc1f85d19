#!/bin/bash
# Name constraints cover IP addresses too (review finding 4): an intermediate
# made with --permit-dns alone excludes every IPv4 and IPv6 address, one
# with --permit-ip permits only its ranges, and pinca refuses a leaf outside
# the issuing intermediate's constraints before signing it, on every path
# (issue, issue --batch, renew). openssl and certtool read the constraints;
# openssl verify -x509_strict enforces them on leaves pinca did not make.
. "$(dirname "$0")/lib.sh"

# outside_leaf INT_PEM INT_KEY SAN OUT: a leaf signed by the intermediate's
# key with openssl alone (no pinca lint in the way).
outside_leaf() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/o.key" -subj "/O=outside" \
    -out "$T/o.csr" 2>/dev/null &&
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=critical,%s\nauthorityKeyIdentifier=keyid\n' "$3" >"$T/o.ext" &&
  openssl x509 -req -in "$T/o.csr" -CA "$1" -CAkey "$2" -passin "file:$T/pass" -CAcreateserial \
    -days 30 -sha256 -extfile "$T/o.ext" -out "$4" 2>/dev/null
}

setup_ca --permit-dns example.com || { echo "FAIL setup"; finish; exit 1; }
IKEY=$(ls "$PINCA_DIR"/keys/intermediate-*.key)
check "--permit-dns alone: the IPv4 and IPv6 ranges are excluded (openssl)" sh -c "
  openssl x509 -in '$T/int.pem' -noout -ext nameConstraints >'$T/nc' &&
  grep -q 'DNS:example.com' '$T/nc' && grep -A3 Excluded '$T/nc' | grep -q 'IP:0.0.0.0/0.0.0.0' &&
  grep -A3 Excluded '$T/nc' | grep -q 'IP:0:0:0:0:0:0:0:0/0:0:0:0:0:0:0:0'"
check "certtool reads the same constraints" sh -c "certtool -i --infile '$T/int.pem' >'$T/ct' 2>&1 &&
  grep -A6 'Name Constraints (critical)' '$T/ct' | grep -q 'IPAddress: 0.0.0.0/0' &&
  grep -A6 'Name Constraints (critical)' '$T/ct' | grep -q 'IPAddress: ::/0'"

S0=$(state_of)
refuse "issue --ip under a DNS-only intermediate is refused" 3 "name-constraints: IP address 10.0.0.1" \
  "$PINCA" issue --name web --dns www.example.com --ip 10.0.0.1 --key-out "$T/web.key" --cert-out "$T/web.pem" "${PASS[@]}"
check "the refusal left the directory and the files alone" test "$S0" = "$(state_of)" -a ! -e "$T/web.key" -a ! -e "$T/web.pem"
refuse "an IPv6 address too" 3 "IP address 2001:db8::5" \
  "$PINCA" issue --name web6 --dns www.example.com --ip 2001:db8::5 --key-out "$T/w6.key" "${PASS[@]}"
check "a leaf with DNS names only is issued" "$PINCA" issue --name dnsonly --dns www.example.com --key-out "$T/d.key" \
  --cert-out "$T/d.pem" --chain-out "$T/d-chain.pem" "${PASS[@]}"
check "openssl verify -x509_strict accepts it" openssl verify -x509_strict -purpose sslserver -CAfile "$T/root.pem" \
  -untrusted "$T/d-chain.pem" "$T/d.pem"
if outside_leaf "$T/int.pem" "$IKEY" "DNS:www.example.com,IP:10.0.0.1" "$T/o1.pem"; then
  check "openssl verify refuses an IP leaf the intermediate's key signed outside pinca" sh -c "
    ! openssl verify -x509_strict -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$T/o1.pem' >'$T/v' 2>&1 &&
    grep -q 'excluded subtree violation' '$T/v'"
else bad "openssl could not sign the outside leaf"; fi

# --permit-ip: the ranges given are permitted, the other family excluded.
check "ca intermediate --permit-dns --permit-ip 10.0.0.0/8" "$PINCA" ca intermediate --cn "Issuing CA 2" \
  --permit-dns example.com --permit-ip 10.0.0.0/8 "${PASS[@]}"
"$PINCA" ca show intermediate --pem >"$T/int2.pem"
IKEY2=$(ls -t "$PINCA_DIR"/keys/intermediate-*.key | head -n 1)
check "the constraints permit 10.0.0.0/8 and exclude ::/0 (openssl)" sh -c "
  openssl x509 -in '$T/int2.pem' -noout -ext nameConstraints >'$T/nc2' &&
  grep -A3 Permitted '$T/nc2' | grep -q 'IP:10.0.0.0/255.0.0.0' && grep -A3 Excluded '$T/nc2' | grep -q 'IP:0:0:0:0:0:0:0:0/0' &&
  ! grep -q 'IP:0.0.0.0/0.0.0.0' '$T/nc2'"
check "certtool reads the permitted IP range" sh -c "certtool -i --infile '$T/int2.pem' 2>&1 |
  grep -A6 'Name Constraints (critical)' | grep -q 'IPAddress: 10.0.0.0/8'"
check "issue an IP-only leaf inside the range" "$PINCA" issue --name ip --ip 10.1.2.3 --key-out "$T/ip.key" \
  --cert-out "$T/ip.pem" --chain-out "$T/ip-chain.pem" "${PASS[@]}"
check "openssl verify -x509_strict accepts the IP leaf" openssl verify -x509_strict -purpose sslserver \
  -CAfile "$T/root.pem" -untrusted "$T/ip-chain.pem" -verify_ip 10.1.2.3 "$T/ip.pem"
check "the IP-only leaf has an empty subject and a critical SAN" sh -c "
  openssl x509 -in '$T/ip.pem' -noout -subject | grep -qx 'subject=' &&
  openssl x509 -in '$T/ip.pem' -noout -text | grep -A1 'Subject Alternative Name: critical' | grep -q 'IP Address:10.1.2.3'"
refuse "an address outside 10.0.0.0/8 is refused" 3 "IP address 192.168.1.1" \
  "$PINCA" issue --name ip2 --ip 192.168.1.1 --key-out "$T/ip2.key" "${PASS[@]}"
if outside_leaf "$T/int2.pem" "$IKEY2" "IP:192.168.1.1" "$T/o2.pem"; then
  check "openssl verify refuses an outside leaf for 192.168.1.1" sh -c "
    ! openssl verify -x509_strict -CAfile '$T/root.pem' -untrusted '$T/int2.pem' '$T/o2.pem' >'$T/v' 2>&1 &&
    grep -q 'permitted subtree violation' '$T/v'"
else bad "openssl could not sign the second outside leaf"; fi

# issue --batch and renew go through the same check.
printf '%s\n' '{"name": "b1", "dns": ["b1.example.com"], "ip": ["10.0.0.9"], "key_out": "'"$T"'/b1.key"}' \
  '{"name": "b2", "dns": ["b2.example.com"], "ip": ["172.16.0.1"], "key_out": "'"$T"'/b2.key"}' >"$T/batch.jsonl"
"$PINCA" issue --batch "$T/batch.jsonl" "${PASS[@]}" >"$T/batch.out" 2>"$T/batch.err"; brc=$?
check "batch: exit 1, the inside request signed, the outside one refused" "$PY" - "$T/batch.out" "$brc" <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "1", sys.argv[2]
assert "serial" in r[0], r[0]
assert "error" in r[1] and "172.16.0.1" in r[1]["error"], r[1]
EOF
check "renew under the constrained intermediate re-checks the names" sh -c "'$PINCA' ca intermediate --cn 'Open CA' --no-constraints $(printf "'%s' " "${PASS[@]}") >/dev/null &&
  '$PINCA' issue --name wide --dns www.example.com --ip 192.168.7.7 --key-out '$T/wide.key' $(printf "'%s' " "${PASS[@]}") >/dev/null &&
  '$PINCA' ca intermediate --cn 'Issuing CA 3' --permit-dns example.com $(printf "'%s' " "${PASS[@]}") >/dev/null"
refuse "renew of a lineage with an address now outside is refused" 3 "IP address 192.168.7.7" \
  "$PINCA" renew wide "${PASS[@]}"

refuse "--permit-ip with host bits set" 2 "bits set past the prefix" \
  "$PINCA" ca intermediate --cn X --permit-ip 10.0.0.1/8 "${PASS[@]}"
refuse "--permit-ip that is not an address" 2 "not ADDRESS/PREFIX" \
  "$PINCA" ca intermediate --cn X --permit-ip 10.0.0/8 "${PASS[@]}"
refuse "--permit-ip with a prefix too long" 2 "prefix longer" \
  "$PINCA" ca intermediate --cn X --permit-ip 2001:db8::/129 "${PASS[@]}"

finish
