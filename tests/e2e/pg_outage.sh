#!/bin/bash
# pg_outage: PostgreSQL stops in the middle of a burst of `pinca issue`
# (#19). Each issuance that gives up says so in one `pinca:` line and exits
# 1; once the server is back, nothing is lost or doubled: every certificate
# file that was written is a row, no lineage has two certificates, a file
# exists only for a command that succeeded, and db check and db audit pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
unset PINCA_DB
pg_start || { echo "FAIL PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
URL=$(pg_createdb outage) || { echo "FAIL createdb"; echo "0 passed, 1 failed"; exit 1; }
sql() { pg_psql outage "$1"; }
O=$T/o; mkdir -p "$O"

check "init --db, roots, intermediate" sh -c "'$PINCA' init --db '$URL' >/dev/null &&
  '$PINCA' ca root --cn 'Outage Root' --standby-cn 'Outage Standby' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' ca intermediate --cn 'Outage Issuing CA' --pass-file '$T/pass' >/dev/null"
"$PINCA" ca show root --pem >"$T/root.pem"; "$PINCA" ca show intermediate --pem >"$T/int.pem"

# The burst: issuances one after another until the server has been down and
# back and five more were made (at most 200, at most 60 s).
burst() { local i=0 after=0 t0=$SECONDS
  while [ $i -lt 200 ] && [ $((SECONDS - t0)) -lt 60 ]; do
    i=$((i+1))
    "$PINCA" issue --name "o$i" --dns "o$i.example.com" --key-out "$O/o$i.key" --cert-out "$O/o$i.pem" \
      --pass-file "$T/pass" >/dev/null 2>"$O/o$i.err"
    echo "o$i $?" >>"$O/results"
    if [ -e "$T/back" ]; then after=$((after+1)); [ $after -ge 5 ] && break; fi
  done
}
burst & BURST=$!
# Let a few go through, then stop the server (an immediate stop, as in a
# crash: sessions are cut mid-transaction, the next start replays the WAL)
# and keep it down longer than the 5 s a new connection is retried
# (db/sql_pg.c), so that some issuances give up; then start it.
for _ in $(seq 1 100); do [ "$(cat "$O/results" 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.1; done
pg_halt immediate
sleep 5.5
pg_resume
touch "$T/back"
wait $BURST

ok_n=$(awk '$2 == 0' "$O/results" | wc -l); bad_n=$(awk '$2 != 0' "$O/results" | wc -l)
echo "     burst: $ok_n issued, $bad_n failed while the server was down"
check "the server came back" pg_psql outage 'SELECT 1'
check "some issuances failed while it was down" test "$bad_n" -ge 1
check "some succeeded before and after" test "$ok_n" -ge 8
check "every failure exited 1 with exactly one 'pinca: ' line" sh -c "awk '\$2 != 0 {print \$1, \$2}' '$O/results' | while read -r n rc; do
  [ \"\$rc\" = 1 ] && [ \$(wc -l <'$O/'\$n.err) = 1 ] && grep -q '^pinca: ' '$O/'\$n.err || { echo \"\$n: exit \$rc\"; cat '$O/'\$n.err; exit 1; }; done"
check "every success wrote its certificate, every failure wrote none" sh -c "while read -r n rc; do
  if [ \"\$rc\" = 0 ]; then [ -s '$O/'\$n.pem ] || exit 1; else [ ! -e '$O/'\$n.pem ] || { echo \"\$n written but failed\"; exit 1; }; fi; done <'$O/results'"
for f in "$O"/o*.pem; do openssl x509 -in "$f" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^\(00\)*//'; done | sort >"$T/files"
sql 'SELECT serial FROM certificates' | sort >"$T/rows"
check "every certificate file written is a row" sh -c "[ -z \"\$(comm -23 '$T/files' '$T/rows')\" ]"
check "no lineage has two certificates" test "$(sql 'SELECT count(*) FROM (SELECT lineage_id FROM certificates GROUP BY lineage_id HAVING count(*) > 1) d')" = 0
check "a row without a file is only from a failed command's last moment" test \
  "$(comm -13 "$T/files" "$T/rows" | wc -l)" -le "$bad_n"
check "db check after the restart: no problems" sh -c "'$PINCA' db check | grep -q ': 0 problems\$'"
check "db audit after the restart: intact" sh -c "'$PINCA' db audit | tail -n 1 | grep -q 'hash chain intact'"
check "issuing works again" "$PINCA" issue --name after --dns after.example.com --key-out "$O/after.key" --cert-out "$O/after.pem" "${PASS[@]}"
check "and verifies (openssl)" openssl verify -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$O/after.pem"
finish
