#!/bin/bash
# Renewal windows (review item 11): `renew --due DAYS` renews a lineage only
# when it ends within DAYS and has less than a third of its lifetime left,
# so a 20-day lineage under --due 30 is not renewed on every run. --all
# renews every lineage; --dry-run says what would be renewed and changes
# nothing. Time moves with faketime.
. "$(dirname "$0")/lib.sh"
command -v faketime >/dev/null || { bad "faketime missing"; finish; exit 1; }
# faketime preloads its library ahead of the sanitizer build's runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
setup_ca || { echo "FAIL setup"; finish; exit 1; }
O=$T/o; mkdir -p "$O"
n() { sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM certificates c JOIN lineages l ON l.id = c.lineage_id WHERE l.name = '$1'"; }
at() { local off=$1; shift; faketime -f "$off" "$@"; }

check "issue short (20 days)" "$PINCA" issue --name short --dns short.example.com --days 20 --key-out "$O/short.key" --cert-out "$O/short.pem" "${PASS[@]}"
check "issue long (825 days)" "$PINCA" issue --name long --dns long.example.com --key-out "$O/long.key" --cert-out "$O/long.pem" "${PASS[@]}"
check "renew --due 30, twice, right after issuance" sh -c "'$PINCA' renew --due 30 ${PASS[*]} && '$PINCA' renew --due 30 ${PASS[*]}"
check "the 20-day lineage was not renewed (a third of 20 days is left only after day 13)" test "$(n short)" = 1
check "--dry-run on day 10 lists nothing" sh -c "[ -z \"\$(faketime -f +10d '$PINCA' renew --due 30 --dry-run)\" ]"
at +15d "$PINCA" renew --due 30 --dry-run >"$T/dry" 2>&1
check "--dry-run on day 15 lists short, not long" sh -c "grep -q '^short	would renew' '$T/dry' && ! grep -q long '$T/dry'"
check "--dry-run signed nothing, needed no passphrase" test "$(n short)" = 1
check "renew --due 30 on day 15 renews short" sh -c "faketime -f +15d '$PINCA' renew --due 30 ${PASS[*]} | grep -q '^short	'"
check "once" test "$(n short)" = 2
check "renew --due 30 again on day 15: nothing (the new one has 20 days)" sh -c "[ -z \"\$(faketime -f +15d '$PINCA' renew --due 30 ${PASS[*]})\" ] && [ \$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT count(*) FROM certificates c JOIN lineages l ON l.id = c.lineage_id WHERE l.name = 'short'\") = 2 ]"
check "renew --due 7 on day 30 renews short (5 days left of 20)" sh -c "faketime -f +30d '$PINCA' renew --due 7 ${PASS[*]} | grep -q '^short	'"
check "long was never renewed" test "$(n long)" = 1
check "the short certificate on disk is the newest and verifies on day 30" sh -c "faketime -f +30d openssl verify -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$O/short.pem' >/dev/null && [ \"\$(openssl x509 -in '$O/short.pem' -noout -serial | cut -d= -f2 | tr A-F a-f)\" = \"\$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT c.serial FROM certificates c JOIN lineages l ON l.id = c.lineage_id WHERE l.name = 'short' ORDER BY c.issued_at DESC LIMIT 1\")\" ]"
check "renew --all renews both" sh -c "'$PINCA' renew --all ${PASS[*]} | cut -f1 | sort | tr '\n' ' ' | grep -qx 'long short '"
check "counts after --all" test "$(n short):$(n long)" = "4:2"
refuse "--due and --all exclude each other" 2 "--due DAYS or --all" "$PINCA" renew --due 30 --all "${PASS[@]}"
refuse "NAME and --all exclude each other" 2 "--due DAYS or --all" "$PINCA" renew short --all "${PASS[@]}"
finish
