#!/bin/bash
# The whole flow in a temporary directory: root ceremony, intermediate,
# pins, a server certificate and its renewal (same key), the Android pin
# configuration, verification, revocation and a CRL, and the database checks,
# printing what each step made and checking it with openssl. Nothing outside
# /tmp is touched.
set -eu
PINCA=$(cd "$(dirname "$0")/.." && pwd)/pinca
W=$(mktemp -d /tmp/pinca-demo.XXXXXX)
export PINCA_DIR=$W/ca
umask 077
head -c 24 /dev/urandom | base64 >"$W/passphrase"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
echo "pinca demo in $W (passphrase in $W/passphrase)"
step "$PINCA" init
step "$PINCA" ca root --cn "Demo Root R1" --standby-cn "Demo Root R2" --pass-file "$W/passphrase"
step "$PINCA" ca intermediate --cn "Demo Issuing CA" --pass-file "$W/passphrase"
step "$PINCA" ca list
step "$PINCA" pins --format json
"$PINCA" ca show root --pem >"$W/root.pem"
"$PINCA" ca show intermediate --pem >"$W/intermediate.pem"
step openssl verify -x509_strict -CAfile "$W/root.pem" "$W/intermediate.pem"
step "$PINCA" issue --name api --dns api.example.com --key-out "$W/api.key" \
  --cert-out "$W/api.pem" --chain-out "$W/chain.pem" --fullchain-out "$W/fullchain.pem" \
  --pass-file "$W/passphrase"
step openssl verify -x509_strict -purpose sslserver -CAfile "$W/root.pem" \
  -untrusted "$W/chain.pem" "$W/api.pem"
pin_of() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64; }
before=$(pin_of "$W/api.pem")
step "$PINCA" renew api --pass-file "$W/passphrase" --exec 'echo "deploy hook: renewed $PINCA_RENEWED"'
if [ "$(pin_of "$W/api.pem")" = "$before" ]; then
  echo "renewal kept the server key: pin sha256/$before (checked with openssl)"
else
  echo "renewal changed the server key" >&2; exit 1
fi
step "$PINCA" app add release-1.0
mkdir -p "$W/res-raw"
step "$PINCA" pins --format android --domain api.example.com --raw-dir "$W/res-raw" \
  --out "$W/network_security_config.xml"
echo "wrote $W/network_security_config.xml and the root certificates in $W/res-raw/"
step "$PINCA" verify --chain "$W/fullchain.pem" --host api.example.com
step "$PINCA" issue --name old --dns old.example.com --key-out "$W/old.key" \
  --cert-out "$W/old.pem" --pass-file "$W/passphrase"
step "$PINCA" revoke "$(openssl x509 -in "$W/old.pem" -noout -serial | cut -d= -f2)" --reason superseded
step "$PINCA" crl --out "$W/intermediate.crl" --pass-file "$W/passphrase"
step openssl crl -in "$W/intermediate.crl" -noout -CAfile "$W/intermediate.pem"
step "$PINCA" db list
step "$PINCA" db check
step "$PINCA" db audit
echo
echo "Everything the demo made is in $W"
