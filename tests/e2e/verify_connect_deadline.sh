#!/bin/bash
# verify --connect --timeout is a deadline for the whole check: a server
# that trickles a byte every half second (slow loris) cannot hold it longer.
# And verify names a revocation's reason (keyCompromise, not "reason 1").
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$T"' EXIT

# Accepts, then sends the start of a TLS record and one more byte every
# 0.5 s, for at most 30 s.
"$PY" -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5); print(s.getsockname()[1], flush=True)
s.settimeout(30); c, _ = s.accept(); end = time.time() + 30
c.sendall(b"\x16\x03\x03\x40\x00")
while time.time() < end:
    try: c.sendall(b"\x02")
    except OSError: break
    time.sleep(0.5)' >"$T/port" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
start=$(date +%s%N)
refuse "a slow-loris server is cut off at --timeout" 1 "did not complete the TLS handshake within 2 seconds" \
  "$PINCA" verify --connect "127.0.0.1:$(cat "$T/port")" --timeout 2
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "  ... after about 2 s (took ${ms} ms)" test "$ms" -ge 1900 -a "$ms" -le 4000
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

# A revoked leaf: verify gives the reason by name, as the CRL and RFC 5280 do.
"$PINCA" issue --name web --dns web.example.com --key-out "$T/web.key" --fullchain-out "$T/web-full.pem" \
  "${PASS[@]}" >/dev/null && "$PINCA" revoke --name web --reason keyCompromise >/dev/null
"$PINCA" verify --chain "$T/web-full.pem" >"$T/v" 2>/dev/null
check "verify names the revocation reason keyCompromise" grep -Eq "^FAIL revocation: .* was revoked at .*, reason keyCompromise$" "$T/v"
check "db show names the reason too" sh -c "'$PINCA' db show \$(openssl x509 -in '$T/web-full.pem' -noout -serial | cut -d= -f2) | grep -q '^reason code  1 (keyCompromise)$'"
finish
