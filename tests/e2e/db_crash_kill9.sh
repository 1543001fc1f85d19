#!/bin/bash
# kill -9 at random instants: issuers (and a backup) are killed while they
# sign, commit and write files. Afterwards the database passes db check, and
# every certificate that reached the disk, under its name or as a temp file
# of an interrupted atomic write, has its row (serial read by openssl, looked
# up with db show). No partial backup is left under the backup's name.
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-20}
setup_ca --no-passphrase || { echo "FAIL setup"; finish; exit 1; }
mkdir -p "$T/crash" "$T/backups"
killed=0 backups_killed=0
# Under ASan, a process killed while LeakSanitizer checks it at exit leaves a
# tracer report ("Unable to get registers from thread N") that says nothing
# about pinca: the processes killed here skip the leak check (every other
# test keeps it).
NOLEAK="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
for r in $(seq 1 "$ROUNDS"); do
  ASAN_OPTIONS=$NOLEAK "$PINCA" issue --name "k$r-a" --dns "a$r.example.com" --key-out "$T/crash/k$r-a.key" \
    --cert-out "$T/crash/k$r-a.pem" --fullchain-out "$T/crash/k$r-a.full.pem" >/dev/null 2>&1 & a=$!
  ASAN_OPTIONS=$NOLEAK "$PINCA" issue --name "k$r-b" --dns "b$r.example.com" --key-out "$T/crash/k$r-b.key" \
    --cert-out "$T/crash/k$r-b.pem" >/dev/null 2>&1 & b=$!
  if [ $((r % 4)) -eq 0 ]; then
    ASAN_OPTIONS=$NOLEAK "$PINCA" db backup "$T/backups/b$r.db" >/dev/null 2>&1 & c=$!
  else
    c=
  fi
  # Somewhere between 0 and 200 ms: before, during and after the commit.
  sleep "0.$(printf "%03d" $((RANDOM % 200)))"
  kill -9 $a $b $c 2>/dev/null
  for pid in $a $b $c; do
    wait "$pid"
    # 137 = 128 + SIGKILL: the process was still running when the signal came.
    [ $? -eq 137 ] && { [ "$pid" = "$c" ] && backups_killed=$((backups_killed+1)) || killed=$((killed+1)); }
  done
done 2>/dev/null

certs=0 missing=0
for f in "$T"/crash/*.pem "$T"/crash/*.pem.tmp.*; do
  [ -e "$f" ] || continue
  s=$(openssl x509 -in "$f" -noout -serial 2>/dev/null | cut -d= -f2) || continue
  [ -n "$s" ] || continue
  certs=$((certs+1))
  "$PINCA" db show "$s" >/dev/null 2>&1 || { missing=$((missing+1)); echo "     no row for $f ($s)"; }
done
rows=$(sqlite3 "$PINCA_DIR/pinca.db" 'SELECT count(*) FROM certificates')
echo "     $ROUNDS rounds: $killed issuers and $backups_killed backups killed by signal; $certs certificate files on disk, $rows rows"
check "the database passes db check after the kills" "$PINCA" db check
check "the audit chain is intact after the kills" "$PINCA" db audit
check "at least one certificate file reached the disk" test "$certs" -gt 0
check "every certificate file on disk has its row" test "$missing" -eq 0
check "no more rows than issuers started" test "$rows" -le $((2 * ROUNDS))
check "every row has its audit record" test "$rows" -eq "$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM audit WHERE action='issue'")"
bad=0
for f in "$T"/backups/b*.db; do
  [ -e "$f" ] || continue
  d=$T/restore-$(basename "$f" .db); mkdir -p "$d"; cp "$f" "$d/pinca.db"
  "$PINCA" db check --database-only --dir "$d" >/dev/null 2>&1 || { bad=$((bad+1)); echo "     backup $f fails db check"; }
done
check "every backup that reached its name passes db check" test "$bad" -eq 0
# The issuers still work: the lock and the WAL were recovered.
check "issuance works after the kills" "$PINCA" issue --name after --dns after.example.com --key-out "$T/after.key"
finish
