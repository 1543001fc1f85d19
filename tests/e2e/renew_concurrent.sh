#!/bin/bash
# Two `renew --due` at once (review item 6): renewing is exclusive per CA
# directory. The second run says in one line that it waits, then finds
# nothing left to renew: every lineage is renewed once, the hook runs once,
# and `revoke --name` revokes the certificate that is on disk.
. "$(dirname "$0")/lib.sh"
command -v faketime >/dev/null || { bad "faketime missing"; finish; exit 1; }
# faketime preloads its library ahead of the sanitizer build's runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
setup_ca || { echo "FAIL setup"; finish; exit 1; }
O=$T/o; mkdir -p "$O"
NAMES="l1 l2 l3 l4 l5 l6"
for l in $NAMES; do
  "$PINCA" issue --name "$l" --dns "$l.example.com" --days 20 --key-out "$O/$l.key" --cert-out "$O/$l.pem" "${PASS[@]}" >/dev/null || bad "issue $l"
done
: >"$T/hook.log"
HOOK="echo \"\$PINCA_RENEWED\" >>'$T/hook.log'; sleep 1"
for i in 1 2; do
  faketime -f +15d "$PINCA" renew --due 30 --exec "$HOOK" "${PASS[@]}" >"$T/run$i.out" 2>"$T/run$i.err" &
  eval "P$i=\$!"
done
wait "$P1"; R1=$?; wait "$P2"; R2=$?
check "both runs exit 0" test "$R1:$R2" = "0:0"
check "each lineage was renewed once" test "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT group_concat(n) FROM (SELECT count(*) AS n FROM certificates GROUP BY lineage_id)")" = "2,2,2,2,2,2"
check "the renewals were printed once in all" test "$(cat "$T/run1.out" "$T/run2.out" | wc -l)" = 6
check "the hook ran once, for the six lineages" sh -c "[ \$(wc -l <'$T/hook.log') = 1 ] && [ \"\$(tr ' ' '\n' <'$T/hook.log' | sort | tr '\n' ' ')\" = 'l1 l2 l3 l4 l5 l6 ' ]"
check "the waiting run said so in one line" sh -c "cat '$T/run1.err' '$T/run2.err' | grep -c 'another renew is running' | grep -qx 1 && [ \$(cat '$T/run1.err' '$T/run2.err' | wc -l) = 1 ]"
ondisk=$(openssl x509 -in "$O/l3.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
check "revoke --name l3" "$PINCA" revoke --name l3
check "it revoked the certificate on disk" test "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT serial FROM revocations")" = "$ondisk"
check "every key still matches its certificate" sh -c "for l in $NAMES; do [ \"\$(openssl pkey -in '$O'/\$l.key -pubout -outform der | openssl dgst -sha256 -binary | base64)\" = \"\$(openssl x509 -in '$O'/\$l.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)\" ] || exit 1; done"
finish
