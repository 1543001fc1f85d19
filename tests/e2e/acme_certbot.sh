#!/bin/bash
# acme_certbot: certbot against `pinca serve`: certonly --standalone http-01
# with an external account binding, renew --force-renewal --reuse-key (same
# key, new serial), then --new-key. Each certificate verifies to the root
# with openssl -x509_strict and is in `pinca db list --json`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.lib"
command -v certbot >/dev/null || { echo "certbot not installed"; finish; exit; }

setup_ca || { bad "setup"; finish; exit 1; }
new_eab fleet --permit-dns test || bad "eab add"
PORT=$(free_port); HP=$(free_port)
check "serve starts and says where it listens" start_serve --http-01-port "$HP" --resolve '*.test=127.0.0.1'

CB=(--non-interactive --agree-tos --no-eff-email -m ops@example.com --server "$DIRURL"
    --config-dir "$T/cb/c" --work-dir "$T/cb/w" --logs-dir "$T/cb/l")
export REQUESTS_CA_BUNDLE=$T/root.pem
LIVE=$T/cb/c/live/web.test
check "certbot certonly --standalone with EAB" certbot certonly "${CB[@]}" --standalone \
  --http-01-port "$HP" --http-01-address 127.0.0.1 --eab-kid="$KID" --eab-hmac-key="$HMAC" -d web.test
cert_ok "first certificate verifies and is recorded" "$LIVE/cert.pem" "$LIVE/chain.pem"
s1=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial); k1=$(openssl x509 -in "$LIVE/cert.pem" -noout -pubkey)
if [ "$(grep -c BEGIN "$LIVE/chain.pem")" = 1 ] && openssl x509 -in "$LIVE/chain.pem" -noout -subject | grep -q "Test Issuing CA"
then ok "chain is the intermediate without the root"; else bad "chain"; fi

check "certbot renew --force-renewal --reuse-key" certbot renew "${CB[@]}" --no-random-sleep-on-renew --force-renewal --reuse-key
cert_ok "renewed certificate verifies and is recorded" "$LIVE/cert.pem" "$LIVE/chain.pem"
s2=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial); k2=$(openssl x509 -in "$LIVE/cert.pem" -noout -pubkey)
[ "$s1" != "$s2" ] && [ "$k1" = "$k2" ] && ok "reuse-key: new serial, same key" || bad "reuse-key: serial $s1/$s2"

check "certbot renew --force-renewal --new-key" certbot renew "${CB[@]}" --no-random-sleep-on-renew --force-renewal --new-key
cert_ok "new-key certificate verifies and is recorded" "$LIVE/cert.pem" "$LIVE/chain.pem"
k3=$(openssl x509 -in "$LIVE/cert.pem" -noout -pubkey)
[ "$k3" != "$k2" ] && ok "new-key: the key changed" || bad "new-key: same key"

# The three certificates are one lineage, named after the identifier.
n=$("$PINCA" db list --json | "$PY" -c 'import json,sys;print(sum(1 for c in json.load(sys.stdin) if c.get("name")=="web.test"))')
[ "$n" = 3 ] && ok "one lineage 'web.test' with three certificates" || bad "lineage web.test has $n certificates"
"$PINCA" acme accounts --json >"$T/acc.json" && "$PY" -c 'import json,sys;a=json.load(open(sys.argv[1]));sys.exit(0 if len(a)==1 and a[0]["status"]=="valid" and a[0]["orders"]==3 else 1)' "$T/acc.json" \
  && ok "acme accounts lists the account with its 3 orders" || bad "acme accounts: $(cat "$T/acc.json")"
grep -q 'method=POST path=/acme/new-order status=201 account=1 order=' "$T/serve.err" && ok "access log line per request" || bad "access log"
grep -q "$HMAC" "$T/serve.err" && bad "the HMAC key is in the log" || ok "no secret in the log"
check "SIGTERM: exits 0" stop_serve
check "db check clean" "$PINCA" db check
check "db audit clean" "$PINCA" db audit
finish
