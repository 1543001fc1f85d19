#!/bin/bash
# db list and db show: filters, serial forms, text, JSON and PEM output,
# checked against openssl and Python's json module.
. "$(dirname "$0")/lib.sh"

setup_ca --no-passphrase || { echo "FAIL setup"; finish; exit 1; }
"$PINCA" issue --name web --dns web.example.com --ip 10.0.0.5 --key-out "$T/web.key" --cert-out "$T/web.pem" >/dev/null
"$PINCA" issue --name api --dns api.example.com --days 20 --key-out "$T/api.key" --cert-out "$T/api.pem" >/dev/null
"$PINCA" issue --name old --dns old.example.com --days 5 --key-out "$T/old.key" --cert-out "$T/old.pem" >/dev/null
ser() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^\(00\)*//'; }
WEB=$(ser "$T/web.pem") API=$(ser "$T/api.pem") OLD=$(ser "$T/old.pem")
"$PINCA" revoke "$OLD" --reason keyCompromise >/dev/null || echo "FAIL revoke $OLD"

# json_serials FILTER...: the serials of `db list --json FILTER...`, sorted, via Python.
json_serials() { "$PINCA" db list --json "$@" | "$PY" -c 'import json,sys; a=json.load(sys.stdin); assert isinstance(a,list); print(" ".join(sorted(c["serial"] for c in a)))'; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }

check "list --json is one array of every leaf" test "$(json_serials)" = "$(sorted "$WEB" "$API" "$OLD")"
check "list --expiring 30 finds the 20- and 5-day leaves" test "$(json_serials --expiring 30)" = "$(sorted "$API" "$OLD")"
check "list --expiring 30 --status valid leaves out the revoked one" test "$(json_serials --expiring 30 --status valid)" = "$API"
check "list --status revoked" test "$(json_serials --status revoked)" = "$OLD"
check "list --status expired is empty" test "$(json_serials --status expired)" = ""
check "list --name web" test "$(json_serials --name web)" = "$WEB"
check "list --name nosuch is an empty array" test "$("$PINCA" db list --json --name nosuch | tr -d '[:space:]')" = "[]"
check "list JSON fields match openssl" "$PY" - "$PINCA" "$T/web.pem" "$WEB" <<'EOF'
import json, subprocess, sys, hashlib, base64
from cryptography import x509
from cryptography.hazmat.primitives import serialization
pinca, pem, serial = sys.argv[1:]
rows = json.loads(subprocess.run([pinca, "db", "list", "--json", "--name", "web"], capture_output=True, check=True).stdout)
c = rows[0]
cert = x509.load_pem_x509_certificate(open(pem, "rb").read())
spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
# Even-length lowercase hex, as openssl prints a serial (a leading 0 is kept).
hexs = "%x" % cert.serial_number
hexs = "0" + hexs if len(hexs) % 2 else hexs
assert c["serial"] == hexs == serial, c
assert c["pin"] == "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode(), c
assert c["sha256_fingerprint"] == hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
na = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after
assert c["not_after"] == na.strftime("%Y-%m-%dT%H:%M:%SZ"), c
assert c["dns"] == ["web.example.com"] and c["ip"] == ["10.0.0.5"] and c["status"] == "valid" and c["name"] == "web"
EOF
"$PINCA" db list >"$T/table"
check "text list: a header and one aligned line per leaf" test "$(wc -l <"$T/table")" -eq 4 -a \
  "$(awk '{print index($0, $2)}' "$T/table" | sort -u | wc -l)" -eq 1
check "text list shows the revoked status" grep -q "^$OLD  revoked" "$T/table"

COLONS=$(openssl x509 -in "$T/web.pem" -noout -serial | cut -d= -f2 | sed 's/../&:/g; s/:$//')
check "show accepts openssl's upper-case serial with colons" sh -c "'$PINCA' db show '$COLONS' | grep -q '^serial *$WEB'"
"$PINCA" db show "$(echo "$WEB" | tr a-f A-F)" --pem >"$T/shown.pem"
check "show --pem is the issued certificate" cmp "$T/shown.pem" "$T/web.pem"
check "show --json names the issuer" sh -c "'$PINCA' db show $WEB --json | '$PY' -c 'import json,sys; c=json.load(sys.stdin); assert c[\"serial\"]==\"$WEB\" and c[\"issuer_serial\"]'"
ROOT=$(openssl x509 -in "$T/root.pem" -noout -serial | cut -d= -f2)
"$PINCA" db show "$ROOT" --pem >"$T/root-shown.pem"
check "show finds a CA by serial" cmp "$T/root-shown.pem" "$T/root.pem"
check "show of a revoked leaf says so" sh -c "'$PINCA' db show $OLD | grep -q '^status *revoked'"
check "show --json of a revoked leaf has its reason code (1, keyCompromise)" sh -c "'$PINCA' db show $OLD --json | '$PY' -c 'import json,sys; c=json.load(sys.stdin); assert c[\"status\"]==\"revoked\" and c[\"reason_code\"]==1'"
check "db check passes with revocations" "$PINCA" db check

refuse "show of an unknown serial" 1 "no certificate with serial" "$PINCA" db show 0102030405
refuse "show of a non-hex serial" 2 "not a serial number" "$PINCA" db show xyz
refuse "show --pem --json" 2 "exclude each other" "$PINCA" db show "$WEB" --pem --json
refuse "list --status bogus" 2 "--status takes" "$PINCA" db list --status bogus
refuse "list --expiring -1" 2 "expiring" "$PINCA" db list --expiring -1
refuse "list in a directory without a CA" 1 "does not exist" "$PINCA" db list --dir "$T/nothing"
finish
