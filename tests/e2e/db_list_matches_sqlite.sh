#!/bin/bash
# db list, text and --json, byte for byte against what Python builds from the
# database itself (sqlite3 + json), after checking those columns against the
# certificates' DER (python cryptography). Covers several DNS names and IPs,
# renewals, a revocation, long lineage names, a name list longer than the
# table keeps, rows the fast formatter leaves to the general path (escapes,
# spaces, non-ASCII), dates far from today, and a schema-2 database that
# migrates to schema 3 and lists the same rows.
. "$(dirname "$0")/lib.sh"

setup_ca --no-passphrase || { echo "FAIL setup"; finish; exit 1; }
iss() { "$PINCA" issue --key-out "$T/$1.key" --cert-out "$T/$1.pem" --name "$@" >/dev/null || echo "FAIL issue $1"; }
iss multi --dns a.example.com --dns b.example.com --dns '*.c.example.com' --ip 10.0.0.1 --ip 2001:db8::7 --ip 192.168.1.20
iss iponly --dns iponly.example.com --ip 10.1.2.3 --days 10
iss a-rather-long-lineage-name --dns long.example.com --days 40
many=(); for i in $(seq 1 30); do many+=(--dns "host-number-$i.many.example.com"); done
iss many "${many[@]}" --days 3
iss renewed --dns renewed.example.com --days 20
"$PINCA" renew renewed >/dev/null || echo "FAIL renew"
iss gone --dns gone.example.com --ip 10.9.9.9 --days 7
"$PINCA" revoke "$(openssl x509 -in "$T/gone.pem" -noout -serial | cut -d= -f2)" --reason superseded >/dev/null || echo "FAIL revoke"
DB=$PINCA_DIR/pinca.db

check "the stored columns agree with each certificate's DER" "$PY" - "$DB" <<'EOF'
import ipaddress, json, sqlite3, sys
from cryptography import x509
rows = sqlite3.connect(sys.argv[1]).execute("SELECT serial, dns, ip, not_before, not_after, der FROM certificates").fetchall()
assert len(rows) == 7, len(rows)
for serial, dns, ip, nb, na, der in rows:
    c = x509.load_der_x509_certificate(der)
    assert "%x" % c.serial_number == serial.lstrip("0"), serial
    san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert json.loads(dns) == san.get_values_for_type(x509.DNSName), (dns, serial)
    assert [ipaddress.ip_address(a) for a in json.loads(ip)] == san.get_values_for_type(x509.IPAddress), ip
    f = lambda t: int((getattr(c, t + "_utc", None) or getattr(c, t).replace(tzinfo=__import__("datetime").timezone.utc)).timestamp())
    assert (f("not_valid_before"), f("not_valid_after")) == (nb, na), serial
EOF

# expect.py DB FORMAT FILTER...: the exact bytes `db list` must print.
cat >"$T/expect.py" <<'EOF'
import json, sqlite3, sys, time
from datetime import datetime, timezone
db, fmt, args = sys.argv[1], sys.argv[2], sys.argv[3:]
now = int(time.time())
q = ("SELECT c.serial, l.name, c.dns, c.ip, c.not_before, c.not_after, c.pin, c.sha256_fingerprint, "
     "c.profile, r.revoked_at, r.reason FROM certificates c LEFT JOIN lineages l ON l.id = c.lineage_id "
     "LEFT JOIN revocations r ON r.serial = c.serial")
rows = sorted(sqlite3.connect(db).execute(q).fetchall(), key=lambda r: (r[5], r[0]))
if args[:1] == ["--expiring"]:
    rows = [r for r in rows if now <= r[5] < now + int(args[1]) * 86400]
if args[:2] == ["--status", "revoked"]:
    rows = [r for r in rows if r[9] is not None]
t = lambda s: datetime.fromtimestamp(s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
status = lambda r: "revoked" if r[9] is not None else ("expired" if r[5] < now else "valid")
out = []
if fmt == "text":
    # printf pads bytes, not characters: format bytes.
    line = lambda *f: b"%-32s  %-7s  %-20s  %-16s  %s\n" % tuple(x.encode() if isinstance(x, str) else x for x in f)
    out.append(line("SERIAL", "STATUS", "NOT_AFTER", "NAME", "NAMES"))
    for r in rows:
        names = ",".join(json.loads(r[2]) + json.loads(r[3])).encode()[:511]
        out.append(line(r[0], status(r), t(r[5]), r[1] or "-", names))
    sys.stdout.buffer.write(b"".join(out))
else:
    for r in rows:
        o = {"serial": r[0], "name": r[1], "dns": json.loads(r[2]), "ip": json.loads(r[3]),
             "not_before": t(r[4]), "not_after": t(r[5]), "status": status(r), "pin": r[6],
             "sha256_fingerprint": r[7], "profile": r[8]}
        if r[9] is not None:
            o["revoked_at"], o["reason_code"] = t(r[9]), r[10]
        out.append(json.dumps(o, separators=(",", ":"), ensure_ascii=False))
    sys.stdout.write("[\n  " + ",\n  ".join(out) + "\n]\n" if out else "[]\n")
EOF
# same FORMAT FILTER...: db list prints exactly what expect.py says.
same() { local fmt=$1; shift
  local j=(); [ "$fmt" = json ] && j=(--json)
  "$PINCA" db list "${j[@]}" "$@" >"$T/got" && "$PY" "$T/expect.py" "$DB" "$fmt" "$@" >"$T/want" &&
  cmp "$T/got" "$T/want" && [ "$(wc -l <"$T/got")" -gt 1 ]; }
list_all() {
  check "$1: text list, every row, same bytes" same text
  check "$1: --json list, every row, same bytes" same json
  check "$1: --expiring 30, text" same text --expiring 30
  check "$1: --expiring 30 --json" same json --expiring 30
  check "$1: --status revoked --json" same json --status revoked
}
list_all "as issued"
check "the long name list is cut to 511 bytes in the table" sh -c "'$PINCA' db list --name many | tail -n 1 | awk '{print length(\$5)}' | grep -qx 511"

# A schema-2 database (schema 3's indexes dropped, schema 1's not_after index
# back) is migrated when opened and lists the same rows.
"$PINCA" db list >"$T/v3.txt"; "$PINCA" db list --json >"$T/v3.json"
sqlite3 "$DB" "DROP INDEX certificates_list; DROP INDEX lineages_id_name; CREATE INDEX certificates_not_after ON certificates(not_after); CREATE INDEX certificates_lineage ON certificates(lineage_id, not_after); CREATE INDEX certificates_issuer ON certificates(issuer_id); DROP TABLE acme_authz; DROP TABLE acme_orders; DROP TABLE acme_accounts; DROP TABLE acme_eab; PRAGMA user_version=2"
check "the schema-2 database is at version 2" test "$(sqlite3 "$DB" 'PRAGMA user_version')" = 2
check "schema 2 migrates: db list prints the same table" sh -c "'$PINCA' db list | cmp - '$T/v3.txt'"
check "and the same JSON" sh -c "'$PINCA' db list --json | cmp - '$T/v3.json'"
check "it is now schema 4 with the covering indexes, without certificates_not_after" test \
  "$(sqlite3 "$DB" "PRAGMA user_version; SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE name IN ('certificates_list', 'certificates_not_after', 'lineages_id_name') ORDER BY name)")" = \
  "$(printf '4\ncertificates_list lineages_id_name')"
check "the migrated database passes db check" "$PINCA" db check
list_all "migrated"

# Rows the fast formatter must hand to the general path, and dates it
# computes itself far from today (leap days, 1970, 2100, 9999).
S=($(sqlite3 "$DB" "SELECT serial FROM certificates ORDER BY serial"))
sqlite3 "$DB" "UPDATE certificates SET dns = '[ \"x\\\"q.example\", \"b.example\" ]' WHERE serial = '${S[0]}';
  UPDATE certificates SET not_before = 0, not_after = 951782400 WHERE serial = '${S[1]}';
  UPDATE certificates SET not_before = 4107542399, not_after = 253402300799 WHERE serial = '${S[2]}';
  UPDATE certificates SET ip = '[]', dns = '[\"\"]' WHERE serial = '${S[3]}';
  UPDATE lineages SET name = 'wéb \"quoted\"' WHERE name = 'iponly';"
check "edited: the JSON arrays really are unusual now" sqlite3 "$DB" "SELECT 1 FROM certificates WHERE dns LIKE '[ %'"
check "edited rows: text, same bytes" same text
check "edited rows: --json, same bytes" same json
check "edited rows: --json is JSON Python reads" sh -c "'$PINCA' db list --json | '$PY' -c 'import json,sys; a=json.load(sys.stdin); assert any(c[\"dns\"]==[\"x\\\"q.example\",\"b.example\"] for c in a)'"
finish
