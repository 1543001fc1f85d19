#!/bin/bash
# Runs every stage of the test suite and prints one total line at the end:
#   unit tests (build/rel/tests/*), end-to-end scripts (tests/e2e/*.sh),
#   the same end-to-end scripts against the ASan+UBSan build, and any extra
#   stages in tests/stages/*.sh. Each stage prints "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
total_pass=0 total_fail=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
# Sanitizer reports also go to files under SANLOG, so a report from a command
# whose status a script does not check (setup, `>/dev/null 2>&1`) still fails.
SANLOG=$(mktemp -d /tmp/pinca-sanlog.XXXXXX)
trap 'rm -rf "$SANLOG"' EXIT

# run_stage LABEL CMD...: runs CMD, shows its output, adds its counts.
run_stage() { local label=$1; shift
  echo "== $label"
  local out; out=$("$@" 2>&1); local rc=$?
  printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
  local line; line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -z "$line" ]; then
    echo "FAIL $label: no result line (exit $rc)"; total_fail=$((total_fail+1)); return
  fi
  local p f; p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  total_pass=$((total_pass+p)); total_fail=$((total_fail+f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "FAIL $label exited $rc"; total_fail=$((total_fail+1)); fi
}

# run_san_stage LABEL CMD...: run_stage with sanitizer reports logged to
# files; any report is one more failure, shown in full.
run_san_stage() { local label=$1; shift
  rm -f "$SANLOG"/*
  ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$SANLOG/asan" UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$SANLOG/ubsan" \
    run_stage "$label" "$@"
  local f
  for f in "$SANLOG"/*; do
    [ -s "$f" ] || continue
    echo "FAIL $label: sanitizer report $(basename "$f")"; sed 's/^/     /' "$f" | head -n 40
    total_fail=$((total_fail+1))
  done
}

for t in build/rel/tests/test_*; do
  [ -x "$t" ] && run_stage "unit $(basename "$t")" "$t"
done
for t in tests/e2e/*.sh; do
  [ "$(basename "$t")" = lib.sh ] && continue
  run_stage "e2e $(basename "$t" .sh)" bash "$t"
done
if [ -x build/san/pinca ]; then
  for t in build/san/tests/test_*; do
    [ -x "$t" ] && run_san_stage "unit+san $(basename "$t")" "$t"
  done
  for t in tests/e2e/*.sh; do
    [ "$(basename "$t")" = lib.sh ] && continue
    PINCA=$PWD/build/san/pinca run_san_stage "e2e+san $(basename "$t" .sh)" bash "$t"
  done
fi
for t in tests/stages/*.sh; do
  [ -f "$t" ] && run_stage "stage $(basename "$t" .sh)" bash "$t"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
