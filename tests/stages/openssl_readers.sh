#!/bin/bash
# openssl_readers: the direct DER readers (ca/der_direct.h) and OpenSSL's own
# must agree. ./pinca reads P-256 CSRs, unencrypted EC CA keys and EC
# certificates directly; build/openssl-readers/pinca (`make
# OPENSSL_READERS=1`) has every direct reader decline, so OpenSSL reads every
# input. Part 1 runs the end-to-end scripts that go through those readers
# (CSR issuance, batches, renewal, CA key files, db check and list, lints,
# an ACME finalize) with the second build. Part 2 gives both builds one CA
# (its intermediate key unencrypted, so the key reader is used), the same
# inputs and the same frozen clock (faketime), and requires the same
# results: every certificate's TBSCertificate identical byte for byte but
# for the random serial, the same batch output and rows, the same refusal
# (exit status and message) for every input either refuses, and the same
# `db check`. About a minute. Ends with "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD REL=$PWD/pinca OSSL=$PWD/build/openssl-readers/pinca
PASSED=0 FAILED=0
ok()  { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED+1)); echo "FAIL $1"; [ -n "${2:-}" ] && head -n 8 <<<"$2" | sed 's/^/     /'; return 0; }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; }
if [ ! -x "$REL" ] || [ ! -x "$OSSL" ]; then
  bad "$REL and $OSSL are needed (make all; make OPENSSL_READERS=1 all)"; finish; exit 1
fi
W=$(mktemp -d /tmp/pinca-readers.XXXXXX)
trap 'rm -rf "$W"' EXIT

# --- Part 1: the end-to-end scripts through OpenSSL's readers ---------------
for s in issue_csr_fastpath issue_ca_key_paths batch issue_and_renew db_check_detects_damage \
    db_list_show lints renew_windows acme_lego; do
  out=$(PINCA=$OSSL timeout 300 bash "tests/e2e/$s.sh" 2>&1); rc=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
  if [ "$rc" -eq 0 ] && [ -n "$line" ] && [ "${line#*, }" = "0 failed" ]; then
    ok "e2e $s with OpenSSL's readers ($line)"
  else
    bad "e2e $s with OpenSSL's readers (exit $rc, ${line:-no result line})" "$(grep '^FAIL' <<<"$out")"
  fi
done

# --- Part 2: the same inputs through both builds ----------------------------
export PINCA_DIR=$W/ca
mkdir -p "$W/in"
{ "$REL" init && "$REL" ca root --cn "Readers Root" --no-passphrase &&
  "$REL" ca intermediate --cn "Readers Issuing CA" --no-passphrase; } >/dev/null 2>&1 ||
  { bad "CA setup"; finish; exit 1; }
cp -a "$W/ca" "$W/ca.clean"

# The inputs: CSRs each reader takes, CSRs only OpenSSL's reader takes, and
# CSRs both must refuse.
I=$W/in
req() { openssl req -new -key "$1" "${@:3}" -out "$I/$2" 2>/dev/null; }
openssl ecparam -name prime256v1 -genkey -noout -out "$I/k256.pem"
openssl ec -in "$I/k256.pem" -conv_form compressed -out "$I/k256c.pem" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$I/k384.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$I/krsa.pem" 2>/dev/null
req "$I/k256.pem" p256.csr -subj /CN=a.example -addext "subjectAltName=DNS:a.example,DNS:b.example"
req "$I/k256.pem" p256.der -outform DER -subj /CN=d.example -addext "subjectAltName=DNS:d.example"
req "$I/k256.pem" p256-text.csr -text -subj /CN=t.example -addext "subjectAltName=DNS:t.example"
req "$I/k256.pem" p256-ip.csr -subj /O=Readers -addext "subjectAltName=IP:192.0.2.7,IP:2001:db8::7"
req "$I/k256c.pem" p256-compressed.csr -subj /CN=c.example -addext "subjectAltName=DNS:c.example"
req "$I/k384.pem" p384.csr -subj /CN=p384.example -addext "subjectAltName=DNS:p384.example"
req "$I/krsa.pem" rsa.csr -subj /CN=rsa.example -addext "subjectAltName=DNS:rsa.example"
sed 's/$/\r/' "$I/p256.csr" >"$I/p256-crlf.csr"
cat "$I/p256.csr" "$I/p384.csr" >"$I/two.csr"
{ cat "$I/p256.der"; printf 'x'; } >"$I/trailing.der"
python3 - "$I" <<'PYEOF'
import sys
d = sys.argv[1]
der = bytearray(open(d + "/p256.der", "rb").read())
a = bytearray(der); a[a.find(b"d.example")] = ord("x"); open(d + "/altered.der", "wb").write(a)
b = bytearray(der); b[-3] ^= 1; open(d + "/badsig.der", "wb").write(b)
open(d + "/garbage.csr", "wb").write(b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
PYEOF
inputs=$(cd "$I" && ls ./*.csr ./*.der | sed 's|^\./||')

# A frozen clock a minute after now: both builds sign the same validity.
NOW=$(date -u -d '+1 minute' '+%Y-%m-%d %H:%M:%S')
frozen() { TZ=UTC faketime -f "$NOW" "$@"; }

# run_all BIN TAG: every input through BIN on a fresh copy of the CA, as
# single issues and as one batch, then db check; everything lands in
# $W/TAG. The CA directory and output paths are the same for both builds.
run_all() { local bin=$1 tag=$2
  rm -rf "$W/ca" "$W/out" && cp -a "$W/ca.clean" "$W/ca" && mkdir -p "$W/out" "$W/$tag"
  for f in $inputs; do
    frozen "$bin" issue --name "s-$f" --csr "$I/$f" --cert-out "$W/out/s-$f.pem" >/dev/null 2>"$W/$tag/$f.err"
    echo $? >"$W/$tag/$f.rc"
    printf '{"name":"b-%s","csr":"%s","cert_out":"%s"}\n' "$f" "$I/$f" "$W/out/b-$f.pem"
  done >"$W/batch.jsonl"
  frozen "$bin" issue --batch "$W/batch.jsonl" >"$W/$tag/batch.out" 2>"$W/$tag/batch.err"
  echo $? >"$W/$tag/batch.rc"
  frozen "$bin" renew s-p256.csr >/dev/null 2>"$W/$tag/renew.err"; echo $? >"$W/$tag/renew.rc"
  frozen "$bin" db check >"$W/$tag/check.out" 2>&1; echo $? >"$W/$tag/check.rc"
  sqlite3 "$W/ca/pinca.db" "SELECT l.name, l.profile, l.key_type, hex(l.spki), l.pin, l.dns, l.ip, \
    l.days, c.profile, c.subject, c.dns, c.ip, c.pin, c.not_before, c.not_after \
    FROM certificates c JOIN lineages l ON l.id = c.lineage_id ORDER BY l.name, c.not_after, c.issued_at" \
    >"$W/$tag/rows"
  for c in "$W/out"/*.pem; do [ -f "$c" ] && cp "$c" "$W/$tag/"; done
  sqlite3 "$W/ca/pinca.db" "SELECT l.name || ' ' || hex(c.der) FROM certificates c
    JOIN lineages l ON l.id = c.lineage_id ORDER BY l.name, c.issued_at" >"$W/$tag/ders"
}
run_all "$REL" rel
run_all "$OSSL" ossl

same=1 diffs=""
for f in $inputs; do
  if ! cmp -s "$W/rel/$f.rc" "$W/ossl/$f.rc" || ! cmp -s "$W/rel/$f.err" "$W/ossl/$f.err"; then
    same=0; diffs+="$f: exit $(cat "$W/rel/$f.rc") vs $(cat "$W/ossl/$f.rc"): $(cat "$W/rel/$f.err") | $(cat "$W/ossl/$f.err")"$'\n'
  fi
done
if [ "$same" = 1 ]; then ok "each of $(wc -w <<<"$inputs") CSRs: the same exit status and message from both builds"
else bad "the builds answer some CSRs differently" "$diffs"; fi
taken=0 refused=0
for f in $inputs; do
  if [ "$(cat "$W/rel/$f.rc")" = 0 ]; then taken=$((taken + 1)); else refused=$((refused + 1)); fi
done
if [ "$taken" -ge 8 ] && [ "$refused" -ge 4 ]; then ok "$taken CSRs issued and $refused refused (both kinds are compared)"
else bad "expected at least 8 issued and 4 refused CSRs, got $taken and $refused"; fi
# Batch lines: the same, once each line's serial is taken out.
mask() { sed -E 's/"serial": ?"[0-9A-Fa-f]+"/"serial":"-"/g' "$1"; }
if [ "$(mask "$W/rel/batch.out")" = "$(mask "$W/ossl/batch.out")" ] && cmp -s "$W/rel/batch.rc" "$W/ossl/batch.rc" &&
   [ "$(grep -c '"serial"' "$W/rel/batch.out")" -ge 8 ]; then
  ok "batch: the same output line for every request, serials aside"
else bad "batch output differs" "$(diff <(mask "$W/rel/batch.out") <(mask "$W/ossl/batch.out"))"; fi
if cmp -s "$W/rel/renew.rc" "$W/ossl/renew.rc" && [ "$(cat "$W/rel/renew.rc")" = 0 ]; then ok "renew of a CSR lineage succeeds with both"
else bad "renew: exit $(cat "$W/rel/renew.rc") vs $(cat "$W/ossl/renew.rc")" "$(cat "$W/rel/renew.err" "$W/ossl/renew.err")"; fi
if cmp -s "$W/rel/rows" "$W/ossl/rows" && [ "$(wc -l <"$W/rel/rows")" -ge 17 ]; then
  ok "the same rows: lineages and certificates ($(wc -l <"$W/rel/rows")), names, keys, pins, validity"
else bad "the rows differ" "$(diff "$W/rel/rows" "$W/ossl/rows")"; fi
if cmp -s "$W/rel/check.out" "$W/ossl/check.out" && [ "$(cat "$W/rel/check.rc")" = 0 ] &&
   cmp -s "$W/rel/check.rc" "$W/ossl/check.rc"; then ok "db check: the same report, no problem"
else bad "db check differs" "$(diff "$W/rel/check.out" "$W/ossl/check.out")"; fi
# Every certificate, byte for byte but for its serial (tools we did not
# write parse it: python3 cryptography for the TBS, openssl verify).
if out=$(python3 - "$W/rel/ders" "$W/ossl/ders" <<'PYEOF' 2>&1
import sys
from cryptography import x509

def tlv(b, i):
    """(start of content, end) of the TLV at i."""
    n = b[i + 1]
    if n < 0x80:
        return i + 2, i + 2 + n
    k = n & 0x7f
    return i + 2 + k, i + 2 + k + int.from_bytes(b[i + 2:i + 2 + k], "big")

def masked(der):
    """The TBSCertificate with its serial INTEGER replaced by 02 01 00."""
    tbs = x509.load_der_x509_certificate(der).tbs_certificate_bytes
    c, _ = tlv(tbs, 0)
    _, v_end = tlv(tbs, c)            # [0] version
    _, s_end = tlv(tbs, v_end)        # serialNumber
    return tbs[c:v_end] + b"\x02\x01\x00" + tbs[s_end:]

rows = [dict(), dict()]
for k, path in enumerate(sys.argv[1:3]):
    for line in open(path):
        name, hexder = line.split()
        rows[k].setdefault(name, []).append(bytes.fromhex(hexder))
assert rows[0].keys() == rows[1].keys(), "different lineages"
n = 0
for name in rows[0]:
    a, b = rows[0][name], rows[1][name]
    assert len(a) == len(b), name + ": a different number of certificates"
    for x, y in zip(a, b):
        assert x != y, name + ": identical DER (the serial should differ)"
        assert masked(x) == masked(y), name + ": the TBSCertificates differ"
        n += 1
assert n >= 17, "only %d certificates" % n
print(n)
PYEOF
); then ok "all $out certificates: the same TBSCertificate byte for byte, serials aside"
else bad "certificates differ between the builds" "$out"; fi
vok=1
for c in "$W/ossl"/*.pem; do
  openssl verify -x509_strict -CAfile <("$REL" ca show root --pem) \
    -untrusted <("$REL" ca show intermediate --pem) "$c" >/dev/null 2>&1 || vok=0
done
if [ "$vok" = 1 ]; then ok "OpenSSL's readers' certificates verify strictly (openssl verify)"
else bad "a certificate from the OpenSSL readers' build does not verify"; fi
finish
