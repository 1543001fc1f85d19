#!/bin/bash
# The root ceremony and the intermediate, on one machine and on two, checked
# with openssl and Python's cryptography; and every bad input refused cleanly.
. "$(dirname "$0")/lib.sh"

check "init creates the directory" "$PINCA" init
check "CA directory is 0700, keys/ is 0700" sh -c "[ \$(stat -c %a '$PINCA_DIR') = 700 ] && [ \$(stat -c %a '$PINCA_DIR/keys') = 700 ]"
refuse "init twice is refused" 1 "already a CA directory" "$PINCA" init
refuse "unknown option" 2 "unknown option --bogus" "$PINCA" ca root --bogus
refuse "missing --cn" 2 "--cn NAME is required" "$PINCA" ca root "${PASS[@]}"
refuse "Ed25519 names the platforms" 3 "Android.*iOS" "$PINCA" ca root --cn X --key ed25519 "${PASS[@]}"
refuse "P-521 names TrustKit" 3 "TrustKit" "$PINCA" ca root --cn X --key ec-p521 "${PASS[@]}"
refuse "RSA-3072 names TrustKit" 3 "TrustKit" "$PINCA" ca root --cn X --key rsa-3072 "${PASS[@]}"
refuse "unknown key type" 2 "unknown key type" "$PINCA" ca root --cn X --key dsa-1024 "${PASS[@]}"
printf 'short\n' >"$T/short"; chmod 600 "$T/short"
refuse "short passphrase refused" 1 "shorter than" "$PINCA" ca root --cn X --pass-file "$T/short"
printf 'world-readable-pass\n' >"$T/open"; chmod 644 "$T/open"
refuse "world-readable pass file refused" 1 "accessible to others" "$PINCA" ca root --cn X --pass-file "$T/open"
refuse "missing pass file" 1 "cannot read pass file" "$PINCA" ca root --cn X --pass-file "$T/nope"
refuse "no passphrase source without a TTY" 2 "pass-file" setsid "$PINCA" ca root --cn X </dev/null
check "nothing was left behind by refusals" sh -c "[ -z \"\$(ls '$PINCA_DIR/keys')\" ] && [ \$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) FROM cas') = 0 ]"

check "ca root makes primary and standby" "$PINCA" ca root --cn "Test Root R1" --standby-cn "Test Root R2" "${PASS[@]}"
refuse "a second ceremony is refused" 1 "already has a root" "$PINCA" ca root --cn Again "${PASS[@]}"
"$PINCA" ca show root --pem >"$T/root.pem"; "$PINCA" ca show standby --pem >"$T/standby.pem"
check "root key files are 0600" sh -c "for f in '$PINCA_DIR'/keys/*.key; do [ \$(stat -c %a \"\$f\") = 600 ] || exit 1; done"
check "root keys are encrypted PKCS#8 (PBKDF2 600000, AES-256)" sh -c "for f in '$PINCA_DIR'/keys/*.key; do grep -q 'BEGIN ENCRYPTED PRIVATE KEY' \"\$f\" && openssl asn1parse -in \"\$f\" | grep -q ':0927C0' && openssl asn1parse -in \"\$f\" | grep -q aes-256-cbc || exit 1; done"
check "root key decrypts with the passphrase" sh -c "openssl pkey -in \$(ls '$PINCA_DIR'/keys/root-*.key) -passin file:'$T/pass' -noout"
check "root verifies as self-signed (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" "$T/root.pem"
check "standby verifies as self-signed (x509_strict)" openssl verify -x509_strict -CAfile "$T/standby.pem" "$T/standby.pem"
check "root profile (cryptography)" "$PY" - "$T/root.pem" <<'PYEOF'
import sys, datetime
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
c = x509.load_pem_x509_certificate(open(sys.argv[1],'rb').read())
bc = c.extensions.get_extension_for_class(x509.BasicConstraints)
assert bc.critical and bc.value.ca
ku = c.extensions.get_extension_for_class(x509.KeyUsage)
assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
c.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
assert isinstance(c.public_key(), ec.EllipticCurvePublicKey) and c.public_key().curve.name == 'secp384r1'
days = (c.not_valid_after - c.not_valid_before).days
assert 7299 <= days <= 7301, days
assert c.serial_number > 0 and c.serial_number.bit_length() <= 128
PYEOF
check "pins match openssl's SPKI hash" sh -c "'$PINCA' pins --format json | grep -q \"sha256/$(spki_pin "$T/root.pem")\" && '$PINCA' pins --format json | grep -q \"sha256/$(spki_pin "$T/standby.pem")\""
tr=$(ls "$PINCA_DIR"/transcript-root-*.json)
openssl x509 -in "$T/root.pem" -pubkey -noout >"$T/rootpub.pem"
check "transcript signature verifies with openssl dgst" openssl dgst -sha256 -verify "$T/rootpub.pem" -signature "$tr.sig" "$tr"
check "transcript names both pins" sh -c "grep -q \"$(spki_pin "$T/root.pem")\" '$tr' && grep -q \"$(spki_pin "$T/standby.pem")\" '$tr'"
check "transcript is in the database" sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) FROM transcripts') = 1 ]"

# One-machine intermediate.
refuse "bad --permit-dns" 2 "not a DNS name" "$PINCA" ca intermediate --cn I --permit-dns 'bad name' "${PASS[@]}"
printf 'wrong-passphrase-123\n' >"$T/wrong"; chmod 600 "$T/wrong"
before=$(state_of)
refuse "wrong passphrase for the root key" 1 "wrong passphrase" "$PINCA" ca intermediate --cn I --pass-file "$T/wrong"
after=$(state_of)
check "wrong passphrase left nothing behind" test "$before" = "$after"
check "ca intermediate (name constraints)" "$PINCA" ca intermediate --cn "Test Issuing CA" --permit-dns example.com "${PASS[@]}"
"$PINCA" ca show intermediate --pem >"$T/int.pem"
check "intermediate verifies under the root (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" "$T/int.pem"
check "intermediate profile (cryptography)" "$PY" - "$T/int.pem" "$T/root.pem" <<'PYEOF'
import sys
from cryptography import x509
c = x509.load_pem_x509_certificate(open(sys.argv[1],'rb').read())
r = x509.load_pem_x509_certificate(open(sys.argv[2],'rb').read())
bc = c.extensions.get_extension_for_class(x509.BasicConstraints)
assert bc.critical and bc.value.ca and bc.value.path_length == 0
aki = c.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
ski = r.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
assert aki.key_identifier == ski.digest
nc = c.extensions.get_extension_for_class(x509.NameConstraints)
assert nc.critical and [n.value for n in nc.value.permitted_subtrees] == ['example.com']
assert c.not_valid_after <= r.not_valid_after
assert c.public_key().curve.name == 'secp256r1'
PYEOF
check "ca list --json is an array of 3" sh -c "'$PINCA' ca list --json | '$PY' -c 'import json,sys; a=json.load(sys.stdin); assert len(a)==3 and {x[\"role\"] for x in a}=={\"root\",\"standby\",\"intermediate\"}'"
check "ca show by serial (colons, upper case)" sh -c "s=\$(openssl x509 -in '$T/int.pem' -noout -serial | cut -d= -f2 | sed 's/../&:/g;s/:\$//'); '$PINCA' ca show \"\$s\" --json | grep -q 'Test Issuing CA'"
refuse "ca show of an unknown serial" 1 "no CA" "$PINCA" ca show 0badc0de
refuse "ca show of a non-hex serial" 2 "not a serial" "$PINCA" ca show xyz
check "audit log has a record per change" sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) FROM audit') -ge 3 ]"

# Two machines: the root's directory and the issuing host's.
ROOTDIR=$PINCA_DIR; ONLINE=$T/online
check "online host: init" "$PINCA" init --dir "$ONLINE"
check "online host: ca csr" "$PINCA" ca csr --dir "$ONLINE" --cn "Online Issuing CA" --out "$T/int.csr" "${PASS[@]}"
check "the CSR verifies" openssl req -in "$T/int.csr" -verify -noout
refuse "ca sign refuses garbage" 1 "not a certificate signing request" "$PINCA" ca sign --csr /etc/hostname --out "$T/x.pem" "${PASS[@]}"
head -c 200 "$T/int.csr" >"$T/trunc.csr"
refuse "ca sign refuses a truncated CSR" 1 "not a certificate signing request" "$PINCA" ca sign --csr "$T/trunc.csr" --out "$T/x.pem" "${PASS[@]}"
openssl req -new -newkey rsa:1024 -nodes -keyout "$T/weak.key" -subj /CN=weak -out "$T/weak.csr" 2>/dev/null
refuse "ca sign refuses an RSA-1024 CSR" 3 "RSA-1024" "$PINCA" ca sign --csr "$T/weak.csr" --out "$T/x.pem" "${PASS[@]}"
# Flip a byte of the signature: the CSR no longer verifies.
"$PY" - "$T/int.csr" "$T/badsig.csr" <<'PYEOF'
import sys, base64, re
pem = open(sys.argv[1]).read()
der = bytearray(base64.b64decode(''.join(l for l in pem.splitlines() if not l.startswith('-----'))))
der[-5] ^= 0x01
b = base64.b64encode(bytes(der)).decode()
open(sys.argv[2],'w').write('-----BEGIN CERTIFICATE REQUEST-----\n' + '\n'.join(b[i:i+64] for i in range(0,len(b),64)) + '\n-----END CERTIFICATE REQUEST-----\n')
PYEOF
refuse "ca sign refuses a bad signature" 1 "signature does not verify" "$PINCA" ca sign --csr "$T/badsig.csr" --out "$T/x.pem" "${PASS[@]}"
refuse "ca sign refuses a missing output directory" 1 "cannot write" "$PINCA" ca sign --csr "$T/int.csr" --out "$T/nodir/x.pem" "${PASS[@]}"
check "offline host: ca sign" "$PINCA" ca sign --csr "$T/int.csr" --out "$T/signed.pem" --days 1000 "${PASS[@]}"
check "ca sign wrote intermediate, root, standby" sh -c "[ \$(grep -c 'BEGIN CERTIFICATE' '$T/signed.pem') = 3 ]"
check "both sign transcripts (one-machine and ca sign) verify" sh -c "n=0; for f in '$ROOTDIR'/transcript-sign-*.json; do openssl dgst -sha256 -verify '$T/rootpub.pem' -signature \"\$f.sig\" \"\$f\" || exit 1; n=\$((n+1)); done; [ \$n = 2 ]"
# A certificate for some other key must not import.
cat "$T/int.pem" "$T/root.pem" >"$T/other.pem"
refuse "ca import refuses a certificate for another key" 1 "does not match" "$PINCA" ca import --dir "$ONLINE" --cert "$T/other.pem" --root-pin "sha256/$(spki_pin "$T/root.pem")"
check "online host: ca import" "$PINCA" ca import --dir "$ONLINE" --cert "$T/signed.pem" --root-pin "sha256/$(spki_pin "$T/root.pem")"
check "online host learned both roots" sh -c "'$PINCA' pins --dir '$ONLINE' --format json | grep -q \"$(spki_pin "$T/root.pem")\" && '$PINCA' pins --dir '$ONLINE' --format json | grep -q \"$(spki_pin "$T/standby.pem")\""
"$PINCA" ca show --dir "$ONLINE" intermediate --pem >"$T/online-int.pem"
check "imported intermediate verifies (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" "$T/online-int.pem"
refuse "importing twice is refused" 1 "does not match a key waiting" "$PINCA" ca import --dir "$ONLINE" --cert "$T/signed.pem" --root-pin "sha256/$(spki_pin "$T/root.pem")"
check "standby root signs with --root standby" "$PINCA" ca sign --csr "$T/int.csr" --out "$T/signed2.pem" --root standby "${PASS[@]}"
check "standby-signed intermediate verifies under the standby" sh -c "openssl x509 -in '$T/signed2.pem' >'$T/s2.pem' && openssl verify -x509_strict -CAfile '$T/standby.pem' '$T/s2.pem'"
refuse "no command at all" 2 "name a command" "$PINCA"
refuse "no ca subcommand" 2 "name a command" "$PINCA" ca
refuse "unknown command" 2 "unknown command 'pinca frobnicate'" "$PINCA" frobnicate
check "help for every ca command" sh -c "for c in root intermediate csr sign import list show; do '$PINCA' ca \$c --help | grep -q '^usage: pinca ca '\$c || exit 1; done"
finish
