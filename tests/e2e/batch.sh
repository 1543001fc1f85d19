#!/bin/bash
# issue --batch: JSON lines in, one result line out per request, in order;
# bad lines fail alone with their line number, good ones are issued.
. "$(dirname "$0")/lib.sh"
setup_ca || { echo "FAIL setup"; finish; exit 1; }
O=$T/o; mkdir -p "$O"
for i in 1 2 3; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$O/c$i.key" -subj "/CN=c$i" -out "$O/c$i.csr" 2>/dev/null
done
cat >"$T/batch.jsonl" <<JSONL
{"name": "web1", "dns": ["web1.example.com"], "ip": ["10.0.0.5"], "csr": "$O/c1.csr", "cert_out": "$O/web1.pem", "fullchain_out": "$O/web1-full.pem"}
{"name": "web2", "dns": ["web2.example.com"], "key_out": "$O/web2.key", "cert_out": "$O/web2.pem", "days": 90}

not json at all
{"name": "bad1", "dns": ["bad..example.com"], "key_out": "$O/bad1.key"}
{"name": "web1", "dns": ["dup.example.com"], "csr": "$O/c2.csr"}
{"name": "cli", "dns": ["cli.example.com"], "csr": "$O/c3.csr", "profile": "client", "cert_out": "$O/cli.pem"}
{"name": "typo", "dnss": ["x.example.com"], "csr": "$O/c3.csr"}
JSONL
"$PINCA" issue --batch "$T/batch.jsonl" "${PASS[@]}" >"$T/res.jsonl" 2>"$T/err"; rc=$?
check "a batch with failures exits 1" test "$rc" = 1
check "one result line per request, in order, with line numbers" "$PY" - "$T/res.jsonl" <<'PYEOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x['line'] for x in r] == [1, 2, 4, 5, 6, 7, 8], r
ok = {x['name']: x for x in r if 'serial' in x}
assert set(ok) == {'web1', 'web2', 'cli'}, r
err = {x['line']: x['error'] for x in r if 'error' in x}
assert 'JSON' in err[4] and 'dns-empty-label' in err[5] and 'exists' in err[6] and 'dnss' in err[8], err
PYEOF
check "batch certificates verify (x509_strict)" sh -c "for c in web1 web2; do openssl verify -x509_strict -purpose sslserver -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$O/'\$c.pem || exit 1; done"
check "batch client profile" sh -c "openssl x509 -in '$O/cli.pem' -noout -ext extendedKeyUsage | grep -q 'Client'"
check "batch days honoured" sh -c "[ \$(( (\$(date -d \"\$(openssl x509 -in '$O/web2.pem' -noout -enddate | cut -d= -f2)\" +%s) - \$(date -d \"\$(openssl x509 -in '$O/web2.pem' -noout -startdate | cut -d= -f2)\" +%s)) / 86400 )) = 90 ]"
check "three rows recorded" test "$(sqlite3 "$PINCA_DIR/pinca.db" 'SELECT count(*) FROM certificates')" = 3
check "no key left for the failed request" test ! -e "$O/bad1.key"
printf '{"name": "in1", "dns": ["in1.example.com"], "key_out": "%s"}\n' "$O/in1.key" >"$T/one.jsonl"
check "batch from stdin" sh -c "'$PINCA' issue --batch - ${PASS[*]} <'$T/one.jsonl' | grep -q '\"serial\"'"
refuse "batch with flags is a usage error" 2 "batch" "$PINCA" issue --batch "$T/one.jsonl" --name x "${PASS[@]}"
refuse "a directory as the batch file fails (it used to exit 0)" 1 "cannot read .*Is a directory" "$PINCA" issue --batch "$O" "${PASS[@]}"

# Output files: a new path is linked into place, an existing file (or a
# symlink) is replaced whole; mode 0644 whatever the umask; no temporaries.
mkdir -p "$O/files"
echo "old contents" >"$O/files/taken.pem"
ln -s /etc/hostname "$O/files/link.pem"
cat >"$T/files.jsonl" <<JSONL
{"name": "f1", "dns": ["f1.example.com"], "key_out": "$O/files/f1.key", "cert_out": "$O/files/taken.pem", "chain_out": "$O/files/f1-chain.pem"}
{"name": "f2", "dns": ["f2.example.com"], "key_out": "$O/files/f2.key", "cert_out": "$O/files/link.pem", "fullchain_out": "$O/files/f2-full.pem"}
{"name": "f3", "dns": ["f3.example.com"], "key_out": "$O/files/f3.key", "cert_out": "$O/files/new.pem"}
JSONL
check "a batch writing new, existing and symlinked paths succeeds" sh -c "umask 077; '$PINCA' issue --batch '$T/files.jsonl' ${PASS[*]} >/dev/null"
check "every written certificate verifies" sh -c "for c in taken link new; do openssl verify -x509_strict -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$O/files/'\$c.pem || exit 1; done"
check "the existing file was replaced, the symlink's target untouched" sh -c "! grep -q 'old contents' '$O/files/taken.pem' && [ ! -L '$O/files/link.pem' ] && ! grep -q CERTIFICATE /etc/hostname"
check "certificate files are 0644 under umask 077" sh -c "[ \$(stat -c %a '$O/files/new.pem') = 644 ] && [ \$(stat -c %a '$O/files/f1-chain.pem') = 644 ]"
check "the chain file is the intermediate's certificate" sh -c "[ \"\$(openssl x509 -in '$O/files/f1-chain.pem' -outform der | sha256sum)\" = \"\$(openssl x509 -in '$T/int.pem' -outform der | sha256sum)\" ]"
check "no temporary file is left" sh -c "! ls -a '$O/files' | grep -q '\\.tmp\\.'"
# Output directories are checked before signing, each once per group: a
# missing one, a file in the way and a good one, alternating, fail alone.
mkdir -p "$O/gooddir"; echo x >"$O/plainfile"
{ printf '{"name": "d1", "dns": ["d1.example.com"], "key_out": "%s", "cert_out": "%s"}\n' "$O/gooddir/d1.key" "$O/gooddir/d1.pem"
  printf '{"name": "d2", "dns": ["d2.example.com"], "key_out": "%s", "cert_out": "%s"}\n' "$O/gooddir/d2.key" "$O/nosuchdir/d2.pem"
  printf '{"name": "d3", "dns": ["d3.example.com"], "key_out": "%s", "cert_out": "%s"}\n' "$O/gooddir/d3.key" "$O/gooddir/d3.pem"
  printf '{"name": "d4", "dns": ["d4.example.com"], "key_out": "%s", "cert_out": "%s"}\n' "$O/gooddir/d4.key" "$O/plainfile/d4.pem"
  printf '{"name": "d5", "dns": ["d5.example.com"], "key_out": "%s", "cert_out": "%s"}\n' "$O/gooddir/d5.key" "$O/gooddir/d5.pem"; } >"$T/dirs.jsonl"
"$PINCA" issue --batch "$T/dirs.jsonl" "${PASS[@]}" >"$T/dirs.out" 2>/dev/null
check "missing and non-directory output directories fail their lines only" sh -c "grep -q '\"line\":2.*\"error\":\"cannot write .*nosuchdir' '$T/dirs.out' && grep -q '\"line\":4.*\"error\":\"cannot write .*not a directory' '$T/dirs.out' && [ \$(grep -c '\"serial\"' '$T/dirs.out') = 3 ]"
check "nothing recorded or left for them" sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT count(*) FROM lineages WHERE name IN ('d2','d4')\") = 0 ] && [ ! -e '$O/gooddir/d2.key' ] && [ ! -e '$O/gooddir/d4.key' ] && [ -s '$O/gooddir/d5.pem' ]"
# Requests that trickle in through a pipe: each group ends when the next
# request is not there yet, so a producer that writes one request and
# waits for its result gets it (a request/response loop), and one that
# closes the pipe gets the rest.
mkfifo "$T/feed"
"$PINCA" issue --batch - "${PASS[@]}" <"$T/feed" >"$T/feed.out" 2>"$T/feed.err" &
feeder=$!
exec 7>"$T/feed"
for i in 1 2; do
  printf '{"name": "t%d", "dns": ["t%d.example.com"], "key_out": "%s/t%d.key"}\n' "$i" "$i" "$O" "$i" >&7
  for _ in $(seq 1 150); do [ "$(grep -c serial "$T/feed.out")" -ge "$i" ] && break; sleep 0.1; done
  check "request $i through a pipe gets its result before the next is written" test "$(grep -c '"serial"' "$T/feed.out")" = "$i"
done
printf '{"name": "t3", "dns": ["t3.example.com"], "key_out": "%s"}' "$O/t3.key" >&7
exec 7>&-
wait "$feeder"; rc=$?
check "a last request without a line break, at the end of the input" sh -c "[ $rc = 0 ] && [ \$(grep -c '\"serial\"' '$T/feed.out') = 3 ]"

# Input framing: CRLF line breaks, blank lines, a line over the 64 KiB
# limit between good ones; line numbers count every line.
"$PY" - "$T/frame.jsonl" "$O" <<'PYEOF'
import json, sys
path, o = sys.argv[1], sys.argv[2]
good = lambda n: json.dumps({"name": n, "dns": [n + ".example.com"], "key_out": "%s/%s.key" % (o, n)})
with open(path, "w", newline="") as f:
    f.write(good("fr1") + "\r\n")
    f.write("\r\n   \n")
    f.write(json.dumps({"name": "fr-long", "dns": ["x" * 70000]}) + "\n")
    f.write(good("fr2") + "\n")
PYEOF
"$PINCA" issue --batch "$T/frame.jsonl" "${PASS[@]}" >"$T/frame.out" 2>/dev/null; rc=$?
check "framing: CRLF and blank lines pass, the over-long line fails alone" "$PY" - "$T/frame.out" "$rc" <<'PYEOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "1", sys.argv[2]
assert [(x["line"], "serial" in x) for x in r] == [(1, True), (4, False), (5, True)], r
assert "longer than" in r[1]["error"], r
PYEOF

# A low open-file limit the batch cannot raise: each group keeps its output
# files open until they are linked, so groups end early instead of failing
# requests with "cannot write" (40 requests x 3 files under a limit of 90).
if command -v prlimit >/dev/null; then
  mkdir -p "$O/fd"
  for i in $(seq 1 40); do
    printf '{"name": "fd%d", "dns": ["fd%d.example.com"], "key_out": "%s/fd%d.key", "cert_out": "%s/fd%d.pem", "chain_out": "%s/fd%d-chain.pem", "fullchain_out": "%s/fd%d-full.pem"}\n' \
      "$i" "$i" "$O/fd" "$i" "$O/fd" "$i" "$O/fd" "$i" "$O/fd" "$i"
  done >"$T/fd.jsonl"
  prlimit --nofile=90:90 "$PINCA" issue --batch "$T/fd.jsonl" "${PASS[@]}" >"$T/fd.out" 2>"$T/fd.err"; rc=$?
  check "under a hard limit of 90 open files a 120-file batch succeeds" test "$rc" = 0
  check "every request of it has a serial and all its files" sh -c "[ \$(grep -c '\"serial\"' '$T/fd.out') = 40 ] && [ \$(ls '$O/fd' | wc -l) = 160 ]"
  check "its certificates verify" sh -c "for i in 1 20 40; do openssl verify -x509_strict -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$O/fd/fd'\$i.pem || exit 1; done"
fi
finish
