#!/bin/bash
# Bad input to `revoke` and `crl` gets one "pinca: " line, the documented exit
# status (1 failed, 2 usage), and leaves the CA directory exactly as it was:
# files, revocations, CRL numbers and the audit log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/revoke/leaf.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
A=$(make_leaf alpha) && B=$(make_leaf bravo) || { echo "FAIL making leaves"; exit 1; }
DB=$PINCA_DIR/pinca.db
ROOT_SERIAL=$(openssl x509 -in "$T/root.pem" -noout -serial | cut -d= -f2)

check "revoke needs no passphrase (stdin closed, no --pass-file)" sh -c "'$PINCA' revoke '$A' --reason keyCompromise </dev/null"
check "a first CRL" "$PINCA" crl --out "$T/crl.pem" "${PASS[@]}"

# The whole state a refused command must not touch.
rstate() { state_of; sqlite3 "$DB" "SELECT serial || ':' || reason || ':' || revoked_at FROM revocations ORDER BY serial;
  SELECT issuer_id || ':' || number FROM crls ORDER BY 1"; sha256sum "$T/crl.pem"; }
BEFORE=$(rstate)
# unchanged NAME: the state is what it was before the refusals.
unchanged() { if [ "$(rstate)" = "$BEFORE" ]; then ok "$1: nothing changed"; else bad "$1: state changed"; fi; }

refuse "unknown serial" 1 "no certificate with serial 0badc0de" "$PINCA" revoke 0BADC0DE
unchanged "unknown serial"
refuse "serial that is not hex" 2 "'xyz-12' is not a serial number" "$PINCA" revoke xyz-12
refuse "serial longer than 20 bytes" 2 "not a serial number" "$PINCA" revoke "$(printf '1%.0s' $(seq 1 42))"
refuse "already revoked says when and why" 1 \
  "serial $A was already revoked at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z \(reason keyCompromise\)" \
  "$PINCA" revoke "$A" --reason superseded
unchanged "already revoked"
refuse "unknown reason" 2 "unknown reason 'stolen'" "$PINCA" revoke "$B" --reason stolen
refuse "removeFromCRL is refused" 2 "removeFromCRL only has a meaning in delta CRLs" "$PINCA" revoke "$B" --reason removeFromCRL
refuse "reason code 7 by number is not a name" 2 "unknown reason '7'" "$PINCA" revoke "$B" --reason 7
refuse "neither serial nor --name" 2 "name one certificate" "$PINCA" revoke
refuse "both serial and --name" 2 "name one certificate" "$PINCA" revoke "$B" --name bravo
refuse "two serials" 2 "name one certificate" "$PINCA" revoke "$A" "$B"
refuse "unknown lineage" 1 "no certificate of lineage 'nosuch'" "$PINCA" revoke --name nosuch
refuse "a root cannot be revoked" 1 "is self-signed: no CRL can revoke it" "$PINCA" revoke "$ROOT_SERIAL"
unchanged "revoke refusals"

printf 'not-the-passphrase\n' >"$T/wrong"; chmod 600 "$T/wrong"
refuse "crl with a wrong passphrase" 1 "wrong passphrase" "$PINCA" crl --out "$T/crl.pem" --pass-file "$T/wrong"
refuse "crl to a missing directory" 1 "cannot write $T/nodir/crl.pem" "$PINCA" crl --out "$T/nodir/crl.pem" "${PASS[@]}"
check "the missing directory was not created" test ! -e "$T/nodir"
refuse "crl --days 0" 2 "--days takes a whole number" "$PINCA" crl --days 0 "${PASS[@]}"
refuse "crl --if-due soon" 2 "--if-due takes a whole number" "$PINCA" crl --if-due soon "${PASS[@]}"
refuse "crl --ca of an unknown CA" 1 "no CA 'deadbeef'" "$PINCA" crl --ca deadbeef "${PASS[@]}"
refuse "crl --json without --out" 2 "--json describes a CRL written with --out" "$PINCA" crl --json "${PASS[@]}"
refuse "crl with a stray argument" 2 "unexpected argument 'now'" "$PINCA" crl now "${PASS[@]}"
unchanged "crl refusals"

# A directory with a database but no CA key at all.
check "init an empty directory" "$PINCA" init --dir "$T/empty"
refuse "crl with no signing key" 1 "no CA key in $T/empty" "$PINCA" crl --dir "$T/empty" "${PASS[@]}"
refuse "revoke in a directory without that serial" 1 "no certificate with serial" "$PINCA" revoke --dir "$T/empty" "$B"
check "no CRL recorded in the empty directory" test "$(sqlite3 "$T/empty/pinca.db" 'SELECT count(*) FROM crls')" = 0
refuse "crl with no CA directory at all" 1 "no CA here" "$PINCA" crl --dir "$T/nowhere" "${PASS[@]}"

finish
