#!/bin/bash
# crl_number_after_restore: a CA directory restored from an older database
# backup still numbers its next CRL above every CRL the original published
# after that backup (review finding, issue 16 item 10: both once published
# CRL 1). CRL numbers are checked with openssl alone.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
# crl_number FILE: the cRLNumber as a decimal integer, from openssl's text.
crl_number() { python3 -c 'import sys; print(int(sys.argv[1], 16))' \
  "$(openssl crl -in "$1" -noout -crlnumber | cut -d= -f2)"; }

check "first CRL" "$PINCA" crl --out "$T/a1.pem" "${PASS[@]}"
check "db backup after it" "$PINCA" db backup "$T/backup.db"
check "original: second CRL" "$PINCA" crl --out "$T/a2.pem" "${PASS[@]}"
check "original: third CRL" "$PINCA" crl --out "$T/a3.pem" "${PASS[@]}"
A1=$(crl_number "$T/a1.pem") A2=$(crl_number "$T/a2.pem") A3=$(crl_number "$T/a3.pem")
check "original's numbers increase" test "$A1" -lt "$A2" -a "$A2" -lt "$A3"

# The restored copy: the keys and the database as it was at the backup.
mkdir -p "$T/restored" && cp -a "$PINCA_DIR/keys" "$T/restored/" && cp "$T/backup.db" "$T/restored/pinca.db"
check "restored copy: CRL" "$PINCA" crl --dir "$T/restored" --out "$T/b1.pem" "${PASS[@]}"
check "restored CRL verifies with the intermediate" openssl crl -in "$T/b1.pem" -noout -CAfile "$T/int.pem"
B1=$(crl_number "$T/b1.pem")
check "restored copy numbers above every CRL of the original ($B1 > $A3)" test "$B1" -gt "$A3"
check "the restored database knew only the first" test "$(sqlite3 "$T/backup.db" 'SELECT count(*) FROM crls')" = 1

# Numbers stay strictly increasing within one database, several a second.
check "three CRLs in a row" sh -c "'$PINCA' crl --out '$T/c1.pem' --pass-file '$T/pass' >/dev/null &&
  '$PINCA' crl --out '$T/c2.pem' --pass-file '$T/pass' >/dev/null && '$PINCA' crl --out '$T/c3.pem' --pass-file '$T/pass' >/dev/null"
C1=$(crl_number "$T/c1.pem") C2=$(crl_number "$T/c2.pem") C3=$(crl_number "$T/c3.pem")
check "strictly increasing ($C1 < $C2 < $C3)" test "$A3" -lt "$C1" -a "$C1" -lt "$C2" -a "$C2" -lt "$C3"
# The number is time-based: within a minute of now, in microseconds.
NOW_US=$(($(date +%s) * 1000000))
check "number is microseconds since 1970 (near now)" test $((NOW_US - C3)) -lt 60000000 -a $((C3 - NOW_US)) -lt 60000000
finish
