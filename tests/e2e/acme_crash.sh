#!/bin/bash
# acme_crash: the process that parses network input holds no CA key (its
# memory maps, open files and memory have none; the signer process has it),
# and durability: `pinca serve` killed with -9 during a burst of orders
# leaves no helper process, restarts on the same port at once, and every
# certificate a client received is in the database, with db check and db
# audit clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.lib"

setup_ca || { bad "setup"; finish; exit 1; }
new_eab fleet || bad "eab add"
PORT=$(free_port); HP=$(free_port)
check "serve starts" start_serve --http-01-port "$HP" --resolve '*.test=127.0.0.1'
SIGNER=$(pgrep -P "$SERVE_PID" | head -1)
[ -n "$SIGNER" ] && ok "a signer process runs beside the server" || bad "no signer process"
KEYFILE=$(ls "$PINCA_DIR"/keys/intermediate-*.key | head -1)
if grep -q "$PINCA_DIR/keys" "/proc/$SERVE_PID/maps" || ls -l "/proc/$SERVE_PID/fd" | grep -q "$PINCA_DIR/keys"
then bad "the server maps or holds a key file"; else ok "the server's maps and open files hold no key file"; fi
# The intermediate's private scalar: in the signer's memory, not the server's.
scan_mem() { "$PY" - "$1" "$KEYFILE" "$T/pass" <<'PYEOF'
import re, sys
from cryptography.hazmat.primitives import serialization
pid, keyfile, passfile = sys.argv[1:4]
key = serialization.load_pem_private_key(open(keyfile, "rb").read(), open(passfile, "rb").read().strip())
n = key.private_numbers()
secret = (n.private_value.to_bytes((key.key_size + 7) // 8, "big") if hasattr(n, "private_value")
          else n.d.to_bytes((n.d.bit_length() + 7) // 8, "big"))
found = 0
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar]" in line or "[vsyscall]" in line:
            continue
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        if hi - lo > 1 << 30:  # sanitizer shadow reservations, never the heap
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            continue
        if secret in data or secret[::-1] in data:
            found = 1
print(found)
PYEOF
}
[ "$(scan_mem "$SIGNER")" = 1 ] && ok "the key is in the signer's memory (the scan can find it)" || bad "scan did not find the key in the signer"
[ "$(scan_mem "$SERVE_PID")" = 0 ] && ok "the key is not in the server's memory" || bad "the key is in the server's memory"

mkdir "$T/got"
DIRURL=$DIRURL ROOT=$T/root.pem HP=$HP KID=$KID HMAC=$HMAC OUT=$T/got "$PY" "$(dirname "$0")/acme_burst.py" >"$T/burst.out" 2>&1 &
BURST=$!; PIDS+=("$BURST")
for _ in $(seq 300); do [ "$(ls "$T/got" | grep -c '\.pem$')" -ge 6 ] && break; sleep 0.1; done
kill -9 "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
for _ in $(seq 50); do kill -0 "$SIGNER" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SIGNER" 2>/dev/null && bad "the signer outlived the server" || ok "kill -9 of the server ends the signer too"
for _ in $(seq 300); do kill -0 "$BURST" 2>/dev/null || break; sleep 0.1; done
got=$(ls "$T/got" | grep -c '\.pem$')
[ "$got" -ge 6 ] && ok "the burst received $got certificates before the kill" || bad "burst received only $got: $(tail -3 "$T/burst.out")"
check "restart on the same port at once" start_serve --http-01-port "$HP" --resolve '*.test=127.0.0.1'
missing=0
for f in "$T"/got/*.pem; do
  s=$(openssl x509 -in "$f" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
  "$PINCA" db list --json | grep -q "\"serial\":\"$s\"" || missing=$((missing+1))
  openssl verify -x509_strict -CAfile "$T/root.pem" -untrusted <(sed -n '/END/,$p' "$f" | sed 1d) "$f" >/dev/null 2>&1 || missing=$((missing+1))
done
[ "$missing" = 0 ] && ok "every certificate received verifies and is in db list --json" || bad "$missing certificates missing or not verifying"
check "db check clean after kill -9" "$PINCA" db check
check "db audit clean after kill -9" "$PINCA" db audit
check "SIGTERM: exits 0" stop_serve
finish
