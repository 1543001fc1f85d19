#!/bin/bash
# hardening: checks with readelf that the release binary ./pinca carries the
# hardening the Makefile asks for: PIE, full RELRO (BIND_NOW + GNU_RELRO),
# a non-executable stack, stack protector and _FORTIFY_SOURCE checked calls.
cd "$(dirname "$0")/../.." || exit 1
PASSED=0 FAILED=0
ok()  { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED+1)); echo "FAIL $1"; }
t() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi; }
BIN=${PINCA:-./pinca}
if [ ! -x "$BIN" ]; then echo "FAIL no binary $BIN"; echo "0 passed, 1 failed"; exit 1; fi
hdr=$(readelf -h "$BIN"); dyn=$(readelf -d "$BIN"); seg=$(readelf -lW "$BIN"); sym=$(readelf --dyn-syms -W "$BIN")
t "PIE (ELF type DYN)" grep -q 'Type: *DYN' <<<"$hdr"
t "PIE flag in DT_FLAGS_1" grep -Eq 'FLAGS_1.*PIE' <<<"$dyn"
t "BIND_NOW (immediate binding)" grep -Eq '\(BIND_NOW\)|FLAGS.*\bNOW\b' <<<"$dyn"
t "GNU_RELRO segment" grep -q 'GNU_RELRO' <<<"$seg"
t "non-executable stack" grep -Eq 'GNU_STACK +(0x[0-9a-f]+ +){5}RW ' <<<"$seg"
t "no text relocations" bash -c '! grep -q TEXTREL <<<"$0"' "$dyn"
t "stack protector (__stack_chk_fail)" grep -q '__stack_chk_fail' <<<"$sym"
t "_FORTIFY_SOURCE (__*_chk calls)" grep -Eq '__[a-z]+_chk@' <<<"$sym"
t "no executable RWX segment" bash -c '! grep -Eq "LOAD .* RWE " <<<"$0"' "$seg"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
