#!/bin/bash
# layers.sh: the include check (tools/layers.sh) passes on the tree, and it
# can fail: on a copy of the tree, an include that points up (store -> domain,
# domain -> command, common -> store, crypto -> store) is reported as
# FILE:LINE and fails the check; a listed (known) arrow passes as "known:",
# and fails once it is fixed but still listed. Ends with
# "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
PASSED=0 FAILED=0
ok()  { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED+1)); echo "FAIL $1"; [ -n "${2:-}" ] && tail -n 8 <<<"$2" | sed 's/^/     /'; return 0; }
W=$(mktemp -d /tmp/pinca-layers.XXXXXX)
trap 'rm -rf "$W"' EXIT

if out=$(bash tools/layers.sh 2>&1); then ok "the tree has no unlisted upward include"; else bad "tools/layers.sh fails on the tree" "$out"; fi

# copy: a fresh copy of the sources and the script.
copy() { rm -rf "$W/t" && mkdir -p "$W/t/tools" && cp -r main.c common ca issue revoke db acme "$W/t/" &&
  cp tools/layers.sh "$W/t/tools/"; }

copy && sed -i '1a #include "issue/leaf.h"' "$W/t/db/store_cert.c"
out=$(bash "$W/t/tools/layers.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q '^db/store_cert.c:2: store includes domain (issue/leaf.h)' <<<"$out"; then
  ok "store -> domain is refused with file:line"
else bad "store -> domain not reported (rc $rc)" "$out"; fi

copy && sed -i '1a #include "revoke/cmd.h"' "$W/t/revoke/crl.c"
out=$(bash "$W/t/tools/layers.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q '^revoke/crl.c:2: domain includes command (revoke/cmd.h)' <<<"$out"; then
  ok "domain -> command is refused with file:line"
else bad "domain -> command not reported (rc $rc)" "$out"; fi

copy && sed -i '1a #include "db/store.h"' "$W/t/common/text.c"
out=$(bash "$W/t/tools/layers.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q '^common/text.c:2: common includes store (db/store.h)' <<<"$out"; then
  ok "common -> store is refused"
else bad "common -> store not reported (rc $rc)" "$out"; fi

copy && sed -i '1a #include "db/store.h"' "$W/t/ca/keys.c"
out=$(bash "$W/t/tools/layers.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q '^ca/keys.c:2: crypto includes store (db/store.h)' <<<"$out"; then
  ok "crypto -> store (siblings) is refused"
else bad "crypto -> store not reported (rc $rc)" "$out"; fi

# The list of known arrows: a listed upward include is printed as "known:"
# and passes; once it is gone from the code, the entry itself fails, so the
# list can only shrink. (Tried on a copy whose KNOWN list gets one entry.)
copy && sed -i '1a #include "ca/context.h"' "$W/t/ca/keys.c" &&
  sed -i "s|^KNOWN='\$|KNOWN='\\nca/keys.c -> ca/context.h  # test entry|" "$W/t/tools/layers.sh"
out=$(bash "$W/t/tools/layers.sh" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '^known: ca/keys.c:2: crypto includes domain (ca/context.h)' <<<"$out"; then
  ok "a listed upward include is reported as known and passes"
else bad "a listed arrow was not taken as known (rc $rc)" "$out"; fi
sed -i '2d' "$W/t/ca/keys.c"
out=$(bash "$W/t/tools/layers.sh" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "known arrow 'ca/keys.c -> ca/context.h' is gone" <<<"$out"; then
  ok "a listed arrow that disappeared fails until it is taken off the list"
else bad "a vanished known arrow was not reported (rc $rc)" "$out"; fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
