# pin_guard: app releases and the guard that keeps them connected. Bad
# release input is refused and changes nothing; a rotation drill moves
# issuance to the standby root (primary "compromised") while release 1
# (both roots) keeps verifying, and a release that pinned only the primary
# blocks the move until it is retired; --force is loud and audited.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; finish; exit 1; }
R1=$(spki_pin "$T/root.pem"); R2=$(spki_pin "$T/standby.pem")
audit_count() { sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM audit WHERE action = '$1'"; }

# --- app releases: good and bad input ---
check "release 1 pins primary and standby" "$PINCA" app add release-1 --from-current
check "release 1 carries exactly both root pins" sh -c "'$PINCA' app list --json | '$PY' -c '
import sys, json
r = [x for x in json.load(sys.stdin) if x[\"name\"] == \"release-1\"][0]
assert sorted(r[\"pins\"]) == sorted([\"sha256/$R1\", \"sha256/$R2\"]) and r[\"state\"] == \"supported\"'"
check "release 0 pins only the primary" "$PINCA" app add release-0 --pin "sha256/$R1"
check "without --pin a release carries both root pins" sh -c "'$PINCA' app add release-x >/dev/null && '$PINCA' app list --json | '$PY' -c '
import sys, json
r = [x for x in json.load(sys.stdin) if x[\"name\"] == \"release-x\"][0]
assert sorted(r[\"pins\"]) == sorted([\"sha256/$R1\", \"sha256/$R2\"])' && '$PINCA' app retire release-x >/dev/null"
check "app add is audited" test "$(audit_count app.add)" = 3
before=$(state_of; sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM app_releases; SELECT count(*) FROM app_pins")
refuse "a duplicate release name" 1 "exists already" "$PINCA" app add release-1 --pin "sha256/$R2"
refuse "a pin of the wrong length" 2 "is not a pin" "$PINCA" app add bad --pin "sha256/${R1%????}"
refuse "a pin that is not base64" 2 "is not a pin" "$PINCA" app add bad --pin "sha256/!${R1#?}"
refuse "a pin without sha256/" 2 "is not a pin" "$PINCA" app add bad --pin "$R1"
refuse "a sha1 pin" 2 "is not a pin" "$PINCA" app add bad --pin "sha1/$(printf x | openssl dgst -sha1 -binary | base64)"
refuse "a release name with a space" 2 "name one release" "$PINCA" app add "bad name" --pin "sha256/$R1"
refuse "a release that fails today" 3 "pins none of the keys served today" "$PINCA" app add bad --pin "sha256/$(head -c 32 /dev/urandom | base64)"
refuse "retiring an unknown release" 1 "no app release 'nope'" "$PINCA" app retire nope
after=$(state_of; sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM app_releases; SELECT count(*) FROM app_pins")
check "refused release commands changed nothing" test "$before" = "$after"

# --- the rotation drill ---
check "issue the web leaf under the primary" "$PINCA" issue --name web --dns localhost --key-out "$T/web.key" \
  --cert-out "$T/web.pem" --chain-out "$T/web-chain.pem" --fullchain-out "$T/web-full.pem" "${PASS[@]}"
check "release 1 verifies today" "$PINCA" verify --chain "$T/web-full.pem" --host localhost
before=$(state_of)
refuse "moving to the standby is blocked by release 0" 3 "release 'release-0'" "$PINCA" ca activate standby "${PASS[@]}"
refuse "so is a standby intermediate made by hand" 3 "release 'release-0'" "$PINCA" ca intermediate --cn Sneaky --root standby "${PASS[@]}"
check "the refused moves changed nothing" test "$before" = "$(state_of)"
check "retire release 0" "$PINCA" app retire release-0
refuse "retiring twice" 1 "retired already" "$PINCA" app retire release-0
check "app retire is audited" test "$(audit_count app.retire)" = 2
check "the primary is compromised: issuance moves to the standby" "$PINCA" ca activate standby "${PASS[@]}"
"$PINCA" ca show intermediate --pem >"$T/int2.pem"
check "the new intermediate chains to the standby root (openssl)" openssl verify -CAfile "$T/standby.pem" "$T/int2.pem"
refuse "it does not chain to the primary (openssl)" 2 "" sh -c "openssl verify -CAfile '$T/root.pem' '$T/int2.pem' >/dev/null 2>&1 || { echo 'pinca: not under the primary' >&2; exit 2; }"
check "activating again is a no-op" sh -c "'$PINCA' ca activate standby | grep -q 'already runs under standby root'"
check "renew the leaf under the standby" "$PINCA" renew web "${PASS[@]}"
check "the renewed leaf chains to the standby root (openssl)" openssl verify -CAfile "$T/standby.pem" -untrusted "$T/web-chain.pem" "$T/web.pem"
check "release 1 still verifies" sh -c "'$PINCA' verify --chain '$T/web-full.pem' --host localhost > '$T/v.out' &&
  grep -q \"^ok   pins: app release 'release-1' pins 'Test Root R2'\" '$T/v.out'"
check "the leaf key survived the move" test "$(spki_pin "$T/web.pem")" = "$(openssl pkey -in "$T/web.key" -pubout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
check "pins --format json marks the standby as served" sh -c "'$PINCA' pins --format json | '$PY' -c '
import sys, json
d = {p[\"role\"]: p[\"in_chain\"] for p in json.load(sys.stdin)[\"pins\"]}
assert d == {\"root\": False, \"standby\": True}, d'"

# --- going back: a release pinning only the standby, --force ---
check "release 2 pins only the standby" "$PINCA" app add release-2 --pin "sha256/$R2"
before=$(state_of)
refuse "back to the primary is blocked by release 2" 3 "release 'release-2'" "$PINCA" ca intermediate --cn Back "${PASS[@]}"
check "the refused move changed nothing" test "$before" = "$(state_of)"
"$PINCA" ca intermediate --cn Back --force "${PASS[@]}" >"$T/force.out" 2>"$T/force.err"
check "--force goes through" test $? -eq 0
check "--force warns loudly, naming the release" grep -q "warning: --force.*release-2" "$T/force.err"
check "the audit log records the forced move" sh -c "sqlite3 '$PINCA_DIR/pinca.db' \"SELECT objects FROM audit WHERE action = 'ca.intermediate' ORDER BY seq DESC LIMIT 1\" | grep -q '\"forced\": *true'"
check "app list shows release 2 missing the served chain" sh -c "'$PINCA' app list | grep -q '^release-2 .*MISSES the served chain'"
if "$PINCA" db --help >/dev/null 2>&1; then check "the audit chain still verifies" "$PINCA" db audit; fi

# --- moving back to the standby reactivates its intermediate ---
check "ca activate standby reactivates the standby intermediate" sh -c "'$PINCA' ca activate standby | grep -q 'issues again'"
check "the reactivation is audited" test "$(audit_count ca.activate)" = 1
check "release 2 matches again" sh -c "'$PINCA' app list | grep -q '^release-2 .*matches the served chain'"
# --- two machines: importing a standby-signed intermediate is guarded too ---
ROOTDIR=$PINCA_DIR ONLINE=$T/online
"$PINCA" init --dir "$ONLINE" >/dev/null
check "online host: first intermediate CSR" "$PINCA" ca csr --dir "$ONLINE" --cn "Online CA 1" --out "$T/on1.csr" "${PASS[@]}"
check "root host signs it with the primary" "$PINCA" ca sign --dir "$ROOTDIR" --csr "$T/on1.csr" --out "$T/on1.pem" "${PASS[@]}"
check "online host imports it" "$PINCA" ca import --dir "$ONLINE" --cert "$T/on1.pem" --root-pin "sha256/$R1"
check "online host: release pins only the primary" "$PINCA" app add --dir "$ONLINE" primary-only --pin "sha256/$R1"
check "online host: second CSR" "$PINCA" ca csr --dir "$ONLINE" --cn "Online CA 2" --out "$T/on2.csr" "${PASS[@]}"
check "root host signs it with the standby" "$PINCA" ca sign --dir "$ROOTDIR" --root standby --csr "$T/on2.csr" --out "$T/on2.pem" "${PASS[@]}"
before=$(PINCA_DIR=$ONLINE state_of)
refuse "importing the standby-signed intermediate is refused" 3 "release 'primary-only'" "$PINCA" ca import --dir "$ONLINE" --cert "$T/on2.pem" --root-pin "sha256/$R1"
check "the refused import changed nothing" test "$before" = "$(PINCA_DIR=$ONLINE state_of)"
check "retire the release on the online host" "$PINCA" app retire --dir "$ONLINE" primary-only
check "now the import goes through" "$PINCA" ca import --dir "$ONLINE" --cert "$T/on2.pem" --root-pin "sha256/$R1"
check "the online host issues under the standby (openssl)" sh -c "'$PINCA' ca show --dir '$ONLINE' intermediate --pem | openssl verify -CAfile '$T/standby.pem' /dev/stdin"

refuse "ca activate needs 'standby'" 2 "say what to activate" "$PINCA" ca activate primary

finish
