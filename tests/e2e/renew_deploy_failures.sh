#!/bin/bash
# A certificate recorded whose files cannot be written (review item 5).
# Outputs that cannot be written at all (a read-only filesystem, a directory)
# are refused before anything is signed. When a write fails after the commit
# (a full disk), the lineage stays due: the next `renew --due` writes the
# recorded certificate's files (no new certificate) and runs the hook, and
# the same `issue` runs again instead of saying "lineage exists".
# Needs root for mount; without it the test says "skip".
. "$(dirname "$0")/lib.sh"
RO=$T/ro FULL=$T/full
mkdir -p "$RO" "$FULL"
if ! mount -t tmpfs -o size=64k,mode=0755 tmpfs "$FULL" 2>"$T/mount.err"; then
  ok "skip: deploy failures (cannot mount a tmpfs: $(head -n 1 "$T/mount.err"))"
  finish; exit
fi
trap 'umount "$FULL" 2>/dev/null; umount "$RO" 2>/dev/null; rm -rf "$T"' EXIT
mount -t tmpfs -o ro,size=64k tmpfs "$RO" || { bad "mount a read-only tmpfs"; finish; exit 1; }
setup_ca || { echo "FAIL setup"; finish; exit 1; }
ncerts() { sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM certificates"; }
fill() { dd if=/dev/zero of="$FULL/fill" bs=4k status=none 2>/dev/null; }

before=$(state_of)
refuse "--cert-out on a read-only filesystem: refused before signing" 1 "cannot write" \
  "$PINCA" issue --name ro --dns ro.example.com --key-out "$T/ro.key" --cert-out "$RO/ro.pem" "${PASS[@]}"
mkdir "$T/adir"
refuse "--cert-out naming a directory: refused before signing" 1 "directory" \
  "$PINCA" issue --name dir --dns dir.example.com --key-out "$T/dir.key" --cert-out "$T/adir" "${PASS[@]}"
check "nothing was recorded, no key was written" sh -c "[ '$before' = \"\$(cd '$PINCA_DIR' && find . -type f ! -name '*-shm' ! -name '*-wal' | sort | xargs sha256sum 2>/dev/null; sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) FROM cas; SELECT count(*) FROM audit; SELECT count(*) FROM certificates')\" ] && [ ! -e '$T/ro.key' ] && [ ! -e '$T/dir.key' ]"

# issue: recorded, then the disk is full.
fill
refuse "issue onto a full disk fails after the commit" 1 "cannot write" \
  "$PINCA" issue --name web --dns web.example.com --key-out "$T/web.key" --cert-out "$FULL/web.pem" "${PASS[@]}"
check "the certificate was recorded, its file is not there" test "$(ncerts)" = 1 -a ! -s "$FULL/web.pem"
: >"$T/hook.log"
refuse "renew --due 30 while the disk is still full: fails again" 1 "cannot write" \
  "$PINCA" renew --due 30 --exec "echo \"\$PINCA_RENEWED\" >>'$T/hook.log'" "${PASS[@]}"
check "the hook did not run for files that are not there" test ! -s "$T/hook.log"
rm -f "$FULL/fill"
check "renew --due 30 once there is room" "$PINCA" renew --due 30 --exec "echo \"\$PINCA_RENEWED\" >>'$T/hook.log'" "${PASS[@]}"
check "it wrote the recorded certificate (no new one)" sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT count(*) FROM certificates') = 1 ] && [ \"\$(openssl x509 -in '$FULL/web.pem' -noout -serial | cut -d= -f2 | tr A-F a-f)\" = \"\$(sqlite3 '$PINCA_DIR/pinca.db' 'SELECT serial FROM certificates')\" ]"
check "the key in web.key is the one web.pem certifies" test "$(openssl pkey -in "$T/web.key" -pubout -outform der | openssl dgst -sha256 -binary | base64)" = "$(spki_pin "$FULL/web.pem")"
check "the hook ran once, for web" test "$(cat "$T/hook.log")" = web
check "openssl verifies the written certificate" openssl verify -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$FULL/web.pem"
check "nothing is due any more" sh -c "[ -z \"\$('$PINCA' renew --due 30 --dry-run)\" ]"

# The same issue, run again after a failed write, finishes the job.
fill
# Both files fail; the error is one line, the first failure's (the cause).
refuse "two files fail on a full disk: one error line, naming the first" 1 "cannot write .*/api\.pem: No space" \
  "$PINCA" issue --name api --dns api.example.com --key-out "$T/api.key" --cert-out "$FULL/api.pem" --chain-out "$FULL/api-chain.pem" "${PASS[@]}"
rm -f "$FULL/fill"
check "the same issue again succeeds" "$PINCA" issue --name api --dns api.example.com --key-out "$T/api.key" --cert-out "$FULL/api.pem" --chain-out "$FULL/api-chain.pem" "${PASS[@]}"
check "it wrote the recorded certificate (no second one), chaining to the root" sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT count(*) FROM certificates c JOIN lineages l ON l.id = c.lineage_id WHERE l.name = 'api'\") = 1 ] && openssl verify -CAfile '$T/root.pem' -untrusted '$FULL/api-chain.pem' '$FULL/api.pem' >/dev/null"
check "api.key matches api.pem" test "$(openssl pkey -in "$T/api.key" -pubout -outform der | openssl dgst -sha256 -binary | base64)" = "$(spki_pin "$FULL/api.pem")"
refuse "a finished lineage is not issued again" 1 "exists already" \
  "$PINCA" issue --name api --dns api.example.com --key-out "$T/api.key" --cert-out "$FULL/api.pem" --chain-out "$FULL/api-chain.pem" "${PASS[@]}"

# renew NAME whose write fails: revoke --name still names the deployed one.
deployed=$(openssl x509 -in "$FULL/web.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
fill
refuse "renew web onto a full disk" 1 "cannot write" "$PINCA" renew web "${PASS[@]}"
rm -f "$FULL/fill"
check "renew --due 30 writes web's new certificate" "$PINCA" renew --due 30 "${PASS[@]}"
check "web.pem now holds the newest certificate" test "$(openssl x509 -in "$FULL/web.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)" = \
  "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT c.serial FROM certificates c JOIN lineages l ON l.id = c.lineage_id WHERE l.name = 'web' ORDER BY c.issued_at DESC LIMIT 1")"
check "and it is not the one deployed before" test "$(openssl x509 -in "$FULL/web.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)" != "$deployed"
check "db check passes" "$PINCA" db check
finish
