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
# PostgreSQL, in the cluster the stage started (PINCA_TEST_PG_DIR), else in
# one of its own (tests/e2e/pg_lib.sh). $PINCA becomes a stand-in
# ($T/bin/pinca) that gives each `pinca init` a fresh database of its own
# (as PINCA_DB: the CA directory records it), so every CA directory of the
# script has its own store, as with SQLite, and runs everything else as it
# is. The scripts' own `sqlite3 DIR/pinca.db SQL` then runs on the database
# DIR records, through a stand-in sqlite3 first on PATH ($T/bin/sqlite3),
# with SQLite's spellings turned into PostgreSQL's (pg_sql.py below); any
# other use of sqlite3 goes to the real one.
if [ "${PINCA_TEST_DB:-}" = pg ]; then
  . "$(dirname "${BASH_SOURCE[0]}")/pg_lib.sh"
  if [ -n "${PINCA_TEST_PG_DIR:-}" ]; then PG_DIR=$PINCA_TEST_PG_DIR
  else pg_start || { echo "FAIL PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }; fi
  mkdir -p "$T/bin"
  { printf '#!/bin/bash\n# pinca, with a fresh PostgreSQL database for each init (tests/e2e/lib.sh).\n'
    printf 'REAL=%q CREATEDB=%q SOCK=%q TAG=%q\n' "$PINCA" "$PG_BIN/createdb" "$PG_DIR/sock" \
      "$(basename "$T" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9' _)"
    cat <<'WRAPPER'
cmd="" has_db=0 args=("$@") i=0
while [ $i -lt $# ]; do
  case ${args[$i]} in
    --dir|--db) [ "${args[$i]}" = --db ] && has_db=1; i=$((i+1)) ;;
    --db=*) has_db=1 ;;
    -*) ;;
    *) [ -z "$cmd" ] && cmd=${args[$i]} ;;
  esac
  i=$((i+1))
done
if [ "$cmd" = init ] && [ $has_db = 0 ] && [ -z "${PINCA_DB:-}" ]; then
  name="t_${TAG}_$$"
  "$CREATEDB" -h "$SOCK" -U pinca "$name" || exit 1
  export PINCA_DB="postgresql:///$name?host=$SOCK&user=pinca"
fi
exec "$REAL" "$@"
WRAPPER
  } >"$T/bin/pinca"
  { printf '#!/bin/bash\n# sqlite3 DIR/pinca.db SQL on the PostgreSQL database DIR records (tests/e2e/lib.sh).\n'
    printf 'REAL=%q PSQL=%q\n' "$(command -v sqlite3)" "$PG_BIN/psql"
    cat <<'WRAPPER'
rec="$(dirname "${1:-.}")/database"
if [ $# -eq 2 ] && [ "${1##*/}" = pinca.db ] && [ ! -e "$1" ] && [ -f "$rec" ]; then
  printf '%s;\n' "$2" | python3 "$(dirname "$0")/pg_sql.py" |
    "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "$(head -n 1 "$rec")" -f -
else
  exec "$REAL" "$@"
fi
WRAPPER
  } >"$T/bin/sqlite3"
  cat >"$T/bin/pg_sql.py" <<'WRAPPER'
# SQLite's spellings in the tests' queries, as PostgreSQL spells them:
# group_concat(x) -> string_agg((x)::text, ','), "text" -> 'text', and an
# alias for a subquery in FROM.
import re, sys
sql = sys.stdin.read()
def inner(s, i):  # s[i] == '(' : the index of its closing parenthesis
    depth = 0
    for j in range(i, len(s)):
        depth += {'(': 1, ')': -1}.get(s[j], 0)
        if depth == 0:
            return j
    return len(s) - 1
out, i = "", 0
while True:
    m = re.compile(r"group_concat\(|FROM\s*\(", re.I).search(sql, i)
    if not m:
        break
    j = inner(sql, m.end() - 1)
    if m.group(0).lower().startswith("group_concat"):
        out += sql[i:m.start()] + "string_agg((" + sql[m.end():j] + ")::text, ',')"
        i = j + 1
    else:
        out += sql[i:m.end()]
        i = m.end()
        follows = sql[j + 1:].lstrip()
        if not re.match(r"(AS\s|[a-z_])", follows, re.I):
            sql = sql[:j + 1] + " AS sub" + sql[j + 1:]
out += sql[i:]
print(re.sub(r'"([^"]*)"', r"'\1'", out), end="")
WRAPPER
  chmod 755 "$T/bin/pinca" "$T/bin/sqlite3"
  PINCA=$T/bin/pinca
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
