#!/bin/bash
# issue_csr_fastpath: P-256 CSRs take ca/der_direct_csr.c (raw SPKI, direct
# ECDSA verify); the certificates must be exactly what the general path makes, and
# every CSR the fast path cannot vouch for must still be checked and refused.
. "$(dirname "$0")/lib.sh"
setup_ca --no-passphrase || { echo "setup failed"; exit 1; }

openssl ecparam -name prime256v1 -genkey -noout -out "$T/k.pem"
openssl req -new -key "$T/k.pem" -subj /CN=fast.example -addext subjectAltName=DNS:fast.example,DNS:alt.example -out "$T/p256.csr"
openssl ec -in "$T/k.pem" -conv_form compressed -out "$T/kc.pem" 2>/dev/null
openssl req -new -key "$T/kc.pem" -subj /CN=comp.example -addext subjectAltName=DNS:comp.example -out "$T/comp.csr"
openssl req -new -key "$T/k.pem" -subj /CN=der.example -addext subjectAltName=DNS:der.example -outform DER -out "$T/p256.der"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout /dev/null -subj /CN=p384.example -addext subjectAltName=DNS:p384.example -out "$T/p384.csr" 2>/dev/null
want=$(openssl pkey -in "$T/k.pem" -pubout -outform der | openssl dgst -sha256 -binary | base64)

check "PEM P-256 CSR issues" "$PINCA" issue --name fast --csr "$T/p256.csr" --cert-out "$T/fast.pem"
check "chain verifies (openssl)" openssl verify -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$T/fast.pem"
check "SANs come from the CSR" sh -c "openssl x509 -in '$T/fast.pem' -noout -ext subjectAltName | grep -q 'DNS:fast.example, DNS:alt.example'"
check "leaf SPKI is the CSR key (openssl pin)" test "$(spki_pin "$T/fast.pem")" = "$want"
check "DER CSR issues" "$PINCA" issue --name der --csr "$T/p256.der" --cert-out "$T/der.pem"
check "compressed-point CSR issues" "$PINCA" issue --name comp --csr "$T/comp.csr" --cert-out "$T/comp.pem"
check "compressed key is certified uncompressed, same pin" test "$(spki_pin "$T/comp.pem")" = "$want"
check "uncompressed point in the leaf" sh -c "openssl x509 -in '$T/comp.pem' -noout -text | grep -A1 'pub:' | tail -1 | grep -q '^ *04:'"
check "P-384 CSR takes the general path" "$PINCA" issue --name p384 --csr "$T/p384.csr" --cert-out "$T/p384.pem"
check "P-384 leaf is P-384" sh -c "openssl x509 -in '$T/p384.pem' -noout -text | grep -q 'secp384r1'"

# Altered CSRs: a byte of the signed part, and of the signature.
"$PY" - "$T" <<'PYEOF'
import sys
t = sys.argv[1]
der = bytearray(open(t + "/p256.der", "rb").read())
a = bytearray(der); i = a.find(b"der.example"); a[i] = ord("x")
open(t + "/altered.der", "wb").write(a)
b = bytearray(der); b[-3] ^= 0x01
open(t + "/badsig.der", "wb").write(b)
PYEOF
refuse "altered CSR is refused" 1 "signature does not verify" "$PINCA" issue --name alt1 --csr "$T/altered.der"
refuse "bad signature is refused" 1 "not a certificate signing request|signature does not verify" "$PINCA" issue --name alt2 --csr "$T/badsig.der"
printf '{"name":"b1","csr":"%s"}\n{"name":"b2","csr":"%s"}\n' "$T/altered.der" "$T/p256.csr" >"$T/batch.jsonl"
"$PINCA" issue --batch "$T/batch.jsonl" >"$T/batch.out" 2>/dev/null
check "batch: altered line fails, good line issues" sh -c "grep -q '\"line\":1.*signature does not verify' '$T/batch.out' && grep -q '\"line\":2.*\"serial\"' '$T/batch.out'"
check "no row for the refused CSRs" test "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM lineages WHERE name IN ('alt1','alt2','b1')")" = 0
# Batch files are staged, synced once per group and renamed into place.
mkdir -p "$T/fo" "$T/fo/isdir.pem"
{ printf '{"name":"f1","csr":"%s","cert_out":"%s","chain_out":"%s","fullchain_out":"%s"}\n' "$T/p256.csr" "$T/fo/f1.pem" "$T/fo/f1.chain" "$T/fo/f1.full"
  printf '{"name":"f2","csr":"%s","cert_out":"%s"}\n' "$T/comp.csr" "$T/fo/isdir.pem"
  printf '{"name":"f3","csr":"%s","cert_out":"%s"}\n' "$T/p384.csr" "$T/fo/f3.pem"; } >"$T/files.jsonl"
"$PINCA" issue --batch "$T/files.jsonl" >"$T/files.out" 2>/dev/null
check "batch cert file verifies (openssl)" openssl verify -CAfile "$T/root.pem" -untrusted "$T/fo/f1.chain" "$T/fo/f1.pem"
check "batch fullchain = cert + chain" sh -c "cat '$T/fo/f1.pem' '$T/fo/f1.chain' | cmp - '$T/fo/f1.full'"
check "batch chain is the intermediate" cmp "$T/fo/f1.chain" "$T/int.pem"
check "batch P-384 file written" openssl verify -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$T/fo/f3.pem"
check "unwritable cert_out fails that line only" sh -c "grep -q '\"line\":2.*\"error\":\"cannot write' '$T/files.out' && grep -q '\"line\":3.*\"serial\"' '$T/files.out'"
check "no temporary files left" sh -c "[ -z \"\$(ls '$T/fo' | grep '\\.tmp\\.')\" ]"
check "served file matches the stored DER" sh -c "s=\$(openssl x509 -in '$T/fo/f1.pem' -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^\(00\)*//'); [ \"\$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT sha256_fingerprint FROM certificates WHERE serial='\$s'\")\" = \"\$(openssl x509 -in '$T/fo/f1.pem' -outform der | sha256sum | cut -c1-64)\" ]"
# PEM layouts: the plain one (fast PEM reader) and every other layout
# OpenSSL reads (its reader) give the same certified key; broken base64 is
# refused by both.
"$PY" - "$T" <<'PYEOF'
import base64, sys, textwrap
t = sys.argv[1]
der = open(t + "/p256.der", "rb").read()
b = base64.b64encode(der).decode()
def pem(label="CERTIFICATE REQUEST", width=64, nl="\n", body=None):
    lines = textwrap.wrap(body if body is not None else b, width)
    return "-----BEGIN %s-----%s%s%s-----END %s-----%s" % (label, nl, nl.join(lines), nl, label, nl)
v = {"crlf": pem(nl="\r\n"), "w76": pem(width=76), "w4": pem(width=4), "new": pem("NEW CERTIFICATE REQUEST"),
     "noeol": pem()[:-1], "before": "some text first\n" + pem(), "after": pem() + "trailing text\n",
     "w100": pem(width=100)}
for k, x in v.items():
    open("%s/lay-%s.csr" % (t, k), "w").write(x)
bad = b[:40] + "=" + b[41:]
open(t + "/lay-midpad.csr", "w").write(pem(body=bad))
open(t + "/lay-badchar.csr", "w").write(pem(body=b[:40] + "*" + b[41:]))
open(t + "/lay-short.csr", "w").write(pem(body=b[:-4]))
PYEOF
# Text after the CSR (the review's item 15) is refused: which was meant is unknowable.
refuse "PEM layout after (trailing text) is refused" 1 "bytes after its CSR" "$PINCA" issue --name lay-after --csr "$T/lay-after.csr" --cert-out "$T/lay-after.pem"
for k in crlf w76 w4 new noeol before w100; do
  check "PEM layout $k issues the CSR's key" sh -c "'$PINCA' issue --name lay-$k --csr '$T/lay-$k.csr' --cert-out '$T/lay-$k.pem' >/dev/null && [ \"\$(openssl x509 -in '$T/lay-$k.pem' -noout -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)\" = '$want' ]"
done
for k in midpad badchar short; do
  refuse "PEM with broken base64 ($k) is refused" 1 "" "$PINCA" issue --name lay-$k --csr "$T/lay-$k.csr"
done
finish
