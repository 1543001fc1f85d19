#!/bin/bash
# Names are shown to operators who compare pins by eye: a CA name with a
# newline, a terminal escape, a NUL or a bidirectional override is refused
# (exit 3, lint ca-name) at --cn and in a CSR's subject, and whatever the
# database or a chain file holds is printed escaped (\xHH) by ca list,
# ca show, db show, db audit, pins and verify, never raw.
. "$(dirname "$0")/lib.sh"

ESC=$'\e'
# no_raw FILE: FILE holds no ESC, no CR, no other C0 byte but newline and tab.
no_raw() { ! LC_ALL=C grep -q "[$ESC"$'\r\x01-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f'"]" "$1"; }

"$PINCA" init >/dev/null
before=$(state_of)
refuse "ca root --cn with a newline" 3 "lint ca-name: --cn holds a control character" \
  "$PINCA" ca root --cn $'Evil Root\n  pin    sha256/fake' "${PASS[@]}"
refuse "ca root --standby-cn with an escape" 3 "lint ca-name: --standby-cn" \
  "$PINCA" ca root --cn "Good Root" --standby-cn "Standby${ESC}[2J" "${PASS[@]}"
refuse "ca root --cn with a right-to-left override" 3 "lint ca-name" \
  "$PINCA" ca root --cn $'Root \u202e1R' "${PASS[@]}"
refuse "ca root --cn with malformed UTF-8" 3 "malformed UTF-8" \
  "$PINCA" ca root --cn $'Root \xc3' "${PASS[@]}"
check "the refusals left nothing behind" test "$before" = "$(state_of)"
check "a UTF-8 name is a name" "$PINCA" ca root --cn "Société Générale Root R1" --standby-cn "Société Générale Root R2" "${PASS[@]}"
check "ca list shows it as it is" sh -c "'$PINCA' ca list | grep -q 'Société Générale Root R1'"
before=$(state_of)
refuse "ca intermediate --cn with a control byte" 3 "lint ca-name" "$PINCA" ca intermediate --cn $'Issuing\x01CA' "${PASS[@]}"
check "the refusal left nothing behind" test "$before" = "$(state_of)"

ONLINE=$T/online
"$PINCA" init --dir "$ONLINE" >/dev/null
before=$(PINCA_DIR=$ONLINE state_of)
refuse "ca csr --cn with an escape" 3 "lint ca-name" "$PINCA" ca csr --dir "$ONLINE" --cn "CA${ESC}]0;x${ESC}\\" --out "$T/x.csr" "${PASS[@]}"
after=$(PINCA_DIR=$ONLINE state_of)
check "ca csr refused before making a key or a file" sh -c "[ '$before' = '$after' ] && [ ! -e '$T/x.csr' ]"

# Hostile CSRs, made with Python's cryptography (openssl req cannot carry these bytes).
"$PY" - "$T" <<'PYEOF'
import sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes, serialization
d = sys.argv[1]
k = ec.generate_private_key(ec.SECP256R1())
def csr(name, attrs):
    r = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs)).sign(k, hashes.SHA256())
    open(f"{d}/{name}.csr", "wb").write(r.public_bytes(serialization.Encoding.PEM))
cn = lambda v: x509.NameAttribute(NameOID.COMMON_NAME, v)
# A fake "pin" line, then the cursor moved up over the real one.
csr("fakepin", [cn("Online CA\n  pin    sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\x1b[2A\x1b[K")])
csr("nul", [cn("Online CA\x00 (shown cut)")])
csr("two", [cn("Online CA"), cn("Other CA")])
csr("c1", [cn("Online\u009b2ACA")])
csr("ok", [cn("Zürich Issuing CA")])
# A self-signed certificate with a hostile name, for verify.
import datetime
now = datetime.datetime.now(datetime.timezone.utc)
name = x509.Name([cn("evil\n  ok   chains to a known root\x1b[31m")])
c = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(k.public_key())
     .serial_number(x509.random_serial_number()).not_valid_before(now)
     .not_valid_after(now + datetime.timedelta(days=30)).sign(k, hashes.SHA256()))
open(f"{d}/evil-chain.pem", "wb").write(c.public_bytes(serialization.Encoding.PEM))
PYEOF
before=$(state_of)
refuse "ca sign refuses a CSR whose name fakes a pin line" 3 "lint ca-name: the CSR's common name holds a control character" \
  "$PINCA" ca sign --csr "$T/fakepin.csr" --out "$T/out.pem" "${PASS[@]}"
check "and its message is escaped on one line" sh -c "no_raw() { ! LC_ALL=C grep -q '[$ESC]' \"\$1\"; }; no_raw '$T/out'"
refuse "ca sign refuses a NUL in the CSR's name (no silent cut)" 3 "holds a NUL" \
  "$PINCA" ca sign --csr "$T/nul.csr" --out "$T/out.pem" "${PASS[@]}"
refuse "ca sign refuses a C1 control (U+009B, CSI)" 3 "lint ca-name" \
  "$PINCA" ca sign --csr "$T/c1.csr" --out "$T/out.pem" "${PASS[@]}"
refuse "ca sign refuses two common names" 3 "more than one common name" \
  "$PINCA" ca sign --csr "$T/two.csr" --out "$T/out.pem" "${PASS[@]}"
after=$(state_of)
check "the refused CSRs signed nothing and wrote nothing" sh -c "[ '$before' = '$after' ] && [ ! -e '$T/out.pem' ]"
check "a UTF-8 name in a CSR is signed" "$PINCA" ca sign --csr "$T/ok.csr" --out "$T/ok.pem" "${PASS[@]}"
check "openssl reads the name back" sh -c "openssl x509 -in '$T/ok.pem' -noout -subject -nameopt utf8 | grep -q 'Zürich Issuing CA'"

# Stored data that did not come through these checks (an older pinca, an
# edited database) is printed escaped.
sqlite3 "$PINCA_DIR/pinca.db" "UPDATE cas SET cn = 'Root' || char(10) || '  pin    sha256/fake' || char(27) || '[2A' WHERE role = 'root'"
for c in "ca list" "ca show root" "pins"; do
  $PINCA $c >"$T/o" 2>&1
  check "$c prints the stored name escaped" sh -c "! LC_ALL=C grep -q '[$ESC]' '$T/o' && grep -qF 'Root\\x0a  pin    sha256/fake\\x1b[2A' '$T/o'"
done
SERIAL=$("$PINCA" ca show root --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["serial"])')
"$PINCA" db show "$SERIAL" >"$T/o" 2>&1
check "db show prints it escaped" sh -c "! LC_ALL=C grep -q '[$ESC]' '$T/o' && grep -qF 'Root\\x0a' '$T/o'"
check "ca list --json keeps the name, escaped by JSON" sh -c "'$PINCA' ca list --json | '$PY' -c 'import json,sys; assert any(c[\"cn\"].startswith(\"Root\\n\") for c in json.load(sys.stdin))'"
# The audit log records the command line: one with an escape in it.
ln -s "$PINCA_DIR" "$T/ca${ESC}[2J"
check "a command run through a path with an escape" "$PINCA" app add --dir "$T/ca${ESC}[2J" release-1 --force
"$PINCA" db audit >"$T/o" 2>&1
check "db audit prints the command line escaped" sh -c "! LC_ALL=C grep -q '[$ESC]' '$T/o' && grep -qF 'ca\\x1b[2J' '$T/o'"
cat "$T/evil-chain.pem" "$T/ok.pem" >"$T/evil2.pem"
"$PINCA" verify --chain "$T/evil2.pem" >"$T/o" 2>&1
check "verify prints a chain's names escaped, each finding on one line" sh -c "! LC_ALL=C grep -q '[$ESC]' '$T/o' && ! grep -q '^  ok   chains' '$T/o' && grep -qF 'evil\\x0a' '$T/o'"
check "verify --json keeps every finding" sh -c "'$PINCA' verify --chain '$T/evil2.pem' --json | '$PY' -c 'import json,sys; d=json.load(sys.stdin); print(d)' | grep -q 'evil'"
finish
