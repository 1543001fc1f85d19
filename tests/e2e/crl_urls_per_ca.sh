#!/bin/bash
# Each CA publishes its CRL at its own URL (review finding 9): the root's
# URL goes into the intermediates it signs, the intermediate's into its
# leaves; `ca set-crl-url` sets or changes a URL for the certificates signed
# from then on; `init --crl-url` is the URL of the CA made next. On the
# issuing host, `verify --crl` with the root's CRL reports a revoked
# intermediate as revoked, as `openssl verify -crl_check_all` does.
. "$(dirname "$0")/lib.sh"

ROOTDIR=$T/root ONLINE=$T/online
P=(--pass-file "$T/pass")
# The primary root's pin, as the ceremony record gives it to the issuing host.
rootpin() { "$PINCA" ca show root --dir "$ROOTDIR" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["pin"])'; }
# cdp FILE: the URIs of a certificate's CRL distribution point, one per line.
cdp() { openssl x509 -in "$1" -noout -ext crlDistributionPoints 2>/dev/null | sed -n 's/^ *URI://p'; }

check "root host: ceremony, then the root's CRL URL" sh -c "'$PINCA' init --dir '$ROOTDIR' >/dev/null &&
  '$PINCA' ca root --dir '$ROOTDIR' --cn 'Test Root R1' --standby-cn 'Test Root R2' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca set-crl-url --dir '$ROOTDIR' root http://pki.test/root-r1.crl >'$T/set.out' &&
  grep -q 'http://pki.test/root-r1.crl' '$T/set.out'"
check "issuing host: init --crl-url is the URL of the intermediate made next" sh -c "
  '$PINCA' init --dir '$ONLINE' --crl-url http://pki.test/issuing-1.crl >/dev/null &&
  '$PINCA' ca csr --dir '$ONLINE' --cn 'Issuing CA 1' --out '$T/i1.csr' --pass-file '$T/pass' >/dev/null"
check "root host signs (showing the CDP first); issuing host imports" sh -c "'$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/i1.csr' --out '$T/i1.pem' --pass-file '$T/pass' >'$T/sign.out' &&
  grep -qx 'crl distribution point: http://pki.test/root-r1.crl' '$T/sign.out' &&
  '$PINCA' ca import --dir '$ONLINE' --cert '$T/i1.pem' --root-pin "$(rootpin)" >/dev/null"
"$PINCA" ca show root --dir "$ROOTDIR" --pem >"$T/root.pem"
openssl x509 -in "$T/i1.pem" -out "$T/int.pem"
check "the intermediate's CDP is the root's CRL URL (openssl x509)" test "$(cdp "$T/int.pem")" = http://pki.test/root-r1.crl
check "issue a leaf" "$PINCA" issue --dir "$ONLINE" --name web --dns www.example.com --key-out "$T/web.key" \
  --cert-out "$T/web.pem" --fullchain-out "$T/web-full.pem" "${P[@]}"
check "the leaf's CDP is the intermediate's own CRL URL" test "$(cdp "$T/web.pem")" = http://pki.test/issuing-1.crl
check "ca show names each CA's URL" sh -c "'$PINCA' ca show --dir '$ONLINE' intermediate | grep -qx 'crl url      http://pki.test/issuing-1.crl' &&
  '$PINCA' ca show --dir '$ROOTDIR' root --json | '$PY' -c 'import json,sys; assert json.load(sys.stdin)[\"crl_url\"] == \"http://pki.test/root-r1.crl\"'"

# Changing a URL applies to what is signed next.
check "ca set-crl-url intermediate (a new URL)" "$PINCA" ca set-crl-url --dir "$ONLINE" intermediate http://pki.test/issuing-1b.crl
check "the next leaf carries the new URL, the first keeps its own" sh -c "
  '$PINCA' issue --dir '$ONLINE' --name api --dns api.example.com --key-out '$T/api.key' --cert-out '$T/api.pem' --pass-file '$T/pass' >/dev/null &&
  [ \"\$(openssl x509 -in '$T/api.pem' -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')\" = http://pki.test/issuing-1b.crl ] &&
  [ \"\$(openssl x509 -in '$T/web.pem' -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')\" = http://pki.test/issuing-1.crl ]"
check "the change is in the audit log" sh -c "sqlite3 '$ONLINE/pinca.db' \"SELECT objects FROM audit WHERE action = 'ca.crl_url'\" | grep -q 'issuing-1b.crl'"
check "--none removes it: the next leaf has no CDP" sh -c "'$PINCA' ca set-crl-url --dir '$ONLINE' intermediate --none >/dev/null &&
  '$PINCA' issue --dir '$ONLINE' --name bare --dns bare.example.com --key-out '$T/bare.key' --cert-out '$T/bare.pem' --pass-file '$T/pass' >/dev/null &&
  ! openssl x509 -in '$T/bare.pem' -noout -text | grep -q 'CRL Distribution'"
"$PINCA" ca set-crl-url --dir "$ONLINE" intermediate http://pki.test/issuing-1b.crl >/dev/null

S0=$(PINCA_DIR=$ONLINE state_of)
refuse "a URL that is not http:// is a usage error" 2 "must be an http:// URL" \
  "$PINCA" ca set-crl-url --dir "$ONLINE" intermediate https://pki.test/x.crl
refuse "a URL with a comma is refused" 2 "commas" \
  "$PINCA" ca set-crl-url --dir "$ONLINE" intermediate "http://pki.test/a,URI:http://evil.test/"
refuse "the root's URL is not set where its key is not" 1 "key of root 'Test Root R1' is not in" \
  "$PINCA" ca set-crl-url --dir "$ONLINE" root http://pki.test/other.crl
check "the refusals changed nothing" test "$S0" = "$(PINCA_DIR=$ONLINE state_of)"

# Rotation on the issuing host: 'next' prepares the new intermediate's URL.
check "ca set-crl-url next, then ca csr: the new intermediate has its own URL" sh -c "
  '$PINCA' ca set-crl-url --dir '$ONLINE' next http://pki.test/issuing-2.crl >/dev/null &&
  '$PINCA' ca csr --dir '$ONLINE' --cn 'Issuing CA 2' --out '$T/i2.csr' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca sign --dir '$ROOTDIR' --csr '$T/i2.csr' --out '$T/i2.pem' --pass-file '$T/pass' >/dev/null &&
  cp -r '$ONLINE' '$T/rotated' && '$PINCA' ca import --dir '$T/rotated' --cert '$T/i2.pem' --root-pin "$(rootpin)" >/dev/null &&
  '$PINCA' issue --dir '$T/rotated' --name r --dns r.example.com --key-out '$T/r.key' --cert-out '$T/r.pem' --pass-file '$T/pass' >/dev/null &&
  [ \"\$(openssl x509 -in '$T/r.pem' -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')\" = http://pki.test/issuing-2.crl ] &&
  [ \"\$(openssl x509 -in '$T/i2.pem' -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')\" = http://pki.test/root-r1.crl ]"

# Revocation of the intermediate, seen from the issuing host.
INT=$(openssl x509 -in "$T/int.pem" -noout -serial | cut -d= -f2)
check "root host revokes the intermediate and makes its CRL" sh -c "'$PINCA' revoke --dir '$ROOTDIR' '$INT' --reason keyCompromise >/dev/null &&
  '$PINCA' crl --dir '$ROOTDIR' --out '$T/root.crl' --pass-file '$T/pass' >/dev/null"
check "issuing host makes the intermediate's CRL" "$PINCA" crl --dir "$ONLINE" --out "$T/int.crl" "${P[@]}"
check "openssl verify -crl_check_all with both CRLs reports the intermediate revoked" sh -c "
  ! openssl verify -crl_check_all -CAfile '$T/root.pem' -untrusted '$T/int.pem' -CRLfile '$T/int.crl' -CRLfile '$T/root.crl' '$T/web.pem' >'$T/v' 2>&1 &&
  grep -q 'error 23 at 1 depth lookup: certificate revoked' '$T/v'"
"$PINCA" verify --dir "$ONLINE" --chain "$T/web-full.pem" >"$T/plain.out" 2>&1
check "without the root's CRL, verify does not claim nothing is revoked" sh -c "
  ! grep -q 'nothing in the chain is revoked;' '$T/plain.out' &&
  grep -q \"^skip revocation: 'Issuing CA 1' is revoked, if at all, in the CRL of 'Test Root R1'\" '$T/plain.out'"
refuse "verify --crl with both CRLs fails" 1 "checks failed" \
  "$PINCA" verify --dir "$ONLINE" --chain "$T/web-full.pem" --crl "$T/int.crl" --crl "$T/root.crl"
check "and names the revoked intermediate" sh -c "'$PINCA' verify --dir '$ONLINE' --chain '$T/web-full.pem' --crl '$T/int.crl' --crl '$T/root.crl' >'$T/v.out';
  grep -q \"^FAIL revocation: certificate revoked: 'Issuing CA 1' (serial $(echo "$INT" | tr A-F a-f)) is on the CRL of 'Test Root R1'\" '$T/v.out' &&
  grep -q '^ok   revocation: the leaf is not on its issuer' '$T/v.out'"
check "one file holding both CRLs works the same" sh -c "cat '$T/int.crl' '$T/root.crl' >'$T/both.crl' &&
  '$PINCA' verify --dir '$ONLINE' --chain '$T/web-full.pem' --crl '$T/both.crl' | grep -q '^FAIL revocation: certificate revoked: .Issuing CA 1.'"
check "with the intermediate's CRL alone, the missing root CRL is a skip" sh -c "'$PINCA' verify --dir '$ONLINE' --chain '$T/web-full.pem' --crl '$T/int.crl' >'$T/i.out';
  grep -q \"^skip revocation: no CRL of 'Test Root R1' given\" '$T/i.out'"

# One machine: the root and the intermediate each have their own URL.
check "one machine: init --crl-url goes to the root, --crl-url to the intermediate" sh -c "
  '$PINCA' init --dir '$T/one' --crl-url http://pki.test/one-root.crl >/dev/null &&
  '$PINCA' ca root --dir '$T/one' --cn 'One Root' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca intermediate --dir '$T/one' --cn 'One Issuing' --crl-url http://pki.test/one-int.crl --pass-file '$T/pass' >/dev/null &&
  '$PINCA' issue --dir '$T/one' --name w --dns w.example.com --key-out '$T/w.key' --cert-out '$T/w.pem' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca show --dir '$T/one' intermediate --pem >'$T/one-int.pem'"
check "one machine: intermediate CDP = root URL, leaf CDP = intermediate URL" sh -c "
  [ \"\$(openssl x509 -in '$T/one-int.pem' -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')\" = http://pki.test/one-root.crl ] &&
  [ \"\$(openssl x509 -in '$T/w.pem' -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')\" = http://pki.test/one-int.crl ]"

# A directory from before: its one URL becomes the URL of each CA it holds.
cp -r "$T/one" "$T/legacy"
sqlite3 "$T/legacy/pinca.db" "ALTER TABLE lineages DROP COLUMN deployed_serial; ALTER TABLE lineages DROP COLUMN deploy_pending; ALTER TABLE lineages DROP COLUMN hook_pending; DROP TABLE ca_crl_urls; INSERT INTO settings VALUES ('crl_url', 'http://pki.test/old.crl'); PRAGMA user_version = 3"
check "an older directory migrates: its one URL stays in what each CA signs" sh -c "
  '$PINCA' issue --dir '$T/legacy' --name l --dns l.example.com --key-out '$T/l.key' --cert-out '$T/l.pem' --pass-file '$T/pass' >/dev/null &&
  [ \"\$(openssl x509 -in '$T/l.pem' -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')\" = http://pki.test/old.crl ] &&
  [ \"\$(sqlite3 '$T/legacy/pinca.db' \"SELECT count(*) FROM ca_crl_urls WHERE url = 'http://pki.test/old.crl'; SELECT count(*) FROM settings WHERE key = 'crl_url'\")\" = \"\$(printf '3\n0')\" ]"

finish
