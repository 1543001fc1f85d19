#!/bin/bash
# valgrind_unit: runs every unit test (build/rel/tests/test_*) and a few
# pinca commands under valgrind memcheck. Any invalid access, use of
# uninitialised memory or definite/indirect leak fails the check
# (--error-exitcode). PBKDF2 at 600,000 iterations is too slow under valgrind,
# so the unit tests skip it here (the ASan pass runs it) and the commands use
# --no-passphrase.
cd "$(dirname "$0")/../.." || exit 1
PASSED=0 FAILED=0
ok()  { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED+1)); echo "FAIL $1"; sed 's/^/     /' "$T/vg" | grep -v '^     ok ' | tail -n 25; }
if ! command -v valgrind >/dev/null; then echo "FAIL valgrind is not installed"; echo "0 passed, 1 failed"; exit 1; fi
T=$(mktemp -d /tmp/pinca-vg.XXXXXX); trap 'rm -rf "$T"' EXIT
VG=(valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --track-origins=yes)
export PINCA_UNIT_SKIP_PBKDF2=1

for t in build/rel/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  "${VG[@]}" "$t" >"$T/vg" 2>&1; rc=$?
  if [ $rc -eq 0 ] && tail -n 1 "$T/vg" | grep -q ' 0 failed$'; then ok "valgrind $name"
  else bad "valgrind $name (exit $rc)"; fi
done

# A few whole commands: init, a root ceremony and reads of what it made.
export PINCA_DIR=$T/ca
vg_cmd() { local name=$1; shift
  "${VG[@]}" ./pinca "$@" >"$T/vg" 2>&1; local rc=$?
  if [ $rc -eq 0 ]; then ok "valgrind pinca $name"; else bad "valgrind pinca $name (exit $rc)"; fi; }
vg_cmd init init
vg_cmd "ca root" ca root --cn "VG Root" --key ec-p256 --no-passphrase
vg_cmd "ca intermediate" ca intermediate --cn "VG Issuing" --no-passphrase
vg_cmd "ca list --json" ca list --json
vg_cmd "pins --json" pins --json
if ./pinca issue --help >/dev/null 2>&1; then
  vg_cmd "issue" issue --name vg --dns vg.example.com --ip 10.0.0.1 --key-out "$T/vg.key" \
    --cert-out "$T/vg.pem" --fullchain-out "$T/vg-full.pem"
  vg_cmd "renew --exec" renew vg --exec true
fi
# A refusal must be clean too (exit 2, no valgrind error).
"${VG[@]}" ./pinca ca root --cn X --key ed25519 >"$T/vg" 2>&1; rc=$?
if [ $rc -eq 2 ] || [ $rc -eq 3 ]; then ok "valgrind pinca refusal (exit $rc)"; else bad "valgrind pinca refusal (exit $rc)"; fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
