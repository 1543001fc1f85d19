#!/bin/bash
# Eight `pinca issue` processes at once, ten certificates each, while a
# `db backup` copies the database: none fails with "database is locked",
# every certificate lands once, serials are unique (read by openssl), and
# the backup is a consistent database that passes db check.
. "$(dirname "$0")/lib.sh"

N=${N:-8} EACH=${EACH:-10}
setup_ca --no-passphrase || { echo "FAIL setup"; finish; exit 1; }
mkdir -p "$T/certs" "$T/err" "$T/restore"

issuer() { local p=$1
  for i in $(seq 1 "$EACH"); do
    "$PINCA" issue --name "p$p-$i" --dns "p$p-$i.example.com" --key-out "$T/certs/p$p-$i.key" \
      --cert-out "$T/certs/p$p-$i.pem" >/dev/null 2>>"$T/err/p$p" || echo "exit $? on p$p-$i" >>"$T/err/p$p"
  done
}
pids=()
for p in $(seq 1 "$N"); do issuer "$p" & pids+=($!); done
sleep 0.3
"$PINCA" db backup "$T/restore/pinca.db" >"$T/backup.out" 2>&1; backup_rc=$?
for pid in "${pids[@]}"; do wait "$pid"; done

WANT=$((N * EACH))
check "no issuer reported an error" test -z "$(cat "$T"/err/*)"
[ -n "$(cat "$T"/err/*)" ] && head -n 5 "$T"/err/*
check "no 'database is locked' anywhere" sh -c "! grep -qi locked '$T'/err/*"
check "every certificate file was written ($WANT)" test "$(ls "$T"/certs/*.pem | wc -l)" -eq "$WANT"
# All serials in two openssl runs: the files as one PKCS#7 bag, printed as text.
cat "$T"/certs/*.pem >"$T/all.pem"
openssl crl2pkcs7 -nocrl -certfile "$T/all.pem" | openssl pkcs7 -print_certs -text -noout |
  grep -A1 'Serial Number:' | grep -v 'Serial Number:\|^--' | tr -d ' :' | sort >"$T/serials"
check "openssl printed $WANT serials of 16 octets" test "$(grep -cE '^[0-9a-f]{32}$' "$T/serials")" -eq "$WANT"
check "openssl reads $WANT distinct serials" test "$(sort -u "$T/serials" | wc -l)" -eq "$WANT"
check "the database holds exactly $WANT leaves" test "$(sqlite3 "$PINCA_DIR/pinca.db" 'SELECT count(*) FROM certificates')" -eq "$WANT"
check "every serial on disk is in the database" sh -c "
  for s in \$(cat '$T/serials'); do '$PINCA' db show \"\$s\" >/dev/null || exit 1; done"
check "one audit record per issued certificate" test "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM audit WHERE action='issue'")" -eq "$WANT"
check "the database passes db check" "$PINCA" db check
check "the audit chain is intact after concurrent appends" "$PINCA" db audit

check "db backup ran while the issuers did" test "$backup_rc" -eq 0
check "the backup passes db check" "$PINCA" db check --database-only --dir "$T/restore"
n=$(sqlite3 "$T/restore/pinca.db" 'SELECT count(*) FROM certificates')
check "the backup is a snapshot: 0..$WANT leaves, each with its audit record ($n)" test "$n" -le "$WANT" -a \
  "$(sqlite3 "$T/restore/pinca.db" "SELECT count(*) FROM audit WHERE action='issue'")" -eq "$n"
refuse "db backup will not overwrite a file" 1 "already exists" "$PINCA" db backup "$T/restore/pinca.db"
refuse "db backup into a missing directory" 1 "." "$PINCA" db backup "$T/nodir/copy.db"
finish
