#!/bin/bash
# acme_dns01: dns-01 against the resolver named by --dns-resolver
# (pebble-challtestsrv as the DNS server, lego's exec provider setting the
# TXT records through its management API): a wildcard and its base name in
# one certificate. Also: meta.profiles, and an order for the client profile.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.lib"
for t in lego pebble-challtestsrv curl; do
  command -v $t >/dev/null || { echo "$t not installed"; finish; exit; }
done

setup_ca || { bad "setup"; finish; exit 1; }
new_eab fleet || bad "eab add"
PORT=$(free_port); DNSPORT=$(free_port); MPORT=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$DNSPORT" -management "127.0.0.1:$MPORT" -http01 "" -https01 "" \
  -tlsalpn01 "" >"$T/challtest.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$MPORT/" && break; sleep 0.1; done
check "serve starts with --dns-resolver" start_serve --dns-resolver "127.0.0.1:$DNSPORT"
curl -s --cacert "$T/root.pem" "$DIRURL" >"$T/dir.json"
"$PY" -c 'import json,sys;m=json.load(open(sys.argv[1]))["meta"];sys.exit(0 if set(m["profiles"])=={"server","client"} and m["externalAccountRequired"] else 1)' "$T/dir.json" \
  && ok "directory: meta.profiles server and client, EAB required" || bad "directory meta: $(cat "$T/dir.json")"

cat >"$T/exec.sh" <<SH
#!/bin/sh
case "\$1" in
present) curl -sf -d "{\"host\":\"\$2\",\"value\":\"\$3\"}" http://127.0.0.1:$MPORT/set-txt ;;
cleanup) curl -sf -d "{\"host\":\"\$2\"}" http://127.0.0.1:$MPORT/clear-txt ;;
esac
SH
chmod 755 "$T/exec.sh"
# Both names share one TXT name: lego solves them one after the other, waiting
# EXEC_SEQUENCE_INTERVAL (60 s by default) between.
export LEGO_CA_CERTIFICATES=$T/root.pem EXEC_PATH=$T/exec.sh EXEC_SEQUENCE_INTERVAL=1 EXEC_POLLING_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=10
check "lego --dns exec: a wildcard and its base name" lego --server "$DIRURL" --path "$T/lg" --email ops@example.com \
  --accept-tos --eab --kid "$KID" --hmac "$HMAC" --domains '*.wild.test' --domains wild.test --dns exec \
  --dns.resolvers "127.0.0.1:$DNSPORT" --dns.disable-cp run
C=$T/lg/certificates/_.wild.test
cert_ok "wildcard certificate verifies and is recorded" "$C.crt" "$C.issuer.crt"
san=$(openssl x509 -in "$C.crt" -noout -ext subjectAltName | tail -1 | tr -d ' ')
[ "$san" = "DNS:*.wild.test,DNS:wild.test" ] || [ "$san" = "DNS:wild.test,DNS:*.wild.test" ] && ok "SAN holds both names" || bad "SAN: $san"
"$PINCA" db list --json | grep -q '"name":"wildcard.wild.test"' && ok "lineage named after the first identifier (wildcard.wild.test)" || bad "lineage name"

# No TXT record: the dns-01 challenge is invalid, with a clear error.
cat >"$T/noop.sh" <<'SH'
#!/bin/sh
exit 0
SH
chmod 755 "$T/noop.sh"
if EXEC_PATH=$T/noop.sh lego --server "$DIRURL" --path "$T/lg2" --email ops@example.com --accept-tos --eab --kid "$KID" \
  --hmac "$HMAC" --domains '*.none.test' --dns exec --dns.resolvers "127.0.0.1:$DNSPORT" --dns.disable-cp run >"$T/out" 2>&1
then bad "dns-01 without a TXT record succeeded"
else grep -q "TXT" "$T/out" && ok "dns-01 without the TXT record: invalid, saying so" || bad "dns-01 failure message"; fi

check "SIGTERM: exits 0" stop_serve
check "db audit clean" "$PINCA" db audit
finish
