#!/bin/bash
# cmdlen.sh: the thin-command check (tools/cmdlen.sh) passes on the tree,
# and it can fail: on a copy of the tree, a command function grown past 60
# lines is reported as FILE:LINE with its name and length, and a domain
# file's long function is not a command's business. Ends with
# "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
PASSED=0 FAILED=0
ok()  { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED+1)); echo "FAIL $1"; [ -n "${2:-}" ] && tail -n 8 <<<"$2" | sed 's/^/     /'; return 0; }
W=$(mktemp -d /tmp/pinca-cmdlen.XXXXXX)
trap 'rm -rf "$W"' EXIT

if out=$(bash tools/cmdlen.sh 2>&1); then ok "every command function is at most 60 lines"; else bad "tools/cmdlen.sh fails on the tree" "$out"; fi

copy() { rm -rf "$W/t" && mkdir -p "$W/t/tools" && cp -r main.c common ca issue revoke db acme "$W/t/" &&
  cp tools/cmdlen.sh "$W/t/tools/"; }

# 40 statements more in cmd_revoke: its body passes 60 lines.
pad=$(for i in $(seq 40); do printf '\t(void)argc;\\n'; done)
copy && line=$(grep -n '^cmd_revoke(' "$W/t/revoke/cmd_revoke.c" | cut -d: -f1) &&
  sed -i "$((line + 1))a\\$pad" "$W/t/revoke/cmd_revoke.c"
out=$(bash "$W/t/tools/cmdlen.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "^revoke/cmd_revoke.c:$line: cmd_revoke is [0-9]* lines" <<<"$out"; then
  ok "a command function over 60 lines is refused with file:line"
else bad "a long command function was not reported (rc $rc)" "$out"; fi

copy && line=$(grep -n '^revocation_revoke_one(' "$W/t/revoke/revocation.c" | cut -d: -f1) &&
  sed -i "$((line + 1))a\\$pad" "$W/t/revoke/revocation.c"
out=$(bash "$W/t/tools/cmdlen.sh" 2>&1); rc=$?
if [ $rc -eq 0 ]; then
  ok "a domain file is not checked as a command"
else bad "a domain function was taken for a command (rc $rc)" "$out"; fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
