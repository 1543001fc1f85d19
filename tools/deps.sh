#!/bin/sh
# Installs the Debian packages pinca builds and tests with, only when missing.
# Runs apt-get as root, or through sudo.
set -e
# clang's runtime libraries (libFuzzer, the sanitizers) are only a
# Recommends of clang, which --no-install-recommends below skips: the fuzz
# build cannot link without libclang-rt-dev (the default clang's version).
# systemd gives systemd-analyze, which checks the example units; procps
# gives pgrep, with which the ACME tests find the server's signer process
# (a minimal Debian lacks it). libpq-dev is the store's PostgreSQL driver;
# postgresql gives the tests a throwaway server (tests/e2e/pg_lib.sh).
need="build-essential pkg-config libssl-dev libsqlite3-dev libjansson-dev openssl sqlite3
python3 python3-cryptography gnutls-bin libnss3-tools curl clang libclang-rt-dev man-db
groff-base faketime valgrind cppcheck clang-tidy binutils systemd ssss procps
libp11-kit-dev softhsm2 opensc
libplist-dev libzip-dev libxml2-dev aapt android-framework-res zip
libmicrohttpd-dev libjose-dev libcurl4-openssl-dev certbot lego pebble
libpq-dev postgresql"
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "pinca: installing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
