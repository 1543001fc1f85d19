# lib.sh: shared by the end-to-end scripts. Each script sources it, runs its
# checks against the real binary ($PINCA), and ends with `finish`, which
# prints "N passed, N failed" (the runner adds these up).
set -u
PINCA=${PINCA:-$(cd "$(dirname "$0")/../.." && pwd)/pinca}
T=$(mktemp -d /tmp/pinca-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
export PINCA_DIR=$T/ca
PASSED=0 FAILED=0
printf 'test-passphrase-0123456789\n' >"$T/pass"; chmod 600 "$T/pass"
PASS=(--pass-file "$T/pass")

# PINCA_TEST_DB=pg (tests/stages/pg.sh): the same script with the store in
# PostgreSQL. Each script gets a fresh database (in the cluster the stage
# started, PINCA_TEST_PG_DIR, else in one of its own, tests/e2e/pg_lib.sh),
# exported as PINCA_DB so that `pinca init` puts the store there. The
# scripts' own `sqlite3 DIR/pinca.db SQL` queries then run on that database
# through a stand-in sqlite3 first on PATH ($T/bin/sqlite3, below), with
# SQLite's group_concat(x) spelled as PostgreSQL's string_agg; any other use
# of sqlite3 goes to the real one.
if [ "${PINCA_TEST_DB:-}" = pg ]; then
  . "$(dirname "${BASH_SOURCE[0]}")/pg_lib.sh"
  if [ -n "${PINCA_TEST_PG_DIR:-}" ]; then PG_DIR=$PINCA_TEST_PG_DIR
  else pg_start || { echo "FAIL PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }; fi
  PINCA_DB=$(pg_createdb "t_$(basename "$T" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9' _)") ||
    { echo "FAIL no database for the test"; echo "0 passed, 1 failed"; exit 1; }
  export PINCA_DB
  mkdir -p "$T/bin"
  { printf '#!/bin/bash\n# sqlite3 DIR/pinca.db SQL of a test whose store is in PostgreSQL.\n'
    printf 'REAL=%q PSQL=%q\n' "$(command -v sqlite3)" "$PG_BIN/psql"
    cat <<'WRAPPER'
if [ $# -eq 2 ] && [ "${1##*/}" = pinca.db ] && [ ! -e "$1" ]; then
  printf '%s;\n' "$2" | sed "s/group_concat(\([^()]*\))/string_agg((\1)::text, ',')/g" |
    "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "$PINCA_DB" -f -
else
  exec "$REAL" "$@"
fi
WRAPPER
  } >"$T/bin/sqlite3"
  chmod 755 "$T/bin/sqlite3"
  export PATH="$T/bin:$PATH"
fi

# The Python with the `cryptography` module (Debian's python3-cryptography).
PY=python3
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import cryptography' 2>/dev/null; then PY=$p; break; fi
done

ok()   { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad()  { FAILED=$((FAILED+1)); echo "FAIL $1"; [ -s "$T/out" ] && sed 's/^/     /' "$T/out" | tail -n 5; return 0; }

# check NAME CMD...: CMD must exit 0.
check() { local name=$1; shift
  if "$@" >"$T/out" 2>&1; then ok "$name"; else bad "$name (exit $?)"; fi; }

# refuse NAME STATUS PATTERN CMD...: CMD must exit STATUS and print exactly
# one stderr line starting "pinca: " that matches PATTERN (grep -E).
refuse() { local name=$1 want=$2 pat=$3; shift 3
  "$@" >"$T/stdout" 2>"$T/out"; local got=$?
  if [ "$got" -ne "$want" ]; then bad "$name (exit $got, wanted $want)"; return; fi
  if [ "$(wc -l <"$T/out")" -ne 1 ] || ! grep -q '^pinca: ' "$T/out"; then bad "$name (stderr is not one 'pinca: ' line)"; return; fi
  if ! grep -Eq -- "$pat" "$T/out"; then bad "$name (message does not match /$pat/)"; return; fi
  ok "$name"; }

# Pin of a PEM certificate, computed by openssl alone.
spki_pin() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64; }

# Fingerprint of the files and rows that a refused command must leave alone.
state_of() { (cd "$PINCA_DIR" && find . -type f ! -name '*-shm' ! -name '*-wal' | sort | xargs sha256sum 2>/dev/null;
  sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM cas; SELECT count(*) FROM audit; SELECT count(*) FROM certificates" 2>/dev/null); }

# A CA directory with roots and an intermediate, all with $T/pass.
setup_ca() {
  "$PINCA" init >/dev/null && "$PINCA" ca root --cn "Test Root R1" --standby-cn "Test Root R2" "${PASS[@]}" >/dev/null &&
  "$PINCA" ca intermediate --cn "Test Issuing CA" "${PASS[@]}" "$@" >/dev/null &&
  "$PINCA" ca show root --pem >"$T/root.pem" && "$PINCA" ca show standby --pem >"$T/standby.pem" &&
  "$PINCA" ca show intermediate --pem >"$T/int.pem"
}

finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; }
