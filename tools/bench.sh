#!/bin/sh
# bench.sh: `make bench`. Measures pinca against `openssl ca` (and cfssl if
# Debian's golang-cfssl installs) on the same CSRs in the same run, prints a
# table of medians and ratios and writes it as JSON (tools/bench/bench.py does
# the work). A measurement, not a test: exits 0 even when a target is missed.
# BENCH_TMP=DIR puts the work directory elsewhere (default: $TMPDIR or /tmp);
# BENCH_QUICK=1 shrinks every size for a smoke run; BENCH_KEEP=1 keeps the
# seeded databases and indexes in the work directory (default: only the JSON).
cd "$(dirname "$0")/.." || exit 0
make -s build/rel/tools/bench-seed >/dev/null || echo "bench: the seeder did not build; seeding falls back to batch issuance" >&2
make -s build/rel/tools/bench-filecost >/dev/null || echo "bench: the file-cost probe did not build; its row says n/a" >&2
if ! command -v cfssl >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive timeout 120 apt-get install -y -qq golang-cfssl >/dev/null 2>&1 ||
    echo "bench: golang-cfssl did not install; its rows say n/a" >&2
fi
python3 tools/bench/bench.py || echo "bench: the driver stopped early (see above)" >&2
# ACME rows: complete orders against pinca serve and pebble (tools/bench/acme_bench.py).
python3 tools/bench/acme_bench.py || echo "bench: the ACME rows stopped early (see above)" >&2
# PostgreSQL rows: SQLite vs PostgreSQL, one host and two at once (tools/bench/pg_bench.py).
python3 tools/bench/pg_bench.py || echo "bench: the PostgreSQL rows stopped early (see above)" >&2
exit 0
