#!/bin/bash
# revoke --key: a compromised key takes every certificate that carries it
# out of service (renewal keeps the key, so a lineage holds several), and
# the key is blocked: issue --csr, renew without --new-key and a batch line
# with that key are refused (exit 3 / an error line), while renew --new-key
# moves the lineage on. Revoking one certificate for keyCompromise says how
# many others share its key. Checked on the CRL with openssl.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
db() { sqlite3 "$PINCA_DIR/pinca.db" "$@"; }

# Lineage api: one key, three certificates (issue, then two renewals).
"$PINCA" issue --name api --dns api.example.com --key-out "$T/api.key" --cert-out "$T/api1.pem" \
  "${PASS[@]}" >/dev/null || { echo "FAIL issue api"; exit 1; }
S1=$(openssl x509 -in "$T/api1.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
"$PINCA" renew api "${PASS[@]}" >/dev/null && "$PINCA" renew api "${PASS[@]}" >/dev/null ||
  { echo "FAIL renew api"; exit 1; }
PIN=sha256/$(spki_pin "$T/api1.pem")
check "three certificates of lineage api carry one pin" test "$(db "SELECT count(*) FROM certificates WHERE pin = '$PIN'")" = 3
# Another lineage with another key must stay untouched.
"$PINCA" issue --name other --dns other.example.com --key-out "$T/other.key" "${PASS[@]}" >/dev/null

check "revoke one certificate for keyCompromise" sh -c "'$PINCA' revoke $S1 --reason keyCompromise >'$T/one'"
check "  ... says 2 others share the key, 2 not revoked, and how to block it" \
  grep -Fq "2 other certificate(s) share this key ($PIN), 2 of them not revoked: revoke them all and block the key with 'pinca revoke --key $PIN'" "$T/one"
check "revoke --json for keyCompromise counts the others" sh -c "'$PINCA' revoke --name other --reason keyCompromise --json >'$T/j' &&
  '$PY' -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o[\"same_key_others\"]==0 and o[\"same_key_unrevoked\"]==0, o' '$T/j'"

refuse "--key with a malformed pin is a usage error" 2 "not a pin" "$PINCA" revoke --key sha256/abc
refuse "--key and a serial together are a usage error" 2 "SERIAL, --name LINEAGE or --key PIN" "$PINCA" revoke "$S1" --key "$PIN"
ROOTPIN=sha256/$(spki_pin "$T/root.pem")
refuse "--key of a CA's key is refused" 1 "key of the root" "$PINCA" revoke --key "$ROOTPIN"

check "revoke --key revokes the rest and blocks the key" sh -c "'$PINCA' revoke --key '$PIN' >'$T/k'"
check "  ... names two revoked certificates and the one revoked before" \
  sh -c "[ \$(grep -c '^revoked leaf ' '$T/k') = 2 ] && grep -q '2 certificate(s) revoked, 1 revoked before' '$T/k'"
check "every certificate of the key is revoked as keyCompromise" \
  test "$(db "SELECT count(*) FROM revocations r JOIN certificates c USING (serial) WHERE c.pin = '$PIN' AND r.reason = 1")" = 3
check "the key is in blocked_keys with reason 1" test "$(db "SELECT reason FROM blocked_keys WHERE pin = '$PIN'")" = 1
check "the audit log has the revoke-key record, and its chain holds" \
  sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT count(*) FROM audit WHERE action = 'revoke-key' AND objects LIKE '%$PIN%'\") = 1 ] && '$PINCA' db audit >/dev/null"
check "the CRL lists all three (and other) as Key Compromise" sh -c "'$PINCA' crl --out '$T/crl.pem' ${PASS[*]} >/dev/null &&
  openssl crl -in '$T/crl.pem' -noout -CAfile '$T/int.pem' 2>/dev/null &&
  [ \$(openssl crl -in '$T/crl.pem' -noout -text | grep -c 'Key Compromise') = 4 ]"
refuse "revoke --key twice: already blocked" 1 "already blocked" "$PINCA" revoke --key "$PIN"

# The key is refused by every issuance path, and nothing changes.
openssl req -new -key "$T/api.key" -subj /CN=api2.example.com -out "$T/api.csr" 2>/dev/null
before=$(state_of)
refuse "renew api (same key) is refused by policy" 3 "is blocked \(revoked keyCompromise on .*'renew --new-key'" \
  "$PINCA" renew api "${PASS[@]}"
refuse "issue --csr with the key is refused by policy" 3 "is blocked" \
  "$PINCA" issue --name api2 --dns api2.example.com --csr "$T/api.csr" "${PASS[@]}"
refuse "renew --csr with the key is refused by policy" 3 "is blocked" "$PINCA" renew other --csr "$T/api.csr" "${PASS[@]}"
printf '{"name":"b1","dns":["b1.example.com"],"csr":"%s"}\n' "$T/api.csr" >"$T/batch"
"$PINCA" issue --batch "$T/batch" "${PASS[@]}" >"$T/bout" 2>/dev/null; st=$?
check "a batch line with the key fails (exit 1) with the block in its error" \
  sh -c "[ $st = 1 ] && '$PY' -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); assert \"is blocked\" in o[\"error\"] and \"serial\" not in o, o' '$T/bout'"
check "the refusals changed nothing" test "$before" = "$(state_of)"
"$PINCA" renew --all "${PASS[@]}" >"$T/dueout" 2>"$T/due"; st=$?
check "renew --all renews other and refuses api by policy (exit 3, one line)" sh -c "[ $st = 3 ] && grep -q 'is blocked' '$T/due' && [ \$(wc -l <'$T/due') -eq 1 ] && grep -q 'other' '$T/dueout' && ! grep -q 'api' '$T/dueout'"

check "renew api --new-key moves the lineage to a new key" sh -c "'$PINCA' renew api --new-key ${PASS[*]} >'$T/nk' && grep -q 'new key' '$T/nk'"
check "  ... the new certificate verifies and carries another pin" bash -c "
  '$PINCA' db show \$(cut -f2 '$T/nk') --pem >'$T/api-new.pem' &&
  openssl verify -x509_strict -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$T/api-new.pem' >/dev/null &&
  [ sha256/\$(openssl x509 -in '$T/api-new.pem' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64) != '$PIN' ] &&
  openssl x509 -in '$T/api-new.pem' -noout -pubkey | cmp -s - <(openssl pkey -in '$T/api.key' -pubout)"
check "  ... and the next plain renewal works" "$PINCA" renew api "${PASS[@]}"
finish
