#!/bin/bash
# acme_guard: the pin guard at finalize. With an app release that pins only
# a lineage's leaf key, certbot's --new-key renewal is refused (badCSR, the
# detail names the release) and nothing is recorded; a --reuse-key renewal
# still works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.lib"
command -v certbot >/dev/null || { echo "certbot not installed"; finish; exit; }

setup_ca || { bad "setup"; finish; exit 1; }
new_eab fleet || bad "eab add"
PORT=$(free_port); HP=$(free_port)
check "serve starts" start_serve --http-01-port "$HP" --resolve 'pinned.test=127.0.0.1'
CB=(--non-interactive --agree-tos --no-eff-email -m ops@example.com --server "$DIRURL"
    --config-dir "$T/cb/c" --work-dir "$T/cb/w" --logs-dir "$T/cb/l")
export REQUESTS_CA_BUNDLE=$T/root.pem
LIVE=$T/cb/c/live/pinned.test
check "certbot certonly" certbot certonly "${CB[@]}" --standalone --http-01-port "$HP" \
  --http-01-address 127.0.0.1 --eab-kid="$KID" --eab-hmac-key="$HMAC" -d pinned.test
cert_ok "certificate verifies and is recorded" "$LIVE/cert.pem" "$LIVE/chain.pem"
check "release pins only the leaf key" "$PINCA" app add leafpin-2.0 --pin "sha256/$(spki_pin "$LIVE/cert.pem")"
before=$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM certificates; SELECT pin FROM lineages WHERE name='pinned.test'")

if certbot renew "${CB[@]}" --no-random-sleep-on-renew --force-renewal --new-key >"$T/out" 2>&1; then
  bad "--new-key renewal was not refused"
else
  grep -q "badCSR" "$T/cb/l/letsencrypt.log" && grep -q "leafpin-2.0" "$T/out" && ok "--new-key renewal refused: badCSR naming the release" \
    || bad "--new-key refusal does not name the release"
fi
after=$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM certificates; SELECT pin FROM lineages WHERE name='pinned.test'")
[ "$before" = "$after" ] && ok "the refusal recorded nothing and kept the lineage's key" || bad "state changed: $before / $after"

check "--reuse-key renewal still works" certbot renew "${CB[@]}" --no-random-sleep-on-renew --force-renewal --reuse-key
cert_ok "renewed certificate verifies and is recorded" "$LIVE/cert.pem" "$LIVE/chain.pem"
[ "sha256/$(spki_pin "$LIVE/cert.pem")" = "$("$PINCA" app list --json | "$PY" -c 'import json,sys;print([r for r in json.load(sys.stdin) if r["name"]=="leafpin-2.0"][0]["pins"][0])')" ] \
  && ok "the served key is still the pinned one" || bad "served key changed"
check "SIGTERM: exits 0" stop_serve
check "db audit clean" "$PINCA" db audit
finish
