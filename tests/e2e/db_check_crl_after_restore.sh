#!/bin/bash
# db_check_crl_after_restore: a store restored from a backup taken before a
# revocation has lost it, and its next CRL would silently un-revoke the
# certificate (step-ca #606). `db check --crl LAST-PUBLISHED` names every
# serial the published CRL lists that the store does not hold as revoked;
# the original store passes; revoking again in the restored one clears it.
. "$(dirname "$0")/lib.sh"
setup_ca || { echo "FAIL setup"; finish; exit 1; }
O=$T/o; mkdir -p "$O"
for n in a b; do
  "$PINCA" issue --name $n --dns $n.example.com --key-out "$O/$n.key" --cert-out "$O/$n.pem" "${PASS[@]}" >/dev/null
done
SA=$(openssl x509 -in "$O/a.pem" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^\(00\)*//')
check "db backup before the revocation" "$PINCA" db backup "$T/old.db"
check "revoke a" "$PINCA" revoke "$SA" --reason keyCompromise
check "publish the CRL" "$PINCA" crl --out "$T/published.pem" "${PASS[@]}"
check "the published CRL lists a (openssl)" sh -c "openssl crl -in '$T/published.pem' -noout -text | tr A-F a-f | grep -qi 'serial number: 0*$SA'"
check "the original store agrees with its CRL" sh -c "'$PINCA' db check --crl '$T/published.pem' | grep -q 'checked the 1 entries of'"
openssl crl -in "$T/published.pem" -outform der -out "$T/published.der"
check "the same with the CRL in DER" "$PINCA" db check --crl "$T/published.der"

mkdir -m 700 "$T/restored" && cp -a "$PINCA_DIR/keys" "$T/restored/" && cp "$T/old.db" "$T/restored/pinca.db"
check "the restored store passes a plain db check (it cannot know)" "$PINCA" db check --dir "$T/restored"
refuse "db check --crl finds the revocation the restore lost" 1 "1 problem" "$PINCA" db check --dir "$T/restored" --crl "$T/published.pem"
check "and names the serial on standard output" grep -q "crl: .*published.pem lists $SA as revoked, but the store holds it valid" "$T/stdout"
check "--json lists it among the problems" sh -c "'$PINCA' db check --dir '$T/restored' --crl '$T/published.pem' --json | python3 -c '
import sys, json
d = json.load(sys.stdin)
assert not d[\"ok\"] and any(\"$SA\" in p for p in d[\"problems\"]), d'"
check "revoking it again in the restored store" "$PINCA" revoke --dir "$T/restored" "$SA" --reason keyCompromise
check "then db check --crl passes" "$PINCA" db check --dir "$T/restored" --crl "$T/published.pem"
printf 'not a crl\n' >"$T/junk.pem"
refuse "a file that is not a CRL" 1 "is not a CRL" "$PINCA" db check --crl "$T/junk.pem"
refuse "a CRL file that does not exist" 1 "nope.pem" "$PINCA" db check --crl "$T/nope.pem"
finish
