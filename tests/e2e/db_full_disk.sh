#!/bin/bash
# A full disk: the CA directory on a 1 MiB tmpfs, filled up. Issuance fails
# with one clear line (exit 1), leaves no key or certificate file behind, and
# the database still passes db check once space is freed; issuance then works.
# Needs root for mount; without it the test says "skip" (nothing else can
# make a disk full without filling the real one).
. "$(dirname "$0")/lib.sh"

M=$T/mnt
mkdir -p "$M"
if ! mount -t tmpfs -o size=1m,mode=0700 tmpfs "$M" 2>"$T/mount.err"; then
  ok "skip: full disk (cannot mount a tmpfs: $(head -n 1 "$T/mount.err"))"
  finish; exit
fi
trap 'umount "$M" 2>/dev/null; rm -rf "$T"' EXIT
export PINCA_DIR=$M/ca
"$PINCA" init >/dev/null && "$PINCA" ca root --cn "Full Root" --no-passphrase >/dev/null &&
  "$PINCA" ca intermediate --cn "Full Issuing CA" --no-passphrase >/dev/null || { bad "setup on tmpfs"; finish; exit 1; }
check "a first leaf fits" "$PINCA" issue --name first --dns first.example.com --key-out "$T/first.key"
before=$(sqlite3 "$PINCA_DIR/pinca.db" 'SELECT count(*) FROM certificates; SELECT count(*) FROM audit')

# fill_leaving KB: fills the tmpfs so that about KB kilobytes stay free.
fill_leaving() {
  dd if=/dev/zero of="$M/reserve" bs=1k count="$1" status=none 2>/dev/null
  dd if=/dev/zero of="$M/fill" bs=4k status=none 2>/dev/null
  rm -f "$M/reserve"
}

# Nothing free: SQLite cannot even grow its WAL index when opening.
fill_leaving 0
refuse "issuance on a full disk fails with one line" 1 "no space left on the device" \
  "$PINCA" issue --name full0 --dns full0.example.com --key-out "$T/full0.key" --cert-out "$T/full0.pem"
check "no key or certificate file is left behind" test ! -e "$T/full0.key" -a ! -e "$T/full0.pem"
rm -f "$M/fill"

# A little free: the database opens, the commit of the certificate fails.
fill_leaving 36
refuse "issuance fails at the commit with one line" 1 "no space left on the device" \
  "$PINCA" issue --name full36 --dns full36.example.com --key-out "$T/full36.key" --cert-out "$T/full36.pem"
check "no key or certificate file is left behind (commit)" test ! -e "$T/full36.key" -a ! -e "$T/full36.pem"
rm -f "$M/fill"

check "the database passes db check after the failures" "$PINCA" db check
check "nothing was recorded by the failed issuances" test "$(sqlite3 "$PINCA_DIR/pinca.db" 'SELECT count(*) FROM certificates; SELECT count(*) FROM audit')" = "$before"
check "the audit chain is intact" "$PINCA" db audit
check "issuance works again once there is space" "$PINCA" issue --name again --dns again.example.com --key-out "$T/again.key" --cert-out "$T/again.pem"
check "and its certificate has its row" "$PINCA" db show "$(openssl x509 -in "$T/again.pem" -noout -serial | cut -d= -f2)"
finish
