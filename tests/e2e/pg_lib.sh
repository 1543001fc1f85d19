# pg_lib.sh: a throwaway PostgreSQL cluster for the tests that put the store
# in PostgreSQL (#19). Sourced by an e2e script (after lib.sh):
#   pg_start                 initdb + start, Unix socket only (no TCP)
#   URL=$(pg_createdb NAME)  a fresh database; prints postgresql:///NAME?host=...
#   pg_stop                  stops the server by its PID and removes the cluster
#   pg_halt [immediate], pg_resume  stop the server and start it again (an outage)
# pg_start replaces the EXIT trap with one that stops the server and then
# removes $T (lib.sh's trap). The cluster runs as a non-root user when the
# tests run as root (initdb refuses root): `postgres` (Debian's package makes
# it), else `nobody`. fsync stays on, as on a real host; only the memory is
# small. Every wait is bounded.
#
# Run as a program it serves tests that are not shell scripts:
#   bash pg_lib.sh start [WATCH_PID]  prints the cluster's directory; with
#                                     WATCH_PID, the server is stopped when
#                                     that process ends (a crashed unit test)
#   bash pg_lib.sh stop DIR           stops the cluster in DIR and removes it
#   bash pg_lib.sh restart DIR SECS   stops the server (fast shutdown), and starts it again
#                                     SECS seconds later (in the background)
# and with no argument (as tools/run-tests.sh runs every tests/e2e/*.sh) it
# checks itself and prints "N passed, N failed".

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_DIR="" PG_PID="" PG_USER=""

# pg_as CMD...: runs CMD as the cluster's owner.
pg_as() {
  if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

# pg_start [DIR]: makes a cluster in DIR (default: a new temporary directory)
# and starts it; sets PG_DIR, PG_PID. Returns non-zero (with the server's log
# on stderr) when PostgreSQL cannot be started.
pg_start() {
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg_lib: no /usr/lib/postgresql/*/bin/initdb (tools/deps.sh installs postgresql)" >&2; return 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    if getent passwd postgres >/dev/null; then PG_USER=postgres; else PG_USER=nobody; fi
  fi
  PG_DIR=${1:-$(mktemp -d /tmp/pinca-pg.XXXXXX)} || return 1
  mkdir -p "$PG_DIR/sock" && chmod 755 "$PG_DIR" || return 1
  [ -n "$PG_USER" ] && chown -R "$PG_USER" "$PG_DIR"
  if [ "${PG_NO_TRAP:-0}" != 1 ]; then
    # shellcheck disable=SC2064
    trap 'pg_stop; rm -rf "${T:-/nonexistent}"' EXIT
  fi
  # initdb's own sync only slows the setup of a cluster thrown away after
  # the test; the server below keeps fsync on.
  if ! (cd "$PG_DIR" && pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U pinca -A trust -E UTF8 \
        --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1); then
    echo "pg_lib: initdb failed:" >&2; tail -n 5 "$PG_DIR/initdb.log" >&2; return 1
  fi
  cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR/sock'
unix_socket_permissions = 0777
fsync = on
shared_buffers = 16MB
max_connections = 60
max_wal_size = 64MB
logging_collector = off
EOF
  if ! (cd "$PG_DIR" && pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
        -w -t 30 start >/dev/null 2>&1); then
    echo "pg_lib: the server did not start:" >&2; tail -n 5 "$PG_DIR/server.log" >&2; return 1
  fi
  PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
  [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null || { echo "pg_lib: no postmaster PID" >&2; return 1; }
}

# pg_url NAME: the URL of database NAME in the running cluster.
pg_url() { printf 'postgresql:///%s?host=%s&user=pinca\n' "$1" "$PG_DIR/sock"; }

# pg_psql NAME SQL: runs SQL in database NAME, unaligned output.
pg_psql() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR/sock" -U pinca -d "$1" -c "$2"; }

# pg_createdb NAME: creates an empty database and prints its URL.
pg_createdb() {
  "$PG_BIN/createdb" -h "$PG_DIR/sock" -U pinca "$1" || return 1
  pg_url "$1"
}

# pg_halt [immediate]: stops the server by its PID, keeping the cluster:
# a fast shutdown (sessions cut, a checkpoint), or with "immediate" a stop
# with no checkpoint, as in a crash (the next start replays the WAL).
# SIGKILL after 20 s.
pg_halt() {
  local i sig=INT
  [ "${1:-}" = immediate ] && sig=QUIT
  [ -n "$PG_DIR" ] || return 0
  [ -n "$PG_PID" ] || PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
  # Only while the cluster's pid file is there: a PID of a server stopped
  # before may since belong to another process.
  if [ -n "$PG_PID" ] && [ -f "$PG_DIR/data/postmaster.pid" ] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -"$sig" "$PG_PID" 2>/dev/null
    for i in $(seq 1 200); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PG_PID" 2>/dev/null && kill -KILL "$PG_PID" 2>/dev/null
  fi
  PG_PID=""
}

# pg_resume: starts the server of the cluster again (after pg_halt).
pg_resume() {
  if [ "$(id -u)" -eq 0 ] && [ -z "$PG_USER" ]; then PG_USER=$(stat -c %U "$PG_DIR/data"); fi
  (cd "$PG_DIR" && pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start \
    >/dev/null 2>&1) || return 1
  PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
}

# pg_stop: stops the server and removes the cluster's directory (no
# checkpoint for data thrown away). Safe to call twice.
pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  pg_halt immediate
  case "$PG_DIR" in /tmp/pinca-pg.*) rm -rf "$PG_DIR" ;; esac
  PG_DIR="" PG_PID=""
}

# pg_watch PID: in the background, stops the cluster once PID has ended
# (checked each second, for at most an hour).
pg_watch() {
  local watched=$1 i
  ( for i in $(seq 1 3600); do kill -0 "$watched" 2>/dev/null || break; sleep 1; done
    pg_stop ) >/dev/null 2>&1 </dev/null &
}

# The self-check: what the tests rely on.
pg_self_check() {
  local pass=0 fail=0 url
  t() { if "$@" >/dev/null 2>&1; then pass=$((pass+1)); echo "ok   $name"; else fail=$((fail+1)); echo "FAIL $name"; fi; }
  T=$(mktemp -d /tmp/pinca-test.XXXXXX)
  name="cluster starts"; t pg_start
  name="createdb prints a socket URL"; url=$(pg_createdb selfcheck); t test "$url" = "$(pg_url selfcheck)"
  name="fsync is on"; t test "$(pg_psql selfcheck 'SHOW fsync')" = on
  name="no TCP listener"; t test "$(pg_psql selfcheck 'SHOW listen_addresses')" = ""
  name="data owned by a non-root user"; t test "$(stat -c %u "$PG_DIR/data")" != 0 -o "$(id -u)" != 0
  name="pg_halt stops the server"; pg_halt; t sh -c "! pg_psql selfcheck 'SELECT 1'"
  name="pg_resume starts it again"; t pg_resume
  name="with the data kept"; t test "$(pg_psql selfcheck 'SELECT count(*) FROM pg_database WHERE datname = '"'selfcheck'")" = 1
  local pid=$PG_PID
  pg_stop
  name="pg_stop ends the server"; t sh -c "! kill -0 $pid"
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) PG_NO_TRAP=1; pg_start || { pg_stop; exit 1; }
           [ -n "${2:-}" ] && pg_watch "$2"
           echo "$PG_DIR" ;;
    stop)  PG_DIR=$2; [ -d "$PG_DIR" ] || exit 0; pg_stop ;;
    restart) PG_DIR=$2; pg_halt
           ( sleep "${3:-1}"; pg_resume ) >/dev/null 2>&1 </dev/null & ;;
    "")    pg_self_check ;;
    *)     echo "usage: pg_lib.sh [start [WATCH_PID] | stop DIR | restart DIR SECS]" >&2; exit 2 ;;
  esac
fi
