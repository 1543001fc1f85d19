#!/bin/bash
# The whole flow in a temporary directory: root ceremony, intermediate,
# and pins, printing what each step made. Nothing outside /tmp is touched.
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
echo
echo "Everything the demo made is in $W"
