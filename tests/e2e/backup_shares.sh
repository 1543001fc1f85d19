#!/bin/bash
# backup_shares: `ca backup` splits the root keys' backup among holders and
# `ca restore` puts the keys back from any threshold of the shares. Checked
# with tools we did not write: ssss-combine (Debian's ssss) recombines the
# share lines, sha256sum checks the result against backup.pem, and openssl
# opens the keys with it. A damaged share, a share of another backup and too
# few shares are refused, naming the file, and change nothing.
. "$(dirname "$0")/lib.sh"

"$PINCA" init >/dev/null && "$PINCA" ca root --cn "Backup Root R1" --standby-cn "Backup Root R2" \
  "${PASS[@]}" >/dev/null || { echo "FAIL setup"; exit 1; }
"$PINCA" ca show root --pem >"$T/root.pem" && "$PINCA" ca show standby --pem >"$T/standby.pem"
B=$T/backup

check "ca backup --shares 5 --threshold 3" "$PINCA" ca backup --shares 5 --threshold 3 --out-dir "$B" "${PASS[@]}"
check "backup.pem and five shares, all mode 0600" test "$(stat -c %a "$B"/backup.pem "$B"/share-{1,2,3,4,5}.txt | sort -u)" = 600
ID=$(sed -n 's/^pinca backup //p' "$B/backup.pem")
check "every share names backup $ID" test "$(grep -l "^pinca-share 1 $ID " "$B"/share-*.txt | wc -l)" = 5
check "the audit log records the backup, not its secret" sh -c "sqlite3 '$PINCA_DIR/pinca.db' \"SELECT objects FROM audit WHERE action = 'ca.backup'\" | grep -q '$ID' &&
  ! sqlite3 '$PINCA_DIR/pinca.db' 'SELECT objects FROM audit' | grep -q \"\$(sed -n 's/^pinca$ID-1-//p' '$B/share-1.txt' | cut -d' ' -f1)\""

# By hand, without pinca: each line's check with sha256sum, the secret with
# ssss-combine, its hash against backup.pem, the keys with openssl.
line_ok() { local words check; words=$(grep "^$2" "$1" | sed 's/ [^ ]*$//'); check=$(grep "^$2" "$1" | sed 's/.* //')
  [ "$(printf %s "$words" | sha256sum | cut -c1-8)" = "$check" ]; }
check "sha256sum confirms each line's check" sh -c "$(declare -f line_ok); for f in '$B'/share-*.txt; do line_ok \$f pinca-share && line_ok \$f pinca$ID- || exit 1; done"
ssss_lines() { for k in "$@"; do grep "^pinca$ID-" "$B/share-$k.txt" | cut -d' ' -f1; done; }
ssss_lines 2 5 4 | ssss-combine -t 3 -x -Q 2>"$T/secret" >/dev/null
check "ssss-combine recombines shares 2, 5, 4" test "$(wc -c <"$T/secret")" = 65
check "the secret's SHA-256 is the one in backup.pem" test "$(printf %s "$(cat "$T/secret")" | sha256sum | cut -d' ' -f1)" = \
  "$(sed -n 's/^secret-sha256 //p' "$B/backup.pem")"
ssss_lines 1 3 5 | ssss-combine -t 3 -x -Q 2>"$T/secret2" >/dev/null
check "shares 1, 3, 5 give the same secret" cmp "$T/secret" "$T/secret2"
chmod 600 "$T/secret"
check "openssl pkey opens backup.pem with it: the primary root's key" bash -c "
  openssl pkey -in '$B/backup.pem' -passin file:'$T/secret' -pubout | cmp - <(openssl x509 -in '$T/root.pem' -pubkey -noout)"
check "openssl storeutl finds both keys; the second is the standby's" bash -c "
  openssl storeutl -keys -passin file:'$T/secret' '$B/backup.pem' | awk '/BEGIN PRIVATE KEY/{n++} n==2' | sed '/END PRIVATE KEY/q' |
  openssl pkey -pubout | cmp - <(openssl x509 -in '$T/standby.pem' -pubkey -noout)"
check "ssss-combine with two shares does not give the secret" sh -c "
  ssss_lines() { for k in \"\$@\"; do grep '^pinca$ID-' '$B/share-'\$k.txt | cut -d' ' -f1; done; }
  ssss_lines 1 2 | ssss-combine -t 2 -x -Q 2>'$T/s2' >/dev/null; ! cmp -s '$T/s2' '$T/secret'"

# pinca restore into a new directory.
R=$T/restored
"$PINCA" init --dir "$R" >/dev/null
printf 'another-passphrase-987654\n' >"$T/pass2"; chmod 600 "$T/pass2"
refuse "two shares of three are refused" 1 "2 shares given; backup $ID needs 3 of its 5" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --share "$B/share-1.txt" --share "$B/share-2.txt" --pass-file "$T/pass2"
sed 's/^\(pinca[0-9a-f]*-3-.\{10\}\)./\1x/' "$B/share-3.txt" >"$T/damaged.txt"
sed -i 's/^\(pinca[0-9a-f]*-3-.\{10\}\)x/\1'"$(sed -n 's/^pinca[0-9a-f]*-3-.\{10\}\(.\).*/\1/p' "$B/share-3.txt" | tr '0-9a-f' '1-9a-f0')"/ "$T/damaged.txt"
check "(the damaged copy differs in one digit)" test "$(cmp -l "$B/share-3.txt" "$T/damaged.txt" | wc -l)" = 1
refuse "a damaged share is named by its file" 1 "damaged.txt: line 7 is damaged or mistyped" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --share "$B/share-1.txt" --share "$T/damaged.txt" --share "$B/share-5.txt" --pass-file "$T/pass2"
# ssss alone takes the damaged share and silently gives a wrong secret.
{ ssss_lines 1; grep "^pinca$ID-" "$T/damaged.txt" | cut -d' ' -f1; ssss_lines 5; } | ssss-combine -t 3 -x -Q 2>"$T/wrong" >/dev/null
check "(ssss-combine turns it into a wrong secret, exit 0)" sh -c "[ \$(wc -c <'$T/wrong') = 65 ] && ! cmp -s '$T/wrong' '$T/secret'"
# A forged line whose check was recomputed passes the line check; the
# secret's hash in backup.pem still refuses what it recombines to.
forge() { local line words hex; line=$(grep "^pinca$ID-3-" "$B/share-3.txt"); words=${line% *}
  hex=$(printf %s "${words: -1}" | tr '0-9a-f' '1-9a-f0'); words="${words%?}$hex"
  grep -v "^pinca$ID-3-" "$B/share-3.txt"; echo "$words $(printf %s "$words" | sha256sum | cut -c1-8)"; }
forge >"$T/forged.txt"
refuse "a forged share with a good line check: the secret's hash refuses it" 1 "do not recombine to the secret of backup $ID" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --share "$B/share-1.txt" --share "$T/forged.txt" --share "$B/share-5.txt" --pass-file "$T/pass2"
refuse "a forged fourth share is named: it does not agree with the others" 1 "forged.txt: share 3 does not agree with the others" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --share "$B/share-1.txt" --share "$B/share-2.txt" --share "$B/share-5.txt" --share "$T/forged.txt" --pass-file "$T/pass2"
"$PINCA" ca backup --shares 3 --threshold 2 --out-dir "$T/other" "${PASS[@]}" >/dev/null
refuse "a share of another backup is named by its file" 1 "other/share-2.txt: a share of backup [0-9a-f]{12}, not of this backup \($ID\)" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --share "$B/share-1.txt" --share "$T/other/share-2.txt" --share "$B/share-5.txt" --pass-file "$T/pass2"
refuse "a share given twice" 1 "share-1.txt: share 1 was already given" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --share "$B/share-1.txt" --share "$B/share-1.txt" --share "$B/share-5.txt" --pass-file "$T/pass2"
refuse "a backup.pem that is not one" 1 "root.pem: not a pinca backup" \
  "$PINCA" ca restore --dir "$R" --backup "$T/root.pem" --share "$B/share-1.txt" --pass-file "$T/pass2"
refuse "no --share is a usage error" 2 "--backup FILE and --share FILE are required" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --pass-file "$T/pass2"
check "nothing was restored by the refusals" test "$(sqlite3 "$R/pinca.db" 'SELECT count(*) FROM cas')" = 0 -a -z "$(ls "$R/keys" 2>/dev/null)"

check "restore with shares 4, 2, 5" "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" \
  --share "$B/share-4.txt" --share "$B/share-2.txt" --share "$B/share-5.txt" --pass-file "$T/pass2"
RK=$(ls "$R"/keys/root-*.key) SK=$(ls "$R"/keys/standby-*.key)
check "restored key files are 0600" test "$(stat -c %a "$RK" "$SK" | sort -u)" = 600
check "openssl opens the restored root key with the new passphrase: the root's key" bash -c "
  openssl pkey -in '$RK' -passin file:'$T/pass2' -pubout | cmp - <(openssl x509 -in '$T/root.pem' -pubkey -noout)"
check "the restored directory knows both roots by their pins" test "$("$PINCA" pins --dir "$R" | sort)" = "$("$PINCA" pins | sort)"
check "the restored root signs: its CRL verifies against the root certificate" sh -c "
  '$PINCA' crl --dir '$R' --ca root --pass-file '$T/pass2' | openssl crl -noout -CAfile '$T/root.pem'"
refuse "restoring again is refused (the keys are there)" 1 "already holds the key of the root root" \
  "$PINCA" ca restore --dir "$R" --backup "$B/backup.pem" --share "$B/share-1.txt" --share "$B/share-2.txt" --share "$B/share-3.txt" --pass-file "$T/pass2"

# A directory rebuilt from `db backup` knows the roots (and the names of
# key files it lost): restore puts the keys back there too.
D=$T/fromdb; mkdir -p "$D"
"$PINCA" db backup "$D/pinca.db" >/dev/null
check "restore into a directory made from a db backup (no keys)" "$PINCA" ca restore --dir "$D" --backup "$B/backup.pem" \
  --share "$B/share-3.txt" --share "$B/share-1.txt" --share "$B/share-5.txt" --pass-file "$T/pass2"
check "no CA record was added: the two it knew now have their key files" sh -c "
  [ \$(sqlite3 '$D/pinca.db' 'SELECT count(*) FROM cas') = 2 ] &&
  for k in \$(sqlite3 '$D/pinca.db' 'SELECT key_path FROM cas'); do [ -f '$D'/\$k ] || exit 1; done"
check "the standby root signs there" sh -c "
  '$PINCA' crl --dir '$D' --ca standby --pass-file '$T/pass2' | openssl crl -noout -CAfile '$T/standby.pem'"

# Bad input to backup changes nothing.
refuse "threshold above shares" 2 "--threshold 4 is more than the 3 shares" "$PINCA" ca backup --shares 3 --threshold 4 --out-dir "$T/x" "${PASS[@]}"
refuse "threshold 1" 2 "--threshold" "$PINCA" ca backup --shares 3 --threshold 1 --out-dir "$T/x" "${PASS[@]}"
refuse "an existing backup is never replaced" 1 "backup.pem" "$PINCA" ca backup --shares 3 --threshold 2 --out-dir "$B" "${PASS[@]}"
check "the first backup is intact" sh -c "[ \$(sed -n 's/^pinca backup //p' '$B/backup.pem') = $ID ]"
# A root key that is not a file (a PKCS#11 token) is refused with a line saying so.
sqlite3 "$PINCA_DIR/pinca.db" "UPDATE cas SET key_path = 'pkcs11:token=ceremony;object=root' WHERE role = 'root'"
refuse "a key on a PKCS#11 token is refused" 1 "the root root key 'Backup Root R1' is on a PKCS#11 token .*back it up the token's way" \
  "$PINCA" ca backup --shares 3 --threshold 2 --out-dir "$T/tok" "${PASS[@]}"
check "(and nothing was written)" test ! -e "$T/tok"
finish
