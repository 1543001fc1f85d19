#!/bin/bash
# Every platform lint refuses issuance with exit 3 and names its rule;
# a refused request leaves no row and no file.
. "$(dirname "$0")/lib.sh"
"$PINCA" init >/dev/null
refuse "no intermediate yet" 1 "no CA key" "$PINCA" issue --name w --dns a.example.com --key-out "$T/w.key" "${PASS[@]}"
setup_ca() { :; }
"$PINCA" ca root --cn R --pass-file "$T/pass" >/dev/null
"$PINCA" ca intermediate --cn I --days 400 --permit-dns example.com "${PASS[@]}" >/dev/null
K=(--key-out "$T/k.key")
lint() { local name=$1 rule=$2; shift 2; refuse "lint $rule: $name" 3 "lint $rule" "$PINCA" issue --name l "${K[@]}" "$@" "${PASS[@]}"; }
before=$(state_of)
lint "no name at all" san-present
lint "empty label" dns-empty-label --dns 'a..example.com'
lint "trailing dot" dns-empty-label --dns 'a.example.com.'
lint "underscore" dns-charset --dns 'a_b.example.com'
lint "space" dns-charset --dns 'a b.example.com'
lint "control byte" dns-charset --dns "$(printf 'a\001b.example.com')"
lint "non-ASCII" dns-charset --dns 'bücher.example.com'
lint "leading hyphen" dns-hyphen --dns '-a.example.com'
lint "trailing hyphen" dns-hyphen --dns 'a-.example.com'
lint "label over 63" dns-label-length --dns "$(printf 'a%.0s' $(seq 64)).example.com"
lint "name over 253" dns-length --dns "$(for i in $(seq 26); do printf 'abcdefghi.'; done)example.com"
lint "wildcard not leftmost" dns-wildcard --dns 'a.*.example.com'
lint "partial wildcard" dns-wildcard --dns 'w*.example.com'
lint "wildcard over one label" dns-wildcard --dns '*.com'
lint "bad IPv4" ip-literal --ip 256.1.1.1
lint "bad IPv6" ip-literal --ip '2001:db8::g'
lint "over 825 days" validity-825 --dns a.example.com --days 826
lint "past the issuer" validity-issuer --dns a.example.com --days 500
lint "outside name constraints" name-constraints --dns www.example.org --days 300
openssl req -new -newkey rsa:1024 -nodes -keyout "$T/r1.key" -subj /CN=x -out "$T/r1.csr" 2>/dev/null
refuse "RSA-1024 CSR" 3 "RSA-1024" "$PINCA" issue --name l --csr "$T/r1.csr" --dns a.example.com "${PASS[@]}"
openssl req -new -newkey rsa:3072 -nodes -keyout "$T/r3.key" -subj /CN=x -out "$T/r3.csr" 2>/dev/null
refuse "RSA-3072 CSR names TrustKit" 3 "TrustKit" "$PINCA" issue --name l --csr "$T/r3.csr" --dns a.example.com "${PASS[@]}"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -keyout "$T/p5.key" -subj /CN=x -out "$T/p5.csr" 2>/dev/null
refuse "P-521 CSR names TrustKit" 3 "TrustKit" "$PINCA" issue --name l --csr "$T/p5.csr" --dns a.example.com "${PASS[@]}"
refuse "a CSR with two SAN extensions" 3 "lint csr-san" "$PINCA" issue --name l --csr "$(dirname "$0")/../fuzz/corpus/csr_names/regress-two-san-extensions.pem" "${PASS[@]}"
refuse "Ed25519 key type" 3 "Android" "$PINCA" issue --name l --dns a.example.com --key ed25519 "${K[@]}" "${PASS[@]}"
after=$(state_of)
check "refusals left the CA as it was" test "$before" = "$after"
check "no key file was left" test ! -e "$T/k.key"
check "a wildcard within the constraints is fine" "$PINCA" issue --name wild --dns '*.example.com' --days 300 "${K[@]}" "${PASS[@]}"
check "upper case is normalised to lower case" sh -c "'$PINCA' issue --name up --dns WWW.Example.COM --days 300 --key-out '$T/up.key' --cert-out '$T/up.pem' ${PASS[*]} >/dev/null && openssl x509 -in '$T/up.pem' -noout -ext subjectAltName | grep -q 'DNS:www.example.com'"
# An expired intermediate refuses to issue (time moved forward with faketime).
if command -v faketime >/dev/null; then
  refuse "expired intermediate" 1 "expired" env ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f '+1000d' "$PINCA" issue --name late --dns a.example.com --key-out "$T/late.key" "${PASS[@]}"
else bad "faketime missing"; fi
finish
