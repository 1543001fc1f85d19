#!/bin/bash
# Small findings of the review (item 15): a DNS name that is an IP literal
# and the addresses 0.0.0.0, 255.255.255.255 and :: are refused (exit 3); a
# CSR file holding two CSRs or trailing bytes is refused (exit 1); `issue`
# and `pins --out` say what they wrote.
. "$(dirname "$0")/lib.sh"
setup_ca || { echo "FAIL setup"; finish; exit 1; }
O=$T/o; mkdir -p "$O"
before=$(state_of)
refuse "--dns 192.0.2.1" 3 "dns-ip-literal" "$PINCA" issue --name a --dns 192.0.2.1 --key-out "$O/a.key" "${PASS[@]}"
refuse "--dns www.example.123" 3 "dns-ip-literal" "$PINCA" issue --name a --dns www.example.123 --key-out "$O/a.key" "${PASS[@]}"
for ip in 0.0.0.0 255.255.255.255 :: 0:0::0; do
  refuse "--ip $ip" 3 "ip-unspecified" "$PINCA" issue --name a --dns a.example.com --ip "$ip" --key-out "$O/a.key" "${PASS[@]}"
done
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/c.key" -subj /CN=c \
  -addext subjectAltName=DNS:c.example.com -out "$T/c.csr" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/r.key" -subj /CN=r \
  -addext subjectAltName=DNS:r.example.com -out "$T/r.csr" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/d.key" -subj /CN=d \
  -addext subjectAltName=IP:0.0.0.0 -out "$T/ip0.csr" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/e.key" -subj /CN=e \
  -addext subjectAltName=DNS:10.1.2.3 -out "$T/dnsip.csr" 2>/dev/null
refuse "a CSR asking for 0.0.0.0" 3 "ip-unspecified" "$PINCA" issue --name a --csr "$T/ip0.csr" "${PASS[@]}"
refuse "a CSR asking for DNS:10.1.2.3" 3 "dns-ip-literal" "$PINCA" issue --name a --csr "$T/dnsip.csr" "${PASS[@]}"
cat "$T/c.csr" "$T/r.csr" >"$T/two.csr"
refuse "a file with two CSRs" 1 "more than one CSR" "$PINCA" issue --name a --csr "$T/two.csr" "${PASS[@]}"
{ cat "$T/r.csr"; echo "trailing words"; } >"$T/tail.csr"
refuse "a CSR with trailing bytes" 1 "more than one CSR" "$PINCA" issue --name a --csr "$T/tail.csr" "${PASS[@]}"
{ openssl req -in "$T/c.csr" -outform der; printf 'x'; } >"$T/tail.der"
refuse "a DER CSR with a trailing byte" 1 "not a certificate signing request" "$PINCA" issue --name a --csr "$T/tail.der" "${PASS[@]}"
check "nothing was issued or written" sh -c "[ '$before' = \"\$(cd '$PINCA_DIR' && find . -type f ! -name '*-shm' ! -name '*-wal' | sort | xargs sha256sum 2>/dev/null; sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) FROM cas; SELECT count(*) FROM audit; SELECT count(*) FROM certificates')\" ] && [ -z \"\$(ls '$O')\" ]"
printf '\n' >>"$T/c.csr"
check "a CSR followed by blank lines is fine" "$PINCA" issue --name c --csr "$T/c.csr" --cert-out "$O/c.pem" "${PASS[@]}"
check "issue with two CSRs in a batch file line is refused too" sh -c "printf '{\"name\":\"b\",\"csr\":\"%s\"}\n' '$T/two.csr' | '$PINCA' issue --batch - ${PASS[*]} | grep -q 'more than one CSR'"

# issue says what it wrote: on a terminal, and in --json.
script -qec "'$PINCA' issue --name t --dns t.example.com --key-out '$O/t.key' --cert-out '$O/t.pem' --fullchain-out '$O/t-full.pem' ${PASS[*]}" /dev/null >"$T/tty.out" 2>&1
check "on a terminal: the files are named" grep -q "wrote key $O/t.key, certificate $O/t.pem, fullchain $O/t-full.pem" "$T/tty.out"
check "--json has the absolute paths written" sh -c "'$PINCA' issue --name j --dns j.example.com --key-out '$O/j.key' --chain-out '$O/./j-chain.pem' --json ${PASS[*]} | '$PY' -c '
import json, sys; f = json.load(sys.stdin)[\"files\"]
assert f == {\"key\": \"$O/j.key\", \"cert\": None, \"chain\": \"$O/j-chain.pem\", \"fullchain\": None}, f'"
check "pins --out says what it wrote" sh -c "[ \"\$('$PINCA' pins --format json --out '$O/pins.json')\" = 'wrote $O/pins.json (2 pins)' ] && [ -s '$O/pins.json' ]"
finish
