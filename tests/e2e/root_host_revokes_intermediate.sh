#!/bin/bash
# Two machines: the offline root's directory revokes the intermediate it
# signed and publishes the root CRL (the default signer there is the root);
# the issuing host, which holds no root key, refuses to do either and makes
# its own intermediate CRL.
. "$(dirname "$0")/lib.sh"

ROOTDIR=$T/root ONLINE=$T/online
check "root host: init + ceremony" sh -c "'$PINCA' init --dir '$ROOTDIR' >/dev/null &&
  '$PINCA' ca root --dir '$ROOTDIR' --cn 'Test Root R1' --standby-cn 'Test Root R2' --pass-file '$T/pass' >/dev/null"
check "issuing host: init + csr" sh -c "'$PINCA' init --dir '$ONLINE' >/dev/null &&
  '$PINCA' ca csr --dir '$ONLINE' --cn 'Online Issuing CA' --out '$T/int.csr' --pass-file '$T/pass' >/dev/null"
"$PINCA" ca show root --dir "$ROOTDIR" --pem >"$T/root.pem"
ROOT_PIN=sha256/$(spki_pin "$T/root.pem")
check "root host signs, issuing host imports" sh -c "'$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/int.csr' --out '$T/signed.pem' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca import --dir '$ONLINE' --cert '$T/signed.pem' --root-pin '$ROOT_PIN' >/dev/null"
"$PINCA" ca show intermediate --dir "$ONLINE" --pem >"$T/int.pem"
INT=$(openssl x509 -in "$T/int.pem" -noout -serial | cut -d= -f2)

check "issuing host: its CRL is the intermediate's" sh -c "'$PINCA' crl --dir '$ONLINE' --out '$T/int-crl.pem' --pass-file '$T/pass' >/dev/null &&
  openssl crl -in '$T/int-crl.pem' -noout -CAfile '$T/int.pem'"
refuse "issuing host: no root CRL without the root key" 1 "key of root 'Test Root R1' is not held" \
  "$PINCA" crl --dir "$ONLINE" --ca root "${PASS[@]}"
refuse "issuing host: revoking the intermediate points to the root's directory" 1 \
  "revoke it in that root's CA directory" "$PINCA" revoke --dir "$ONLINE" "$INT" --reason keyCompromise
check "issuing host: nothing was revoked" test "$(sqlite3 "$ONLINE/pinca.db" 'SELECT count(*) FROM revocations')" = 0

check "root host: default CRL is the root's, empty" sh -c "'$PINCA' crl --dir '$ROOTDIR' '--pass-file' '$T/pass' >'$T/root0.pem' &&
  openssl crl -in '$T/root0.pem' -noout -CAfile '$T/root.pem' && openssl crl -in '$T/root0.pem' -noout -text | grep -q 'No Revoked'"
check "-crl_check_all accepts the intermediate before" openssl verify -crl_check_all -CAfile "$T/root.pem" \
  -CRLfile "$T/root0.pem" "$T/int.pem"
check "root host: revoke the intermediate (keyCompromise)" "$PINCA" revoke --dir "$ROOTDIR" "$INT" --reason keyCompromise
check "root host: CRL 2 lists it" sh -c "'$PINCA' crl --dir '$ROOTDIR' --der --out '$T/root1.crl' --pass-file '$T/pass' >/dev/null &&
  openssl crl -inform DER -in '$T/root1.crl' -noout -CAfile '$T/root.pem' &&
  openssl crl -inform DER -in '$T/root1.crl' -noout -text | grep -A4 'Serial Number: $INT' | grep -q 'Key Compromise'"
check "root host: CRL 2 numbers above CRL 1" "$PY" -c 'import sys; a, b = (int(x.split("=")[1], 16) for x in sys.argv[1:]); assert a < b, (a, b)' \
  "$(openssl crl -in "$T/root0.pem" -noout -crlnumber)" "$(openssl crl -inform DER -in "$T/root1.crl" -noout -crlnumber)"
openssl crl -inform DER -in "$T/root1.crl" -out "$T/root1.pem"
check "-crl_check_all now refuses the intermediate" sh -c "! openssl verify -crl_check_all -CAfile '$T/root.pem' -CRLfile '$T/root1.pem' '$T/int.pem' >'$T/v' 2>&1 && grep -q 'certificate revoked' '$T/v'"
check "root host: root CRL nextUpdate is a year out" "$PY" -c '
import sys; from cryptography import x509
c = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
assert (c.next_update - c.last_update).days == 365' "$T/root1.crl"

finish
