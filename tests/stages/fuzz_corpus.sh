#!/bin/bash
# fuzz_corpus: runs every libFuzzer target (build/fuzz/fuzz_*, `make
# fuzz-build`) once over its checked-in corpus tests/fuzz/corpus/NAME, so an
# input that crashed once stays fixed. No new inputs are generated here;
# `make fuzz` does that.
cd "$(dirname "$0")/../.." || exit 1
PASSED=0 FAILED=0
T=$(mktemp -d /tmp/pinca-fz.XXXXXX); trap 'rm -rf "$T"' EXIT
shopt -s nullglob
targets=(tests/fuzz/fuzz_*.c)
if [ ${#targets[@]} -eq 0 ]; then echo "FAIL no fuzz targets"; echo "0 passed, 1 failed"; exit 1; fi
for src in "${targets[@]}"; do
  name=$(basename "$src" .c); name=${name#fuzz_}
  bin=build/fuzz/fuzz_$name
  files=(tests/fuzz/corpus/"$name"/*)
  if [ ! -x "$bin" ]; then FAILED=$((FAILED+1)); echo "FAIL fuzz $name: $bin not built (make fuzz-build)"; continue; fi
  if [ ${#files[@]} -eq 0 ]; then FAILED=$((FAILED+1)); echo "FAIL fuzz $name: empty corpus"; continue; fi
  if "$bin" -close_fd_mask=2 -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$T/" "${files[@]}" >"$T/log" 2>&1; then
    PASSED=$((PASSED+1)); echo "ok   fuzz $name over ${#files[@]} inputs"
  else
    FAILED=$((FAILED+1)); echo "FAIL fuzz $name"; grep -E 'ERROR|SUMMARY|Running:' "$T/log" | tail -n 5 | sed 's/^/     /'
  fi
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
