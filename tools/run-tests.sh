#!/bin/bash
# Runs every stage of the test suite and prints one total line at the end:
#   unit tests (build/rel/tests/*), end-to-end scripts (tests/e2e/*.sh),
#   the same end-to-end scripts against the ASan+UBSan build, and any extra
#   stages in tests/stages/*.sh. Each stage prints "N passed, N failed".
# Stages run PINCA_TEST_JOBS at a time (default: the number of cores), each
# in a process of its own with its output kept in a file, and are reported in
# the order above, so the log reads the same however they interleaved. A
# stage that needs the machine to itself (a timing test) is listed in SERIAL
# and runs alone after the others.
cd "$(dirname "$0")/.." || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
JOBS=${PINCA_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1
# Stages that measure time or drive a terminal: alone, after the rest.
SERIAL=" e2e_passphrase_prompt_tty e2e+san_passphrase_prompt_tty "
W=$(mktemp -d /tmp/pinca-run.XXXXXX)
trap 'rm -rf "$W"' EXIT

# stage_run ID LABEL SAN CMD...: runs CMD with its output in $W/ID.out and
# its exit status in $W/ID.rc. With SAN=1, sanitizer reports also go to
# files under $W/ID.san, so a report from a command whose status a script
# does not check (setup, `>/dev/null 2>&1`) still fails.
stage_run() { local id=$1 label=$2 san=$3 t0=$SECONDS; shift 3
  if [ "$san" = 1 ]; then
    mkdir -p "$W/$id.san"
    ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$W/$id.san/asan" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$W/$id.san/ubsan" "$@" >"$W/$id.out" 2>&1
  else
    "$@" >"$W/$id.out" 2>&1
  fi
  echo $? >"$W/$id.rc"
  echo $((SECONDS - t0)) >"$W/$id.sec"
}

# The stages in report order: ID|LABEL|SAN|CMD (CMD is split on spaces).
stages=()
add() { stages+=("$1|$2|$3|$4"); }
n=0
for t in build/rel/tests/test_*; do
  [ -x "$t" ] && add "s$((n+=1))" "unit $(basename "$t")" 0 "$t"
done
for t in tests/e2e/*.sh; do
  [ "$(basename "$t")" = lib.sh ] && continue
  add "s$((n+=1))" "e2e $(basename "$t" .sh)" 0 "bash $t"
done
if [ -x build/san/pinca ]; then
  for t in build/san/tests/test_*; do
    [ -x "$t" ] && add "s$((n+=1))" "unit+san $(basename "$t")" 1 "$t"
  done
  for t in tests/e2e/*.sh; do
    [ "$(basename "$t")" = lib.sh ] && continue
    add "s$((n+=1))" "e2e+san $(basename "$t" .sh)" 1 "env PINCA=$PWD/build/san/pinca bash $t"
  done
fi
for t in tests/stages/*.sh; do
  [ -f "$t" ] && add "s$((n+=1))" "stage $(basename "$t" .sh)" 0 "bash $t"
done

is_serial() { local key=${1// /_}; [[ "$SERIAL" == *" $key "* ]]; }

# Run the parallel ones, at most JOBS at a time, then the serial ones alone.
for s in "${stages[@]}"; do
  IFS='|' read -r id label san cmd <<<"$s"
  is_serial "$label" && continue
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  # shellcheck disable=SC2086
  stage_run "$id" "$label" "$san" $cmd &
done
wait
for s in "${stages[@]}"; do
  IFS='|' read -r id label san cmd <<<"$s"
  is_serial "$label" || continue
  # shellcheck disable=SC2086
  stage_run "$id" "$label" "$san" $cmd
done

# Report in order and add up.
total_pass=0 total_fail=0
for s in "${stages[@]}"; do
  IFS='|' read -r id label san cmd <<<"$s"
  echo "== $label ($(cat "$W/$id.sec" 2>/dev/null || echo '?') s)"
  out=$(cat "$W/$id.out" 2>/dev/null); rc=$(cat "$W/$id.rc" 2>/dev/null || echo 99)
  printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -z "$line" ]; then
    echo "FAIL $label: no result line (exit $rc)"; total_fail=$((total_fail+1))
  else
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    total_pass=$((total_pass+p)); total_fail=$((total_fail+f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "FAIL $label exited $rc"; total_fail=$((total_fail+1)); fi
  fi
  if [ "$san" = 1 ]; then
    for f in "$W/$id.san"/*; do
      [ -s "$f" ] || continue
      echo "FAIL $label: sanitizer report $(basename "$f")"; sed 's/^/     /' "$f" | head -n 40
      total_fail=$((total_fail+1))
    done
  fi
done
echo "the slowest stages (seconds, wall):"
for s in "${stages[@]}"; do
  IFS='|' read -r id label san cmd <<<"$s"
  echo "$(cat "$W/$id.sec" 2>/dev/null || echo 0) $label"
done | sort -rn | head -n 8 | sed 's/^/  /'
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
