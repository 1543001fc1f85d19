#!/bin/bash
# noprint.sh: the "errors are values" check (tools/noprint.sh) passes on the
# tree, and it can fail: on a copy of the tree, a domain or store file that
# prints (fprintf to stderr, printf, json_print) is reported as FILE:LINE and
# fails the check; the same call in a command file or in a comment passes;
# an allowed line whose code is gone fails until it is taken off the list.
# Ends with "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
PASSED=0 FAILED=0
ok()  { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED+1)); echo "FAIL $1"; [ -n "${2:-}" ] && tail -n 8 <<<"$2" | sed 's/^/     /'; return 0; }
W=$(mktemp -d /tmp/pinca-noprint.XXXXXX)
trap 'rm -rf "$W"' EXIT

if out=$(bash tools/noprint.sh 2>&1); then ok "no domain or store file prints (but the allowed lines)"; else bad "tools/noprint.sh fails on the tree" "$out"; fi

# copy: a fresh copy of the sources and the two scripts.
copy() { rm -rf "$W/t" && mkdir -p "$W/t/tools" && cp -r main.c common ca issue revoke db acme "$W/t/" &&
  cp tools/layers.sh tools/noprint.sh "$W/t/tools/"; }

# try NAME FILE LINE-TEXT PATTERN: adds LINE-TEXT as line 1 of FILE in a copy
# and expects a failure whose report matches PATTERN.
try() { copy && sed -i "1i $3" "$W/t/$2"
  out=$(bash "$W/t/tools/noprint.sh" 2>&1); rc=$?
  if [ $rc -ne 0 ] && grep -q -- "$4" <<<"$out"; then ok "$1"; else bad "$1 (rc $rc)" "$out"; fi; }

try "store: fprintf(stderr) is refused with file:line" db/store_cert.c \
  'static void f(void) { fprintf(stderr, "pinca: x\\n"); }' '^db/store_cert.c:1: prints (stderr)'
try "domain: printf is refused" issue/renew.c 'static void f(void) { printf("x\\n"); }' \
  '^issue/renew.c:1: prints (printf)'
try "domain: json_print is refused" ca/verify.c 'static void f(void) { json_print(NULL); }' \
  '^ca/verify.c:1: prints (json_print)'
try "crypto: fputs to stdout is refused" ca/keys.c 'static void f(void) { fputs("x", stdout); }' \
  '^ca/keys.c:1: prints (stdout)'

copy && sed -i '1i static void f(void) { printf("x\\n"); }' "$W/t/issue/cmd_renew.c" &&
  sed -i '1i /* printf("in a comment"), stderr */ int g; // puts(x)' "$W/t/issue/renew.c"
out=$(bash "$W/t/tools/noprint.sh" 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "a command file may print; a comment is not a call"; else bad "command file or comment refused (rc $rc)" "$out"; fi

# An allowed line that is gone fails, so the list only shrinks.
copy && sed -i '/crl_emit(stdout/d' "$W/t/revoke/crl_out.c"
out=$(bash "$W/t/tools/noprint.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "allowed line 'revoke/crl_out.c: crl_emit(stdout' is gone" <<<"$out"; then
  ok "an allowed line that disappeared fails until it is taken off the list"
else bad "a vanished allowed line was not reported (rc $rc)" "$out"; fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
