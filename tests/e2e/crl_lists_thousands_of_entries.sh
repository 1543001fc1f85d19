#!/bin/bash
# The streamed CRL encoder with a few thousand rows (put in with sqlite3):
# the CRL verifies with openssl, and python's cryptography reads back every
# serial (including ones whose top bit needs a leading zero octet and short
# ones), its reason and its date; dates from 2050 on are GeneralizedTime
# (RFC 5280 5.1.2.4), earlier ones UTCTime. No benchmark: correctness only.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
DB=$PINCA_DIR/pinca.db
N=4000
IID=$(sqlite3 "$DB" "SELECT id FROM cas WHERE role = 'intermediate' AND key_path IS NOT NULL")
check "insert $N revocations" sqlite3 "$DB" "
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
  INSERT INTO revocations(serial, issuer_id, revoked_at, reason, not_after)
  SELECT CASE i % 3 WHEN 0 THEN '4' WHEN 1 THEN 'c' ELSE '0' END || substr(lower(hex(randomblob(16))), 2),
    $IID,
    CASE WHEN i % 10 = 0 THEN 2556144000 + i ELSE 1700000000 + i * 997 END,
    CASE i % 9 WHEN 7 THEN 9 WHEN 8 THEN 10 ELSE i % 9 END,
    1900000000
  FROM n;
  INSERT INTO revocations VALUES ('01', $IID, 1700000000, 1, 1900000000);
  INSERT INTO revocations VALUES ('7f', $IID, 1700000000, 2, 1900000000);
  INSERT INTO revocations VALUES ('80', $IID, 1700000000, 3, 1900000000);
  INSERT INTO revocations VALUES ('ff' || substr(lower(hex(randomblob(20))), 3), $IID, 1700000000, 4, 1900000000);"
check "crl with $((N + 4)) entries (DER)" "$PINCA" crl --der --out "$T/big.crl" "${PASS[@]}"
check "crl with $((N + 4)) entries (PEM)" "$PINCA" crl --out "$T/big.pem" "${PASS[@]}"
check "openssl verifies the DER CRL" openssl crl -inform DER -in "$T/big.crl" -noout -CAfile "$T/int.pem"
check "openssl verifies the PEM CRL" openssl crl -in "$T/big.pem" -noout -CAfile "$T/int.pem"
check "PEM lines are 64 characters" sh -c "! grep -v -- '-----' '$T/big.pem' | head -n -1 | grep -qv '^.\{64\}\$'"
check "openssl counts $((N + 4)) entries" test "$(openssl crl -inform DER -in "$T/big.crl" -noout -text | grep -c 'Serial Number:')" = $((N + 4))
check "dates from 2050 are GeneralizedTime, earlier UTCTime" sh -c "
  openssl asn1parse -inform DER -in '$T/big.crl' >'$T/asn1' &&
  [ \$(grep -c GENERALIZEDTIME '$T/asn1') = $((N / 10)) ] && grep -q 'UTCTIME.*:23' '$T/asn1'"
check "python cryptography reads back every serial, reason and date" "$PY" - "$T/big.crl" "$DB" "$IID" <<'PYEOF'
import sys, sqlite3, datetime
from cryptography import x509
crl = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
names = {0: None, 1: "key_compromise", 2: "ca_compromise", 3: "affiliation_changed", 4: "superseded",
         5: "cessation_of_operation", 6: "certificate_hold", 9: "privilege_withdrawn", 10: "aa_compromise"}
want = {}
for serial, at, reason in sqlite3.connect(sys.argv[2]).execute(
        "SELECT serial, revoked_at, reason FROM revocations WHERE issuer_id = ?", (int(sys.argv[3]),)):
    want[int(serial, 16)] = (at, names[reason])
got = {}
for r in crl:
    try:
        reason = r.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        reason = None
    at = int(r.revocation_date.replace(tzinfo=datetime.timezone.utc).timestamp())
    got[r.serial_number] = (at, reason)
assert len(got) == len(want), (len(got), len(want))
bad = [s for s in want if got.get(s) != want[s]]
assert not bad, [(hex(s), want[s], got.get(s)) for s in bad[:5]]
first = sqlite3.connect(sys.argv[2]).execute("SELECT min(number) FROM crls WHERE issuer_id = ?", (int(sys.argv[3]),)).fetchone()[0]
assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == first
PYEOF
check "the crls table counts the entries" test "$(sqlite3 "$DB" "SELECT entries FROM crls WHERE issuer_id = $IID ORDER BY number DESC LIMIT 1")" = $((N + 4))

finish
