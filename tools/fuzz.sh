#!/bin/bash
# Runs every libFuzzer target (build/fuzz/fuzz_*, built by `make fuzz-build`)
# for FUZZ_SECONDS each (default 60), starting from the checked-in seeds in
# tests/fuzz/corpus/NAME and growing a working corpus in build/fuzz/corpus/NAME.
# A crash leaves its input as build/fuzz/crash-NAME-*; reproduce it with
#   build/fuzz/fuzz_NAME FILE
# FUZZ_TARGETS="csr certs" limits the run to some targets. Exits 1 on a finding.
cd "$(dirname "$0")/.." || exit 1
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-$(for f in build/fuzz/fuzz_*; do basename "$f" | sed 's/^fuzz_//'; done)}
status=0
for t in $targets; do
  bin=build/fuzz/fuzz_$t seeds=tests/fuzz/corpus/$t work=build/fuzz/corpus/$t
  [ -x "$bin" ] || { echo "pinca: no fuzz target $bin (run make fuzz-build)" >&2; exit 1; }
  mkdir -p "$work" "$seeds"
  echo "== fuzz $t for ${secs}s"
  # -close_fd_mask=2: pinca's refusal lines go nowhere; libFuzzer keeps its own stderr.
  # The target's own status, taken from the pipeline itself: after an
  # `if PIPELINE; then :; fi` PIPESTATUS is the `:`'s, so a crash whose
  # lines grep printed used to read as success.
  "$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
      -close_fd_mask=2 -print_final_stats=1 -artifact_prefix="build/fuzz/crash-$t-" \
      "$work" "$seeds" 2>&1 | grep -E '^(#[0-9]+ *DONE|Done|stat::number_of_executed_units|==|SUMMARY|artifact)'
  st=${PIPESTATUS[0]}
  if [ "$st" -ne 0 ]; then
    echo "FAIL fuzz $t: see build/fuzz/crash-$t-*"; status=1
  else
    echo "ok   fuzz $t"
  fi
done
exit $status
