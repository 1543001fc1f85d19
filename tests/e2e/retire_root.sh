#!/bin/bash
# `ca retire root --lost|--compromised`: a retired root is no longer a pin
# `pins` hands out (text, JSON, --raw-dir), `app add` refuses to record it,
# `verify` says a chain to it is not trusted, `ca sign` must be told to use
# the standby; the guard refuses retiring a lost root while a release would
# lose its pins, a compromised one goes with a warning naming them; the
# command prints every step of the move (ca csr, ca sign --root standby,
# ca import, renew) and is audited. Then the move itself, two machines, as
# docs/rotation.md runs it, and a bundle forged with the compromised key.
. "$(dirname "$0")/lib.sh"

ROOTDIR=$T/root ONLINE=$T/online
export PINCA_DIR=$ONLINE
"$PINCA" init --dir "$ROOTDIR" >/dev/null
"$PINCA" ca root --dir "$ROOTDIR" --cn "Test Root R1" --standby-cn "Test Root R2" "${PASS[@]}" >/dev/null
"$PINCA" ca show root --dir "$ROOTDIR" --pem >"$T/root.pem"
"$PINCA" ca show standby --dir "$ROOTDIR" --pem >"$T/standby.pem"
P1=sha256/$(spki_pin "$T/root.pem") P2=sha256/$(spki_pin "$T/standby.pem")
"$PINCA" init >/dev/null
"$PINCA" ca csr --cn "Online CA 1" --out "$T/i1.csr" "${PASS[@]}" >/dev/null
"$PINCA" ca sign --dir "$ROOTDIR" --csr "$T/i1.csr" --out "$T/i1.pem" "${PASS[@]}" >/dev/null
check "setup: import under the primary" "$PINCA" ca import --cert "$T/i1.pem" --root-pin "$P1"
check "setup: a leaf" "$PINCA" issue --name api --dns api.example.com --key-out "$T/api.key" --fullchain-out "$T/api-full.pem" "${PASS[@]}"
check "setup: release-1 pins both roots" "$PINCA" app add release-1
check "setup: release-0 pins the primary only" "$PINCA" app add release-0 --pin "$P1"

refuse "retire needs a reason" 2 "--lost or --compromised" "$PINCA" ca retire root
refuse "retire takes one reason" 2 "one of --lost and --compromised" "$PINCA" ca retire root --lost --compromised
refuse "retire names root or standby" 2 "'root' or 'standby'" "$PINCA" ca retire intermediate --lost
before=$(state_of)
refuse "a lost root: refused while a release would lose its pins" 3 "refused by the pin guard: retiring lost root 'Test Root R1' leaves app release 'release-0'" \
  "$PINCA" ca retire root --lost
check "the refusal changed nothing" test "$before" = "$(state_of)"

"$PINCA" ca retire root --compromised >"$T/steps" 2>"$T/warn"; rc=$?
check "a compromised root is retired even so" test "$rc" = 0
check "the warning names the release that loses its pins" grep -q "^pinca: warning: app release 'release-0' pins no key but compromised root 'Test Root R1'" "$T/warn"
check "the steps name ca csr, ca sign --root standby, ca import with the primary's pin, renew" sh -c "
  grep -q 'pinca app retire NAME' '$T/steps' && grep -q 'issuing host: pinca ca csr --cn NAME --out int.csr' '$T/steps' &&
  grep -q 'root host: *pinca ca sign --root standby --csr int.csr --out int.pem' '$T/steps' &&
  grep -qF 'pinca ca import --cert int.pem --root-pin $P1' '$T/steps' && grep -q 'pinca renew --due 100000' '$T/steps' &&
  grep -q 'offline root host too: pinca ca retire root --compromised' '$T/steps'"
check "the audit log records it, with the release" sh -c "sqlite3 '$ONLINE/pinca.db' \"SELECT objects FROM audit WHERE action = 'ca.retire'\" | '$PY' -c 'import json,sys; o=json.load(sys.stdin); assert o[\"reason\"]==\"compromised\" and o[\"pin\"]==\"$P1\" and o[\"releases_losing_pins\"]==[\"release-0\"], o'"
check "ca show root says why and when" sh -c "'$PINCA' ca show root | grep -q '^retired      compromised, 20' && '$PINCA' ca show root --json | grep -q '\"retired_reason\": \"compromised\"'"
refuse "retiring it twice" 1 "retired already \\(compromised\\)" "$PINCA" ca retire root --compromised

# pins, app add, verify.
"$PINCA" pins >"$T/pins.txt" 2>&1
check "pins no longer hands out the retired pin" sh -c "! grep -qF '$P1' '$T/pins.txt' && grep -qF '$P2' '$T/pins.txt'"
check "pins --json neither" sh -c "'$PINCA' pins --json | '$PY' -c 'import json,sys; s=json.dumps(json.load(sys.stdin)); assert \"$P1\" not in s and \"$P2\" in s'"
mkdir -p "$T/raw"
"$PINCA" pins --raw-dir "$T/raw" >/dev/null 2>&1
check "pins --raw-dir writes no certificate of the retired root" sh -c "[ ! -e '$T/raw/pinca_root.pem' ] && [ -e '$T/raw/pinca_standby.pem' ]"
refuse "app add refuses the retired pin" 3 "pin of root 'Test Root R1', retired as compromised" "$PINCA" app add release-3 --pin "$P1" --pin "$P2"
check "app add by default records only the standby" sh -c "'$PINCA' app add release-2 --force >/dev/null 2>&1 && '$PINCA' app list --json | '$PY' -c 'import json,sys; r=[a for a in json.load(sys.stdin) if a[\"name\"]==\"release-2\"][0]; assert r[\"pins\"]==[\"$P2\"], r'"
"$PINCA" verify --chain "$T/api-full.pem" --host api.example.com >"$T/v" 2>&1; rc=$?
check "verify: a chain to the retired root is not trusted" sh -c "[ $rc != 0 ] && grep -q \"^FAIL path: the chain leads to primary root 'Test Root R1', retired as compromised on .*: not trusted\" '$T/v'"

refuse "ca activate standby on the issuing host names every step, ca csr first" 1 "run 'pinca ca csr --cn NAME --out FILE' here, 'pinca ca sign --root standby .* then 'pinca ca import --cert FILE --root-pin PIN' here" \
  "$PINCA" ca activate standby

# The root host: retire there too, then ca sign must be told to use the standby.
"$PINCA" ca retire root --compromised --dir "$ROOTDIR" >"$T/steps2" 2>/dev/null
check "root host: retired, the steps point at the issuing hosts" grep -q 'issuing hosts too: pinca ca retire root --compromised' "$T/steps2"
check "issuing host: a new CSR" "$PINCA" ca csr --cn "Online CA 2" --out "$T/i2.csr" "${PASS[@]}"
refuse "ca sign without --root is refused: the primary is retired" 1 "primary root 'Test Root R1' was retired as compromised on .*use '--root standby'" \
  "$PINCA" ca sign --dir "$ROOTDIR" --csr "$T/i2.csr" --out "$T/i2.pem" "${PASS[@]}"
check "ca sign --root standby" "$PINCA" ca sign --dir "$ROOTDIR" --root standby --csr "$T/i2.csr" --out "$T/i2.pem" "${PASS[@]}"

# A bundle forged with the compromised key: the attacker signs the pending
# key with a root of their own and a transcript naming it, with the stolen key.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$T/evil.key" -subj "/CN=Test Root R2" -days 3650 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$T/evil.pem" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$T/ext"
openssl x509 -req -in "$T/i2.csr" -CA "$T/evil.pem" -CAkey "$T/evil.key" -CAcreateserial -days 100 -extfile "$T/ext" -out "$T/evil-int.pem" 2>/dev/null
openssl pkey -in "$(ls "$ROOTDIR"/keys/root-*.key)" -passin file:"$T/pass" -out "$T/stolen.key"
sed -n '/BEGIN PINCA ROOT TRANSCRIPT-----/,/END PINCA ROOT TRANSCRIPT-----/p' "$T/i2.pem" | grep -v -- ----- | base64 -d >"$T/tr.json"
"$PY" - "$T/tr.json" "$T/evil.pem" >"$T/forged.json" <<'PYEOF'
import json, sys, hashlib, base64
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
t = json.load(open(sys.argv[1]))
c = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
spki = c.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
for e in t['certificates']:
    if e['role'] == 'standby':
        e['pin'] = 'sha256/' + base64.b64encode(hashlib.sha256(spki).digest()).decode()
        e['sha256_fingerprint'] = hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest()
sys.stdout.write(json.dumps(t, indent=2))
PYEOF
openssl dgst -sha256 -sign "$T/stolen.key" -out "$T/forged.sig" "$T/forged.json"
{ cat "$T/evil-int.pem" "$T/root.pem" "$T/evil.pem"
  echo "-----BEGIN PINCA ROOT TRANSCRIPT-----"; base64 -w 64 "$T/forged.json"; echo "-----END PINCA ROOT TRANSCRIPT-----"
  echo "-----BEGIN PINCA ROOT TRANSCRIPT SIGNATURE-----"; base64 -w 64 "$T/forged.sig"; echo "-----END PINCA ROOT TRANSCRIPT SIGNATURE-----"; } >"$T/forged.pem"
before=$(state_of)
refuse "a bundle whose transcript the compromised key signed teaches nothing" 1 "retired here as compromised: its signature proves nothing" \
  "$PINCA" ca import --cert "$T/forged.pem" --root-pin "$P1"
check "and changed nothing" test "$before" = "$(state_of)"

# The move, as the steps say.
refuse "the import is guarded while release-0 is supported" 3 "release 'release-0'" "$PINCA" ca import --cert "$T/i2.pem" --root-pin "$P1"
check "retire the release that lost its pins" "$PINCA" app retire release-0
check "ca import of the standby-signed intermediate" "$PINCA" ca import --cert "$T/i2.pem" --root-pin "$P1"
check "renew re-signs the leaf under the standby" "$PINCA" renew api "${PASS[@]}"
check "verify: the served chain now reaches the standby" "$PINCA" verify --chain "$T/api-full.pem" --host api.example.com
check "openssl: the chain verifies under the standby alone" sh -c "openssl verify -CAfile '$T/standby.pem' -untrusted '$T/api-full.pem' '$T/api-full.pem' >/dev/null"
check "db check and db audit pass on both hosts" sh -c "'$PINCA' db check >/dev/null && '$PINCA' db audit >/dev/null &&
  '$PINCA' db check --dir '$ROOTDIR' >/dev/null && '$PINCA' db audit --dir '$ROOTDIR' >/dev/null"
# Both roots of a one-machine CA retired: nothing is pinned, and pins says why.
ONE=$T/one
"$PINCA" init --dir "$ONE" >/dev/null
"$PINCA" ca root --dir "$ONE" --cn "One R1" --key ec-p256 "${PASS[@]}" >/dev/null
check "ca retire standby --lost" sh -c "'$PINCA' ca retire standby --lost --dir '$ONE' --json | grep -q '\"use\": \"root\"'"
check "ca retire root --compromised: no root is left" sh -c "'$PINCA' ca retire root --compromised --dir '$ONE' | grep -q 'no root is left: run a new ceremony'"
refuse "pins with every root retired says so" 1 "every root in .* is retired \(the primary as compromised" "$PINCA" pins --dir "$ONE"
check "ca retire --help names the reasons" sh -c "'$PINCA' ca retire --help | grep -q -- '--compromised'"
finish
