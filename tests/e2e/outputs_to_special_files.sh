# outputs_to_special_files: an output path that is a FIFO or a device (a
# pipe behind /dev/stdout, /dev/null) is written in place. Renaming a
# temporary file over it, as for a regular file, would replace the device
# or FIFO itself (as root, even /dev/null). The FIFOs here stand for the
# devices: the same check (file_is_special) decides for both, and a broken
# build must not be able to damage this machine's /dev/null. A reader that
# never gets its data gives up after 20 seconds.
. "$(dirname "$0")/lib.sh"

setup_ca >/dev/null || { bad "setup"; finish; }

# issue --cert-out FIFO: a reader gets the certificate, the FIFO stays one.
mkfifo "$T/cert.fifo"
timeout 20 cat "$T/cert.fifo" >"$T/from-fifo.pem" &
reader=$!
check "issue --cert-out into a FIFO" "$PINCA" issue --name fifo1 --dns fifo1.example.com \
  --key-out "$T/fifo1.key" --cert-out "$T/cert.fifo" "${PASS[@]}"
wait "$reader"
check "the FIFO is still a FIFO" test -p "$T/cert.fifo"
check "what came through the FIFO verifies" openssl verify -x509_strict -CAfile "$T/root.pem" \
  -untrusted "$T/int.pem" "$T/from-fifo.pem"
check "no temporary file beside the FIFO" sh -c "! ls -a '$T' | grep -q 'cert.fifo.tmp'"

# issue --batch with cert_out a FIFO.
mkfifo "$T/batch.fifo"
timeout 20 cat "$T/batch.fifo" >"$T/from-batch.pem" &
reader=$!
printf '{"name": "fifo2", "dns": ["fifo2.example.com"], "key_out": "%s", "cert_out": "%s"}\n' \
  "$T/fifo2.key" "$T/batch.fifo" >"$T/b.jsonl"
check "batch cert_out into a FIFO" "$PINCA" issue --batch "$T/b.jsonl" "${PASS[@]}"
wait "$reader"
check "the batch FIFO is still a FIFO" test -p "$T/batch.fifo"
check "the batch certificate came through" sh -c "openssl x509 -in '$T/from-batch.pem' -noout -subject | grep -q fifo2.example.com"

# crl --out /dev/stdout into a pipe: the CRL arrives on the pipe.
check "crl --out /dev/stdout into a pipe" sh -c "'$PINCA' crl --out /dev/stdout ${PASS[*]} | openssl crl -noout -CAfile '$T/int.pem' 2>&1 | grep -q 'verify OK'"

# crl --out /dev/stdout with standard output a regular file: the file gets
# the CRL and /dev/stdout stays the symlink it was (a rename once replaced
# it with a regular file; repaired here if that ever happens again).
if [ -L /dev/stdout ]; then
  "$PINCA" crl --out /dev/stdout "${PASS[@]}" >"$T/crl-stdout.pem" 2>"$T/out"
  if [ -L /dev/stdout ]; then ok "/dev/stdout is still a symlink"; else
    rm -f /dev/stdout && ln -s /proc/self/fd/1 /dev/stdout
    bad "/dev/stdout was replaced (repaired)"
  fi
  check "the CRL reached the file behind standard output" sh -c "openssl crl -in '$T/crl-stdout.pem' -noout -CAfile '$T/int.pem' 2>&1 | grep -q 'verify OK'"
  # The same through a relative path that only resolves into /dev.
  up=$(printf '%s' "$T" | sed 's|[^/][^/]*|..|g')
  "$PINCA" issue --name rel1 --dns rel1.example.com --key-out "$T/rel1.key" \
    --cert-out "$T/$up/dev/stdout" "${PASS[@]}" >"$T/rel.out" 2>"$T/out"
  if [ -L /dev/stdout ]; then ok "/dev/stdout by a relative path is still a symlink"; else
    rm -f /dev/stdout && ln -s /proc/self/fd/1 /dev/stdout
    bad "/dev/stdout by a relative path was replaced (repaired)"
  fi
  check "the certificate reached standard output by the relative path" openssl verify \
    -x509_strict -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$T/rel.out"
fi
finish
