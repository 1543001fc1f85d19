#!/bin/bash
# Rotating the intermediate keeps its name constraints (review finding 12):
# `ca sign` without --permit-dns carries those of the newest intermediate
# the root's directory signed, shows them before signing, and records them,
# the CSR's SHA-256 and the signing root in the signed transcript; the new
# intermediate then refuses www.evil.org. --no-constraints drops them on
# purpose. `ca intermediate` (one machine) carries them the same way.
. "$(dirname "$0")/lib.sh"

ROOTDIR=$T/root ONLINE=$T/online
P=(--pass-file "$T/pass")
# The primary root's pin, as the ceremony record gives it to the issuing host.
rootpin() { "$PINCA" ca show root --dir "$ROOTDIR" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["pin"])'; }
check "root host: ceremony" sh -c "'$PINCA' init --dir '$ROOTDIR' >/dev/null &&
  '$PINCA' ca root --dir '$ROOTDIR' --cn 'Test Root R1' --standby-cn 'Test Root R2' --pass-file '$T/pass' >/dev/null"
"$PINCA" ca show root --dir "$ROOTDIR" --pem >"$T/root.pem"
"$PINCA" ca show standby --dir "$ROOTDIR" --pem >"$T/standby.pem"
openssl x509 -in "$T/root.pem" -pubkey -noout >"$T/rootpub.pem"
check "issuing host: first intermediate, signed with --permit-dns example.com" sh -c "
  '$PINCA' init --dir '$ONLINE' >/dev/null &&
  '$PINCA' ca csr --dir '$ONLINE' --cn 'Issuing CA 1' --out '$T/i1.csr' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/i1.csr' --out '$T/i1.pem' --permit-dns example.com --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca import --dir '$ONLINE' --cert '$T/i1.pem' --root-pin "$(rootpin)" >/dev/null"

# Rotation: a new CSR, signed without any constraint flag.
check "issuing host: second CSR" "$PINCA" ca csr --dir "$ONLINE" --cn "Issuing CA 2" --out "$T/i2.csr" "${P[@]}"
check "root host: ca sign without --permit-dns" sh -c "'$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/i2.csr' --out '$T/i2.pem' --pass-file '$T/pass' >'$T/sign2.out'"
check "the constraints were shown before the intermediate was signed" sh -c "
  head -n 1 '$T/sign2.out' | grep -qx 'name constraints: permitted dns:example.com; excluded ip:0.0.0.0/0, ip:::/0' &&
  sed -n 2p '$T/sign2.out' | grep -q \"carried from intermediate 'Issuing CA 1'\" && sed -n 3p '$T/sign2.out' | grep -q '^crl distribution point: none' &&
  grep -n '^intermediate ' '$T/sign2.out' | grep -q '^4:'"
check "the new intermediate carries example.com and excludes every IP (openssl)" sh -c "
  openssl x509 -in '$T/i2.pem' -noout -ext nameConstraints >'$T/nc2' && grep -q 'critical' '$T/nc2' &&
  grep -A1 Permitted '$T/nc2' | grep -q 'DNS:example.com' && grep -A3 Excluded '$T/nc2' | grep -q 'IP:0.0.0.0/0.0.0.0'"
check "issuing host: import the second intermediate" "$PINCA" ca import --dir "$ONLINE" --cert "$T/i2.pem" --root-pin "$(rootpin)"
refuse "the new intermediate does not issue www.evil.org" 3 "name-constraints: 'www.evil.org'" \
  "$PINCA" issue --dir "$ONLINE" --name evil --dns www.evil.org --key-out "$T/evil.key" "${P[@]}"
check "it issues www.example.com" "$PINCA" issue --dir "$ONLINE" --name web --dns www.example.com --key-out "$T/web.key" "${P[@]}"

TR=$(ls -t "$ROOTDIR"/transcript-sign-*.json | head -n 1)
check "the sign transcript verifies with the root's key" openssl dgst -sha256 -verify "$T/rootpub.pem" -signature "$TR.sig" "$TR"
CSRHASH=$(openssl req -in "$T/i2.csr" -outform DER | sha256sum | cut -d' ' -f1)
ROOTSERIAL=$(openssl x509 -in "$T/root.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
check "the transcript records the constraints, the CSR's SHA-256 and the signing root" "$PY" - "$TR" "$CSRHASH" \
  "sha256/$(spki_pin "$T/root.pem")" "$ROOTSERIAL" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
s = t["signing"]
assert s["csr_sha256"] == sys.argv[2], (s["csr_sha256"], sys.argv[2])
assert s["root"]["pin"] == sys.argv[3] and s["root"]["serial"] == sys.argv[4], s["root"]
nc = s["name_constraints"]
assert nc["source"] == "carried", nc
assert nc["constraints"]["permitted"] == ["dns:example.com"], nc
assert set(nc["constraints"]["excluded"]) == {"ip:0.0.0.0/0", "ip:::/0"}, nc
assert nc["previous_serial"] and nc["previous_constraints"]["permitted"] == ["dns:example.com"], nc
assert t["certificates"][0]["cn"] == "Issuing CA 2"
EOF
check "the audit log of the root host records the same" sh -c "sqlite3 '$ROOTDIR/pinca.db' \"SELECT objects FROM audit WHERE action = 'ca.sign' ORDER BY seq DESC LIMIT 1\" | grep -q '\"csr_sha256\": *\"$CSRHASH\"'"

# The standby root carries them too.
check "ca sign --root standby carries them" sh -c "'$PINCA' ca csr --dir '$ONLINE' --cn 'Issuing CA 3' --out '$T/i3.csr' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/i3.csr' --out '$T/i3.pem' --root standby --pass-file '$T/pass' >/dev/null &&
  openssl x509 -in '$T/i3.pem' -noout -ext nameConstraints | grep -q 'DNS:example.com' &&
  openssl verify -x509_strict -CAfile '$T/standby.pem' '$T/i3.pem'"

# Dropping them takes an explicit flag.
refuse "--no-constraints with --permit-dns is a usage error" 2 "no-constraints goes without" \
  "$PINCA" ca sign --dir "$ROOTDIR" --csr "$T/i3.csr" --out "$T/x.pem" --no-constraints --permit-dns example.com "${P[@]}"
check "ca sign --no-constraints drops them and says so" sh -c "'$PINCA' ca csr --dir '$ONLINE' --cn 'Issuing CA 4' --out '$T/i4.csr' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/i4.csr' --out '$T/i4.pem' --no-constraints --pass-file '$T/pass' >'$T/sign4.out' &&
  grep -q '^name constraints: none' '$T/sign4.out' && grep -q 'dropped by --no-constraints' '$T/sign4.out' &&
  ! openssl x509 -in '$T/i4.pem' -noout -text | grep -q 'Name Constraints'"
check "the dropped constraints are in the transcript" sh -c "'$PY' -c '
import json, sys; s = json.load(open(sys.argv[1]))[\"signing\"][\"name_constraints\"]
assert s[\"source\"] == \"dropped\" and s[\"constraints\"] is None and s[\"previous_constraints\"][\"permitted\"] == [\"dns:example.com\"], s
' \"\$(ls -t '$ROOTDIR'/transcript-sign-*.json | head -n 1)\""

# One machine: ca intermediate carries them on rotation.
setup_ca --permit-dns example.com || bad "one-machine setup"
check "ca intermediate without flags carries the previous constraints" sh -c "'$PINCA' ca intermediate --cn 'Issuing CA B' $(printf "'%s' " "${P[@]}") >'$T/ci.out' &&
  grep -q \"carried from intermediate 'Test Issuing CA'\" '$T/ci.out' &&
  '$PINCA' ca show intermediate --pem | openssl x509 -noout -ext nameConstraints | grep -q 'DNS:example.com'"
refuse "and the rotated intermediate refuses www.evil.org" 3 "name-constraints" \
  "$PINCA" issue --name evil --dns www.evil.org --key-out "$T/evil2.key" "${P[@]}"
check "ca intermediate --json says where the constraints came from" sh -c "'$PINCA' ca intermediate --cn 'Issuing CA C' --json $(printf "'%s' " "${P[@]}") |
  '$PY' -c 'import json, sys; s = json.load(sys.stdin)[\"signing\"][\"name_constraints\"]; assert s[\"source\"] == \"carried\" and s[\"constraints\"][\"permitted\"] == [\"dns:example.com\"], s'"

finish
