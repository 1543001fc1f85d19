#!/bin/bash
# pg.sh: existing end-to-end scripts again, with the store in PostgreSQL
# (#19). One throwaway cluster (tests/e2e/pg_lib.sh) serves the whole stage;
# each script runs with PINCA_TEST_DB=pg, so tests/e2e/lib.sh gives each
# `pinca init` of the script a fresh database of its own, and the CA
# directory keeps its store there. The scripts are those whose behaviour the store carries (issuing,
# renewing, revoking, CRLs, the pin guard, batches, concurrent writers, an
# ACME client); each line of theirs is printed prefixed by its name, and the
# stage ends with the summed "N passed, N failed".
# PINCA_PG_SCRIPTS="a b" runs another list; PINCA (the binary) as for e2e.
set -u
cd "$(dirname "$0")/../.." || exit 1
SCRIPTS=${PINCA_PG_SCRIPTS:-"issue_and_renew batch revoke_and_crl pin_guard renew_concurrent acme_lego"}

if ! PG_DIR=$(bash tests/e2e/pg_lib.sh start $$); then
  echo "FAIL PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1
fi
trap 'bash tests/e2e/pg_lib.sh stop "$PG_DIR"' EXIT
pass=0 fail=0
for s in $SCRIPTS; do
  out=$(PINCA_TEST_DB=pg PINCA_TEST_PG_DIR=$PG_DIR timeout 150 bash "tests/e2e/$s.sh" 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -Ev '^[0-9]+ passed, [0-9]+ failed$' | sed "s/^/pg $s: /"
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -z "$line" ]; then
    echo "FAIL pg $s: no result line (exit $rc)"; fail=$((fail+1)); continue
  fi
  p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  pass=$((pass+p)); fail=$((fail+f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "FAIL pg $s exited $rc"; fail=$((fail+1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
