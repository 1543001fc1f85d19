#!/bin/bash
# `ca import` learns roots only as proved: the operator gives the primary's
# pin (from the ceremony's record), the standby is the one the primary's
# signed root ceremony transcript in the bundle names, and a bundle holding
# any other self-signed certificate is refused with nothing learned. The
# bundles are tampered with the way someone who can edit the file in
# transit would: a root of their own in place of the standby, in front of
# the primary, an edited transcript, no transcript.
. "$(dirname "$0")/lib.sh"

ROOTDIR=$T/root ONLINE=$T/online
"$PINCA" init --dir "$ROOTDIR" >/dev/null
"$PINCA" ca root --dir "$ROOTDIR" --cn "Test Root R1" --standby-cn "Test Root R2" "${PASS[@]}" >/dev/null
"$PINCA" ca show root --dir "$ROOTDIR" --pem >"$T/root.pem"
"$PINCA" ca show standby --dir "$ROOTDIR" --pem >"$T/standby.pem"
PRIMARY_PIN=sha256/$(spki_pin "$T/root.pem") STANDBY_PIN=sha256/$(spki_pin "$T/standby.pem")
"$PINCA" init --dir "$ONLINE" >/dev/null
"$PINCA" ca csr --dir "$ONLINE" --cn "Online CA" --out "$T/int.csr" "${PASS[@]}" >/dev/null
check "ca sign names the --root-pin to give" sh -c "'$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/int.csr' --out '$T/b.pem' ${PASS[*]} | grep -qF -- '--root-pin $PRIMARY_PIN'"

cp -a "$ROOTDIR" "$T/root-copy"
sqlite3 "$T/root-copy/pinca.db" "DELETE FROM transcripts WHERE kind = 'root'"
refuse "ca sign without the ceremony's transcript is refused" 1 "holds no transcript of the ceremony that made root 'Test Root R1'" \
  "$PINCA" ca sign --dir "$T/root-copy" --csr "$T/int.csr" --out "$T/nt.pem" "${PASS[@]}"
check "and wrote no bundle" test ! -e "$T/nt.pem"

# The bundle as openssl sees it: three certificates (the transcript blocks are skipped).
check "openssl reads the bundle as intermediate, primary, standby" sh -c "openssl crl2pkcs7 -nocrl -certfile '$T/b.pem' | openssl pkcs7 -print_certs -noout | grep -c '^subject' | grep -qx 3 &&
  openssl x509 -in '$T/b.pem' -noout -subject | grep -q 'Online CA'"
# The transcript block, checked with openssl alone.
sed -n '/BEGIN PINCA ROOT TRANSCRIPT-----/,/END PINCA ROOT TRANSCRIPT-----/p' "$T/b.pem" | grep -v -- ----- | base64 -d >"$T/tr.json"
sed -n '/BEGIN PINCA ROOT TRANSCRIPT SIGNATURE/,/END PINCA ROOT TRANSCRIPT SIGNATURE/p' "$T/b.pem" | grep -v -- ----- | base64 -d >"$T/tr.sig"
openssl x509 -in "$T/root.pem" -pubkey -noout >"$T/rootpub.pem"
check "the bundle's transcript verifies with the primary's key (openssl dgst)" openssl dgst -sha256 -verify "$T/rootpub.pem" -signature "$T/tr.sig" "$T/tr.json"
check "it is the root ceremony's transcript, naming both pins" "$PY" - "$T/tr.json" "$PRIMARY_PIN" "$STANDBY_PIN" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
assert t['kind'] == 'root'
assert {(c['role'], c['pin']) for c in t['certificates']} == {('root', sys.argv[2]), ('standby', sys.argv[3])}
PYEOF

# An attacker's self-signed root with the standby's name.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$T/evil.key" \
  -subj "/CN=Test Root R2" -days 3650 -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -out "$T/evil.pem" 2>/dev/null
EVIL_PIN=sha256/$(spki_pin "$T/evil.pem")
# The PEM blocks of the bundle, one file each: c1 (intermediate), c2, c3, tr.
awk -v d="$T" '/-----BEGIN /{n++; f=d "/blk" n} {print > f}' "$T/b.pem"
INT="$T/blk1" ROOT="$T/blk2" STBY="$T/blk3" TR="$T/blk4" SIG="$T/blk5"

before=$(PINCA_DIR=$ONLINE state_of)
refuse "no --root-pin is a usage error" 2 "root-pin PIN are required" "$PINCA" ca import --dir "$ONLINE" --cert "$T/b.pem"
refuse "a malformed --root-pin is a usage error" 2 "is not a pin" "$PINCA" ca import --dir "$ONLINE" --cert "$T/b.pem" --root-pin sha256/abc
refuse "a pin that is in no root of the file" 1 "no root with the pin given by --root-pin" "$PINCA" ca import --dir "$ONLINE" --cert "$T/b.pem" --root-pin "$EVIL_PIN"
refuse "the standby's pin given by mistake is named as such" 1 "--root-pin is the standby root's pin; give the primary's" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/b.pem" --root-pin "$STANDBY_PIN"
cat "$INT" "$ROOT" "$T/evil.pem" "$TR" "$SIG" >"$T/t1.pem"
refuse "the standby replaced by a root of one's own" 1 "certificate 3 is a self-signed root that the primary's signed ceremony transcript does not name" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/t1.pem" --root-pin "$PRIMARY_PIN"
cat "$INT" "$T/evil.pem" "$ROOT" "$STBY" "$TR" "$SIG" >"$T/t2.pem"
refuse "a root of one's own put first" 1 "certificate 2 is a self-signed root" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/t2.pem" --root-pin "$PRIMARY_PIN"
cat "$INT" "$ROOT" "$STBY" "$T/evil.pem" "$TR" "$SIG" >"$T/t3.pem"
refuse "a root of one's own added last" 1 "certificate 4 is a self-signed root" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/t3.pem" --root-pin "$PRIMARY_PIN"
cat "$INT" "$ROOT" "$T/evil.pem" >"$T/t4.pem"
refuse "no transcript: the standby cannot be proved" 1 "no signed root ceremony transcript" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/t4.pem" --root-pin "$PRIMARY_PIN"
# The transcript edited to name the attacker's root as the standby.
"$PY" - "$T/tr.json" "$T/evil.pem" "$EVIL_PIN" >"$T/tr-evil.json" <<'PYEOF'
import json, sys, hashlib
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
t = json.load(open(sys.argv[1]))
der = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read()).public_bytes(Encoding.DER)
for c in t['certificates']:
    if c['role'] == 'standby':
        c['pin'] = sys.argv[3]; c['sha256_fingerprint'] = hashlib.sha256(der).hexdigest()
sys.stdout.write(json.dumps(t, indent=2))
PYEOF
{ echo "-----BEGIN PINCA ROOT TRANSCRIPT-----"; base64 -w 64 "$T/tr-evil.json"; echo "-----END PINCA ROOT TRANSCRIPT-----"; } >"$T/tr-evil.blk"
cat "$INT" "$ROOT" "$T/evil.pem" "$T/tr-evil.blk" "$SIG" >"$T/t5.pem"
refuse "an edited transcript does not verify" 1 "signature does not verify" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/t5.pem" --root-pin "$PRIMARY_PIN"
# The attacker's own transcript, signed by the attacker's root, naming it primary.
"$PY" - "$T/tr.json" "$T/evil.pem" "$EVIL_PIN" "$T/root.pem" >"$T/tr-own.json" <<'PYEOF'
import json, sys, hashlib
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
t = json.load(open(sys.argv[1]))
der = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read()).public_bytes(Encoding.DER)
for c in t['certificates']:
    if c['role'] == 'root':
        c['pin'] = sys.argv[3]; c['sha256_fingerprint'] = hashlib.sha256(der).hexdigest()
sys.stdout.write(json.dumps(t, indent=2))
PYEOF
openssl dgst -sha256 -sign "$T/evil.key" -out "$T/tr-own.sig" "$T/tr-own.json"
{ echo "-----BEGIN PINCA ROOT TRANSCRIPT-----"; base64 -w 64 "$T/tr-own.json"; echo "-----END PINCA ROOT TRANSCRIPT-----";
  echo "-----BEGIN PINCA ROOT TRANSCRIPT SIGNATURE-----"; base64 -w 64 "$T/tr-own.sig"; echo "-----END PINCA ROOT TRANSCRIPT SIGNATURE-----"; } >"$T/tr-own.blk"
cat "$INT" "$T/evil.pem" "$ROOT" "$STBY" "$T/tr-own.blk" >"$T/t6.pem"
refuse "a transcript signed by another root is refused" 1 "signature does not verify" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/t6.pem" --root-pin "$PRIMARY_PIN"
check "the attacker's own pin does not help: the intermediate's signer is the real root" sh -c "! '$PINCA' ca import --dir '$ONLINE' --cert '$T/t6.pem' --root-pin '$EVIL_PIN' 2>/dev/null"
cat "$INT" "$ROOT" "$STBY" "$TR" "$TR" "$SIG" >"$T/t7.pem"
refuse "two transcripts are refused" 1 "more than one PINCA ROOT TRANSCRIPT block" \
  "$PINCA" ca import --dir "$ONLINE" --cert "$T/t7.pem" --root-pin "$PRIMARY_PIN"
check "every refusal left the issuing host as it was" test "$before" = "$(PINCA_DIR=$ONLINE state_of)"
check "no root was learned" test "$(sqlite3 "$ONLINE/pinca.db" "SELECT count(*) FROM cas WHERE role <> 'intermediate'")" = 0

# The roots in the other order: the roles come from the transcript, not the order.
cat "$INT" "$STBY" "$ROOT" "$TR" "$SIG" >"$T/swapped.pem"
check "import with the primary's pin (roots in any order)" "$PINCA" ca import --dir "$ONLINE" --cert "$T/swapped.pem" --root-pin "$PRIMARY_PIN"
check "the primary is the primary, the standby the standby" sh -c "[ \"\$('$PINCA' ca show --dir '$ONLINE' root --json | '$PY' -c 'import json,sys; print(json.load(sys.stdin)[\"pin\"])')\" = '$PRIMARY_PIN' ] &&
  [ \"\$('$PINCA' ca show --dir '$ONLINE' standby --json | '$PY' -c 'import json,sys; print(json.load(sys.stdin)[\"pin\"])')\" = '$STANDBY_PIN' ]"
check "pins on both hosts agree" bash -c "diff <('$PINCA' pins --dir '$ROOTDIR') <('$PINCA' pins --dir '$ONLINE')"
check "the audit record names the --root-pin" sh -c "sqlite3 '$ONLINE/pinca.db' \"SELECT objects FROM audit WHERE action = 'ca.import'\" | grep -qF '$PRIMARY_PIN'"
check "ca import --help names --root-pin" sh -c "'$PINCA' ca import --help | grep -q -- '--root-pin PIN'"
finish
