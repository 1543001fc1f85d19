#!/bin/bash
# crl_presign_root: `crl --ca root --presign N` makes the root's CRLs for
# the years ahead at the ceremony. Checked with openssl and python's
# cryptography: each verifies with the root, numbers increase, CRL k is valid
# from now + (k-1)(D-30) days for D days, with a critical onlyContainsCACerts
# IDP; `openssl verify -crl_check` takes CRL 2 only once its time has come
# (faketime). A revocation by the root voids them: the next root CRL numbers
# above all of them and names the void files.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
crl_number() { "$PY" -c 'import sys; print(int(sys.argv[1], 16))' \
  "$(openssl crl -in "$1" -noout -crlnumber | cut -d= -f2)"; }
db() { sqlite3 "$PINCA_DIR/pinca.db" "$1"; }
P=$T/pre

check "an ordinary root CRL first" "$PINCA" crl --ca root --out "$T/root0.pem" "${PASS[@]}"
check "crl --ca root --presign 3 --days 60" sh -c "'$PINCA' crl --ca root --presign 3 --days 60 --out-dir '$P' --pass-file '$T/pass' >'$T/sched'"
check "three PEM files, mode 0644" test "$(stat -c %a "$P"/root-crl-{1,2,3}.pem | sort -u)" = 644
for k in 1 2 3; do
  check "root-crl-$k.pem verifies with the root certificate" openssl crl -in "$P/root-crl-$k.pem" -noout -CAfile "$T/root.pem"
done
N0=$(crl_number "$T/root0.pem") N1=$(crl_number "$P/root-crl-1.pem") N2=$(crl_number "$P/root-crl-2.pem") N3=$(crl_number "$P/root-crl-3.pem")
check "numbers increase strictly, above the earlier root CRL" test "$N0" -lt "$N1" -a "$N1" -lt "$N2" -a "$N2" -lt "$N3"
check "windows: k from now + (k-1)x30 days, 60 days each, 30 days of overlap; critical IDP" "$PY" - "$P" "$(date +%s)" <<'PYEOF'
import sys, datetime
from cryptography import x509
d, now = sys.argv[1], int(sys.argv[2])
crls = [x509.load_pem_x509_crl(open(f"{d}/root-crl-{k}.pem", "rb").read()) for k in (1, 2, 3)]
first = crls[0].last_update.replace(tzinfo=datetime.timezone.utc).timestamp()
assert abs(first - now) < 120, (first, now)
day = datetime.timedelta(days=1)
for k, c in enumerate(crls):
    assert c.last_update - crls[0].last_update == k * 30 * day, (k, c.last_update)
    assert c.next_update - c.last_update == 60 * day, (k, c.next_update)
    idp = c.extensions.get_extension_for_class(x509.IssuingDistributionPoint)
    assert idp.critical and idp.value.only_contains_ca_certs and idp.value.full_name is None, idp
    assert len(list(c)) == 0
for a, b in zip(crls, crls[1:]):
    assert a.next_update - b.last_update == 30 * day
PYEOF
check "the schedule says to publish each from its thisUpdate" sh -c "grep -q 'Publish each only from its thisUpdate on' '$T/sched' &&
  grep 'root-crl-1.pem' '$T/sched' | grep -q 'publish now' && grep 'root-crl-3.pem' '$T/sched' | grep -q 'publish from 20'"
check "CRL 1 is current: openssl verify -crl_check accepts the intermediate" \
  openssl verify -crl_check -CAfile "$T/root.pem" -CRLfile "$P/root-crl-1.pem" "$T/int.pem"
check "CRL 2 is not yet valid today" sh -c "! openssl verify -crl_check -CAfile '$T/root.pem' -CRLfile '$P/root-crl-2.pem' '$T/int.pem' >'$T/v' 2>&1 &&
  grep -q 'CRL is not yet valid' '$T/v'"
check "CRL 2 verifies 31 days from now (faketime)" faketime -f '+31d' \
  openssl verify -crl_check -CAfile "$T/root.pem" -CRLfile "$P/root-crl-2.pem" "$T/int.pem"
check "CRL 3 is still not valid 31 days from now" sh -c "! faketime -f '+31d' openssl verify -crl_check -CAfile '$T/root.pem' -CRLfile '$P/root-crl-3.pem' '$T/int.pem' >/dev/null 2>&1"
check "the database records the series" test "$(db "SELECT count(*) FROM presigned_crls p JOIN crls c USING (issuer_id, number)")" = 3
check "db check passes (foreign keys included)" "$PINCA" db check

# Refusals change nothing.
before=$(db "SELECT count(*) FROM crls; SELECT count(*) FROM audit")
refuse "files already there are never replaced" 1 "root-crl-1.pem already exists" "$PINCA" crl --ca root --presign 2 --out-dir "$P" "${PASS[@]}"
refuse "--days above a year" 2 "--days with --presign takes 31..365" "$PINCA" crl --ca root --presign 2 --days 400 --out-dir "$T/x" "${PASS[@]}"
refuse "--presign without --out-dir" 2 "go together" "$PINCA" crl --ca root --presign 2 "${PASS[@]}"
refuse "--presign with --der" 2 "no --out, --der or --if-due" "$PINCA" crl --ca root --presign 2 --der --out-dir "$T/x" "${PASS[@]}"
refuse "--presign 21" 2 "presign" "$PINCA" crl --ca root --presign 21 --out-dir "$T/x" "${PASS[@]}"
refuse "an intermediate does not pre-sign" 1 "pre-signed CRLs are for an offline root" "$PINCA" crl --presign 2 --out-dir "$T/x" "${PASS[@]}"
check "nothing recorded by the refusals, no file written" test "$(db "SELECT count(*) FROM crls; SELECT count(*) FROM audit")" = "$before" -a ! -e "$P/root-crl-4.pem"

# A revocation by the root voids the series.
INT=$(openssl x509 -in "$T/int.pem" -noout -serial | cut -d= -f2)
check "revoke the intermediate" "$PINCA" revoke "$INT" --reason keyCompromise
check "next root CRL (text) names the void files" sh -c "'$PINCA' crl --ca root --out '$T/root1.pem' --pass-file '$T/pass' >'$T/o1' &&
  [ \$(grep -c '^void: .*/root-crl-[123].pem (pre-signed CRL .*never publish it' '$T/o1') = 3 ]"
N4=$(crl_number "$T/root1.pem")
check "it numbers above every pre-signed CRL" test "$N4" -gt "$N3"
check "it lists the intermediate and verifies" sh -c "openssl crl -in '$T/root1.pem' -noout -CAfile '$T/root.pem' &&
  openssl crl -in '$T/root1.pem' -noout -text | grep -q 'Serial Number: $INT'"
check "to standard output: the CRL alone on stdout, the void files on stderr" sh -c "
  '$PINCA' crl --ca root --pass-file '$T/pass' >'$T/o2.pem' 2>'$T/e2' && openssl crl -in '$T/o2.pem' -noout -CAfile '$T/root.pem' &&
  [ \$(grep -c '^pinca: warning: void: ' '$T/e2') = 3 ]"
check "--presign after the revocation: above all, lists it, names the void ones (--json)" sh -c "
  '$PINCA' crl --ca root --presign 2 --out-dir '$T/pre2' --pass-file '$T/pass' --json >'$T/j' &&
  '$PY' -c 'import json, sys; o = json.load(open(sys.argv[1])); n = [c[\"number\"] for c in o[\"crls\"]];
assert n[0] > int(sys.argv[2]) and n[1] == n[0] + 1, n
assert sorted(v[\"path\"].rsplit(\"/\", 1)[1] for v in o[\"void\"]) == [\"root-crl-1.pem\", \"root-crl-2.pem\", \"root-crl-3.pem\"], o[\"void\"]' '$T/j' '$N4' &&
  openssl crl -in '$T/pre2/root-crl-1.pem' -noout -text | grep -q 'Serial Number: $INT'"
check "the new series is not void" sh -c "'$PINCA' crl --ca root --out '$T/root2.pem' --pass-file '$T/pass' >'$T/o3' && ! grep -q 'pre2' '$T/o3'"
check "the intermediate's CRL says nothing of void root CRLs" sh -c "'$PINCA' crl --out '$T/int.crl' --pass-file '$T/pass' >'$T/o4' && ! grep -q void '$T/o4'"
finish
