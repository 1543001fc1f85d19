#!/bin/bash
# renew_hook_many_lineages: the deploy hook's PINCA_RENEWED names every
# renewed lineage however many there are (review: no fixed limit may drop
# data; it was cut at 64 KiB before). 1,030 lineages with 64-character
# names make 66,950 bytes of names.
. "$(dirname "$0")/lib.sh"
setup_ca || { bad "setup"; finish; exit 1; }
mkdir -p "$T/k"
"$PY" -c '
import json, sys
for i in range(1030):
    name = ("lineage-%04d-" % i).ljust(64, "x")
    print(json.dumps({"name": name, "dns": ["h%d.example.com" % i],
                      "key_out": "%s/k/%d.key" % (sys.argv[1], i)}))' "$T" >"$T/batch"
check "1,030 lineages issued in one batch" sh -c "'$PINCA' issue --batch '$T/batch' ${PASS[*]} >/dev/null"
check "renew --all --exec runs the hook once" "$PINCA" renew --all "${PASS[@]}" \
  --exec "printf '%s\n' \"\$PINCA_RENEWED\" >'$T/names'; echo \"\$PINCA_RENEWED_COUNT\" >'$T/count'; printenv PINCA_RENEWED_1030_NAME >'$T/last'"
check "PINCA_RENEWED holds all 1,030 names" test "$(wc -w <"$T/names")" = 1030
check "every name whole (66,950 bytes with the spaces and newline)" test "$(wc -c <"$T/names")" = 66950
check "PINCA_RENEWED_COUNT is 1030" test "$(cat "$T/count")" = 1030
check "PINCA_RENEWED_1030_NAME is the last lineage" grep -qx 'lineage-1029-x*' "$T/last"
finish
