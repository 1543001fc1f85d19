#!/bin/bash
# Revocation and CRLs, checked with openssl alone: the CRL verifies against
# its issuer, its number grows on every run, reason codes appear as given,
# `openssl verify -crl_check` refuses the revoked leaf and accepts the
# others, and the root's CRL revoking the intermediate makes
# `openssl verify -crl_check_all` refuse every leaf under it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/revoke/leaf.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
PF="--pass-file $T/pass"	# for sh -c strings ($T has no spaces)
A=$(make_leaf alpha) && B=$(make_leaf bravo) && C=$(make_leaf charlie) && D=$(make_leaf delta) ||
  { echo "FAIL making leaves"; exit 1; }

# crl_number FILE [FORM]: the cRLNumber as openssl prints it, in decimal
# (numbers are time-based: microseconds since 1970, and above the last).
crl_number() { "$PY" -c 'import sys; print(int(sys.argv[1], 16))' \
  "$(openssl crl -in "$1" -inform "${2:-PEM}" -noout -crlnumber | cut -d= -f2)"; }

check "empty CRL of the intermediate" "$PINCA" crl --out "$T/crl0.pem" "${PASS[@]}"
check "empty CRL verifies against the intermediate" openssl crl -in "$T/crl0.pem" -noout -CAfile "$T/int.pem"
check "empty CRL has no revokedCertificates" sh -c "openssl crl -in '$T/crl0.pem' -noout -text | grep -q 'No Revoked Certificates'"
check "empty CRL is v2 with AKI = intermediate SKI" sh -c "
  ski=\$(openssl x509 -in '$T/int.pem' -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
  openssl crl -in '$T/crl0.pem' -noout -text >'$T/t0'
  grep -q 'Version 2' '$T/t0' && grep -A1 'Authority Key Identifier' '$T/t0' | tail -n 1 | tr -d ' ' | grep -qx \"\$ski\""
check "no CRL yet: every leaf verifies with -crl_check" openssl verify -crl_check -CAfile "$T/root.pem" \
  -untrusted "$T/int.pem" -CRLfile "$T/crl0.pem" "$T/alpha.pem" "$T/bravo.pem" "$T/charlie.pem"

# Serials as `openssl x509 -serial` prints them (upper case), with colons too.
UPPER=$(echo "$A" | tr 'a-f' 'A-F')
COLONS=$(echo "$B" | sed 's/../&:/g; s/:$//')
check "revoke alpha (upper case) keyCompromise" "$PINCA" revoke "$UPPER" --reason keyCompromise
check "revoke bravo (colons) with no reason" "$PINCA" revoke "$COLONS"
check "revoke --name delta superseded --json" sh -c "'$PINCA' revoke --name delta --reason superseded --json >'$T/rj' &&
  '$PY' -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o[\"serial\"]==sys.argv[2] and o[\"reason\"]==\"superseded\", o' '$T/rj' '$D'"
# Times are whole seconds: the renewal must come a second later to be the newest.
E1=$(make_leaf echo) && sleep 1 && E2=$(make_leaf echo)
check "lineage echo has two certificates" test -n "$E1" -a -n "$E2" -a "$E1" != "$E2"
check "revoke --name echo revokes its newest certificate only" sh -c "'$PINCA' revoke --name echo >/dev/null &&
  [ \"\$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT group_concat(serial) FROM revocations WHERE serial IN ('$E1','$E2')\")\" = '$E2' ]"
check "revocations recorded with reasons 1, 0, 4" sh -c "[ \"\$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT reason FROM revocations WHERE serial IN ('$A','$B','$D') ORDER BY reason\" | tr '\n' ' ')\" = '0 1 4 ' ]"
check "revoke wrote audit records" sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT count(*) FROM audit WHERE action = 'revoke'\") = 4 ]"

check "CRL 2 (PEM to stdout)" sh -c "'$PINCA' crl $PF >'$T/crl1.pem'"
check "CRL verifies against the intermediate" openssl crl -in "$T/crl1.pem" -noout -CAfile "$T/int.pem"
check "CRL number went up" test "$(crl_number "$T/crl0.pem")" -lt "$(crl_number "$T/crl1.pem")"
openssl crl -in "$T/crl1.pem" -noout -text >"$T/t1"
# reason_of SERIAL: the reason line printed under that entry ("-" if none).
reason_of() { awk -v s="$(echo "$1" | tr 'a-f' 'A-F')" '
  /Serial Number:/ { cur = $3 } 
  /CRL Reason Code/ { getline; gsub(/^ +/, ""); r[cur] = $0 }
  END { print (s in r) ? r[s] : "-" }' "$T/t1"; }
check "alpha listed as Key Compromise" test "$(reason_of "$A")" = "Key Compromise"
check "delta listed as Superseded" test "$(reason_of "$D")" = "Superseded"
check "bravo listed without a reason code (unspecified)" sh -c "grep -q 'Serial Number: $(echo "$B" | tr a-f A-F)' '$T/t1' && [ '$(reason_of "$B")' = - ]"
check "charlie is not listed" sh -c "grep -q 'Revoked Certificates' '$T/t1' && ! grep -qi '$C' '$T/t1'"
check "CRL lists exactly four entries" test "$(grep -c 'Serial Number:' "$T/t1")" = 4
check "python cryptography reads the same entries and reasons" "$PY" - "$T/crl1.pem" "$A" "$B" "$D" "$E2" "$(crl_number "$T/crl1.pem")" <<'PYEOF'
import sys
from cryptography import x509
crl = x509.load_pem_x509_crl(open(sys.argv[1], "rb").read())
got = {}
for r in crl:
    try:
        got[r.serial_number] = r.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        got[r.serial_number] = None
want = {int(sys.argv[2], 16): "key_compromise", int(sys.argv[3], 16): None, int(sys.argv[4], 16): "superseded",
        int(sys.argv[5], 16): None}
assert got == want, (got, want)
assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == int(sys.argv[6])
# An intermediate's CRL covers leaves: no onlyContainsCACerts distribution point.
assert not any(e.oid == x509.oid.ExtensionOID.ISSUING_DISTRIBUTION_POINT for e in crl.extensions)
assert (crl.next_update - crl.last_update).days == 7
PYEOF

check "openssl verify -crl_check refuses alpha: certificate revoked" sh -c "
  openssl verify -crl_check -CAfile '$T/root.pem' -untrusted '$T/int.pem' -CRLfile '$T/crl1.pem' '$T/alpha.pem' >'$T/v' 2>&1
  [ \$? -ne 0 ] && grep -q 'certificate revoked' '$T/v'"
check "openssl verify -crl_check accepts charlie" openssl verify -crl_check -CAfile "$T/root.pem" \
  -untrusted "$T/int.pem" -CRLfile "$T/crl1.pem" "$T/charlie.pem"
check "openssl verify -crl_check refuses bravo and delta too" sh -c "
  ! openssl verify -crl_check -CAfile '$T/root.pem' -untrusted '$T/int.pem' -CRLfile '$T/crl1.pem' '$T/bravo.pem' &&
  ! openssl verify -crl_check -CAfile '$T/root.pem' -untrusted '$T/int.pem' -CRLfile '$T/crl1.pem' '$T/delta.pem'"

check "--der writes DER to a file" "$PINCA" crl --der --out "$T/crl2.der" "${PASS[@]}"
check "DER CRL verifies" openssl crl -inform DER -in "$T/crl2.der" -noout -CAfile "$T/int.pem"
N3=$(crl_number "$T/crl2.der" DER)
check "DER CRL numbers above the PEM one" test "$(crl_number "$T/crl1.pem")" -lt "$N3"
check "the DER file starts with a SEQUENCE" sh -c "[ \"\$(head -c 1 '$T/crl2.der' | od -An -tx1 | tr -d ' ')\" = 30 ]"
check "CRL file is mode 0644" test "$(stat -c %a "$T/crl2.der")" = 644
check "crls table: three numbers, the last with sha256 of what was written" sh -c "
  [ \"\$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) || \",\" || max(number) FROM crls')\" = 3,$N3 ] &&
  [ \"\$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT sha256 FROM crls WHERE number = $N3')\" = \"\$(sha256sum '$T/crl2.der' | cut -d' ' -f1)\" ] &&
  [ \"\$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT entries FROM crls WHERE number = $N3')\" = 4 ]"

# --if-due: a weekly CRL is not due within 24 hours, is due within 200.
check "--if-due 24: not due, nothing written" sh -c "'$PINCA' crl --if-due 24 --out '$T/crl2.der' --der $PF >'$T/o' && [ ! -s '$T/o' ]"
check "--if-due 24: the file still holds the same CRL" test "$(crl_number "$T/crl2.der" DER)" = "$N3"
check "--if-due 200: due" "$PINCA" crl --if-due 200 --out "$T/crl2.der" --der "${PASS[@]}"
check "--if-due 200: a new number" test "$(crl_number "$T/crl2.der" DER)" -gt "$N3"
check "--if-due with the file missing regenerates" sh -c "'$PINCA' crl --if-due 24 --out '$T/fresh.pem' $PF >/dev/null &&
  openssl crl -in '$T/fresh.pem' -noout -CAfile '$T/int.pem'"
check "--days 30 sets nextUpdate 30 days out" sh -c "'$PINCA' crl --days 30 $PF >'$T/d30.pem' &&
  '$PY' -c 'import sys; from cryptography import x509; c=x509.load_pem_x509_crl(open(sys.argv[1],\"rb\").read()); assert (c.next_update-c.last_update).days==30' '$T/d30.pem'"

check "--days past the intermediate's notAfter: nextUpdate is its notAfter" sh -c "'$PINCA' crl --days 3650 $PF >'$T/dmax.pem' &&
  '$PY' -c 'import sys; from cryptography import x509; c=x509.load_pem_x509_crl(open(sys.argv[1],\"rb\").read()); i=x509.load_pem_x509_certificate(open(sys.argv[2],\"rb\").read()); assert (i.not_valid_after-c.last_update).days < 3650, \"precondition\"; assert c.next_update == i.not_valid_after, (c.next_update, i.not_valid_after)' '$T/dmax.pem' '$T/int.pem' &&
  openssl crl -in '$T/dmax.pem' -noout -CAfile '$T/int.pem'"

# The root's CRL revokes the intermediate; every leaf under it then fails -crl_check_all.
check "root CRL before any revocation (365 days)" "$PINCA" crl --ca root --out "$T/root0.pem" "${PASS[@]}"
check "root CRL verifies against the root" openssl crl -in "$T/root0.pem" -noout -CAfile "$T/root.pem"
check "root CRL: critical IDP, only CA certificates" sh -c "openssl crl -in '$T/root0.pem' -noout -text >'$T/tr' &&
  grep -A1 'Issuing Distribution Point: critical' '$T/tr' | grep -q 'Only CA Certificates'"
check "root CRL nextUpdate is 365 days" "$PY" -c 'import sys; from cryptography import x509; c=x509.load_pem_x509_crl(open(sys.argv[1],"rb").read()); assert (c.next_update-c.last_update).days==365' "$T/root0.pem"
check "-crl_check_all accepts charlie with both CRLs" openssl verify -crl_check_all -CAfile "$T/root.pem" \
  -untrusted "$T/int.pem" -CRLfile "$T/crl1.pem" -CRLfile "$T/root0.pem" "$T/charlie.pem"
INT=$(openssl x509 -in "$T/int.pem" -noout -serial | cut -d= -f2)
check "revoke the intermediate cACompromise" "$PINCA" revoke "$INT" --reason cACompromise
check "root CRL 2 lists the intermediate" sh -c "'$PINCA' crl --ca root --out '$T/root1.pem' $PF >/dev/null &&
  openssl crl -in '$T/root1.pem' -noout -CAfile '$T/root.pem' && openssl crl -in '$T/root1.pem' -noout -text | grep -q 'Serial Number: $INT' &&
  openssl crl -in '$T/root1.pem' -noout -text | grep -q 'CA Compromise'"
check "root CRL 2 numbers above root CRL 1" test "$(crl_number "$T/root0.pem")" -lt "$(crl_number "$T/root1.pem")"
check "the intermediate's own CRL does not list it" sh -c "'$PINCA' crl $PF | openssl crl -noout -text >'$T/t2' && ! grep -q '$INT' '$T/t2'"
for leaf in alpha charlie; do
  check "-crl_check_all refuses $leaf under the revoked intermediate" sh -c "
    openssl verify -crl_check_all -CAfile '$T/root.pem' -untrusted '$T/int.pem' -CRLfile '$T/crl1.pem' \
      -CRLfile '$T/root1.pem' '$T/$leaf.pem' >'$T/v' 2>&1; [ \$? -ne 0 ] && grep -q 'certificate revoked' '$T/v'"
done
check "the root's CRLs are counted apart (2 of the root, 8 of the intermediate)" test "$(sqlite3 "$PINCA_DIR/pinca.db" \
  "SELECT group_concat(m) FROM (SELECT count(*) m FROM crls GROUP BY issuer_id ORDER BY issuer_id)")" = "2,8"
check "crl wrote audit records" test "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM audit WHERE action = 'crl'")" = 10
refuse "a revoked intermediate issues nothing more" 1 "was revoked on" "$PINCA" issue --name after --dns localhost --key-out "$T/after.key" "${PASS[@]}"
check "--ca standby makes the standby's empty CRL" sh -c "'$PINCA' crl --ca standby $PF | openssl crl -noout -CAfile '$T/standby.pem'"

finish
