#!/bin/bash
# CA keys on a PKCS#11 token (SoftHSM2 in a temp directory): root,
# intermediate and CSR keys made there, never extractable, no key file;
# everything that signs (ca sign, issue, renew, crl) uses them, checked with
# openssl; the token's own tool (pkcs11-tool) shows the key attributes; a
# wrong PIN or a bad URI is one line and changes nothing.
. "$(dirname "$0")/lib.sh"

MODULE=/usr/lib/softhsm/libsofthsm2.so
for tool in softhsm2-util pkcs11-tool; do
  command -v $tool >/dev/null || { bad "$tool is installed (tools/deps.sh: softhsm2 opensc)"; finish; exit; }
done
[ -r "$MODULE" ] || { bad "SoftHSM2 module at $MODULE"; finish; exit; }
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" >"$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf
softhsm2-util --init-token --free --label pinca-ca --so-pin 87654321 --pin 4242-1234 >/dev/null
softhsm2-util --init-token --free --label other --so-pin 87654321 --pin 4242-1234 >/dev/null
printf '4242-1234\n' >"$T/pin"; chmod 600 "$T/pin"
printf '0000-0000\n' >"$T/badpin"; chmod 600 "$T/badpin"
PIN=(--pin-file "$T/pin")
TOK='pkcs11:token=pinca-ca'
# The private keys on the token, as pkcs11-tool (OpenSC) lists them.
objects() { pkcs11-tool --module "$MODULE" --token-label pinca-ca --login --pin 4242-1234 --list-objects 2>/dev/null; }
# The Access line of private key LABEL.
access_of() { objects | awk -v l="$1" '/^Private Key Object/{p=1} /^[A-Z]/&&!/^Private Key Object/{p=0} p&&$1=="label:"{m=($2==l)} p&&m&&/Access:/{print; exit}'; }

"$PINCA" init >/dev/null
BEFORE=$(state_of)
# --- refusals before anything is made ---------------------------------------
refuse "a PIN inside the URI is refused" 2 "pin-value.*--pin-file" \
  "$PINCA" ca root --cn R --key-uri "$TOK;object=root?pin-value=4242-1234" --module "$MODULE" "${PIN[@]}" "${PASS[@]}"
check "the refused PIN is not echoed" sh -c "! grep -q 4242 '$T/out'"
refuse "no module: --module or PINCA_PKCS11_MODULE" 2 "no PKCS#11 module" \
  "$PINCA" ca root --cn R --key-uri "$TOK;object=root" "${PIN[@]}" "${PASS[@]}"
refuse "a module that is not one" 1 "cannot load the PKCS#11 module" \
  "$PINCA" ca root --cn R --key-uri "$TOK;object=root" --module "$T/pin" "${PIN[@]}" "${PASS[@]}"
refuse "a URI without object= for a new key" 2 "object=LABEL" \
  "$PINCA" ca root --cn R --key-uri "$TOK" --module "$MODULE" "${PIN[@]}" "${PASS[@]}"
refuse "a slot number is not how tokens are chosen" 2 "does not use 'slot-id'" \
  "$PINCA" ca root --cn R --key-uri "pkcs11:slot-id=0;object=root" --module "$MODULE" "${PIN[@]}" "${PASS[@]}"
refuse "an unknown token label" 1 "no token labelled 'nope'" \
  "$PINCA" ca root --cn R --key-uri "pkcs11:token=nope;object=root" --module "$MODULE" "${PIN[@]}" "${PASS[@]}"
refuse "wrong PIN: one line, exit 1" 1 "wrong PIN for token 'pinca-ca'" \
  "$PINCA" ca root --cn R --key-uri "$TOK;object=root" --module "$MODULE" --pin-file "$T/badpin" "${PASS[@]}"
refuse "no PIN source and no terminal" 2 "no PIN for token 'pinca-ca'.*--pin-file" \
  setsid "$PINCA" ca root --cn R --key-uri "$TOK;object=root" --standby-key-uri "$TOK;object=sb" --module "$MODULE" </dev/null
chmod 644 "$T/pin"
refuse "a PIN file others can read" 1 "PIN file .* accessible to others" \
  "$PINCA" ca root --cn R --key-uri "$TOK;object=root" --module "$MODULE" "${PIN[@]}" "${PASS[@]}"
chmod 600 "$T/pin"
check "refusals changed nothing (files, rows)" test "$BEFORE" = "$(state_of)"
check "refusals made no key on the token" sh -c "! pkcs11-tool --module '$MODULE' --token-label pinca-ca --login --pin 4242-1234 --list-objects 2>/dev/null | grep -q 'Private Key'"
# A ceremony that fails half-way takes back the key it made on the token.
"$PINCA" ca root --cn R --key-uri "$TOK;object=twice" --standby-key-uri "$TOK;object=twice" \
  --module "$MODULE" "${PIN[@]}" >"$T/stdout" 2>"$T/twice.err"
RC=$?
check "a label already on the token is refused (exit 1, one line)" sh -c "[ $RC -eq 1 ] && [ \$(wc -l <'$T/twice.err') -eq 1 ] && grep -q '^pinca: .*already holds a key' '$T/twice.err'"
check "... and the root key made before it is deleted again" sh -c "! pkcs11-tool --module '$MODULE' --token-label pinca-ca --login --pin 4242-1234 --list-objects 2>/dev/null | grep -q twice"
check "... and nothing else changed" test "$BEFORE" = "$(state_of)"

# --- root on the token, standby in a file, intermediate on the token --------
export PINCA_PKCS11_MODULE=$MODULE
check "ca root: the primary root's key on the token (ec-p384)" \
  "$PINCA" ca root --cn "Token Root" --key-uri "$TOK;object=root" "${PIN[@]}" "${PASS[@]}"
check "ca intermediate: its key on the token (ec-p256), signed by the token root" \
  "$PINCA" ca intermediate --cn "Token Issuing CA" --key-uri "$TOK;object=intermediate" "${PIN[@]}"
"$PINCA" ca show root --pem >"$T/root.pem"; "$PINCA" ca show standby --pem >"$T/standby.pem"
"$PINCA" ca show intermediate --pem >"$T/int.pem"
check "keys/ holds only the standby's file" sh -c "[ \"\$(cd '$PINCA_DIR/keys' && ls)\" = \"\$(cd '$PINCA_DIR/keys' && ls standby-*.key)\" ]"
check "the CA records hold the keys' URIs" sh -c "[ \$(sqlite3 '$PINCA_DIR/pinca.db' \"SELECT count(*) FROM cas WHERE key_path LIKE 'pkcs11:token=pinca-ca;object=%;id=%;type=private'\") = 2 ]"
check "root verifies as self-signed (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" "$T/root.pem"
check "root is signed ecdsa-with-SHA384" sh -c "openssl x509 -in '$T/root.pem' -noout -text | grep -q 'Signature Algorithm: ecdsa-with-SHA384'"
check "intermediate chains to the token root (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" "$T/int.pem"
check "the transcript's signature verifies with the root's key" sh -c "openssl x509 -in '$T/root.pem' -pubkey -noout >'$T/rootpub.pem' && t=\$(ls '$PINCA_DIR'/transcript-root-*.json) && openssl dgst -sha256 -verify '$T/rootpub.pem' -signature \"\$t.sig\" \"\$t\""
check "pkcs11-tool: root key is sensitive and never extractable" sh -c "echo '$(access_of root)' | grep -q 'sensitive.*never extractable'"
check "pkcs11-tool: intermediate key is sensitive and never extractable" sh -c "echo '$(access_of intermediate)' | grep -q 'sensitive.*never extractable'"
objects >"$T/objects"
check "pkcs11-tool: the private keys sign and nothing else" sh -c "[ \$(grep -c 'Usage: *sign\$' '$T/objects') = 2 ]"

check "issue: a leaf signed on the token" \
  "$PINCA" issue --name web --dns www.example.test --key-out "$T/web.key" --cert-out "$T/web.pem" "${PIN[@]}"
check "leaf chains (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$T/web.pem"
check "renew: signed on the token" "$PINCA" renew web --module "$MODULE" "${PIN[@]}"
check "renewed leaf chains (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$T/web.pem"
check "revoke the first leaf" "$PINCA" revoke --name web --reason superseded
check "crl: the intermediate's, signed on the token" "$PINCA" crl --out "$T/int.crl" "${PIN[@]}"
check "intermediate CRL verifies (openssl crl -verify)" sh -c "openssl crl -in '$T/int.crl' -CAfile '$T/int.pem' -noout -verify 2>&1 | grep -q 'verify OK'"
check "crl --ca root: signed on the token" "$PINCA" crl --ca root --out "$T/root.crl" "${PIN[@]}"
check "root CRL verifies (openssl crl -verify)" sh -c "openssl crl -in '$T/root.crl' -CAfile '$T/root.pem' -noout -verify 2>&1 | grep -q 'verify OK'"
BEFORE=$(state_of)
refuse "issue with a wrong PIN: one line, exit 1" 1 "^pinca: wrong PIN for token 'pinca-ca'$" \
  "$PINCA" issue --name web2 --dns two.example.test --key-out "$T/web2.key" --cert-out "$T/web2.pem" --pin-file "$T/badpin"
refuse "crl with a wrong PIN: one line, exit 1" 1 "wrong PIN" "$PINCA" crl --out "$T/bad.crl" --pin-file "$T/badpin"
check "wrong PINs wrote no file" sh -c "test ! -e '$T/web2.pem' && test ! -e '$T/web2.key' && test ! -e '$T/bad.crl'"
check "wrong PINs changed no file or row" test "$BEFORE" = "$(state_of)"

# --- the two-machine ceremony: CSR key on the token (ec-p384) ---------------
ROOTDIR=$PINCA_DIR
export PINCA_DIR=$T/issuing
"$PINCA" init >/dev/null
check "ca csr: the intermediate's key on the token (ec-p384)" \
  "$PINCA" ca csr --cn "Token CSR CA" --key ec-p384 --key-uri "$TOK;object=csr-int" --out "$T/int.csr" "${PIN[@]}"
check "the CSR's signature verifies (openssl req -verify)" sh -c "openssl req -in '$T/int.csr' -noout -verify 2>&1 | grep -q 'verify OK'"
check "ca sign: the token root signs it" env PINCA_DIR="$ROOTDIR" "$PINCA" ca sign --csr "$T/int.csr" --out "$T/signed.pem" "${PIN[@]}"
check "ca import" "$PINCA" ca import --cert "$T/signed.pem" --root-pin "sha256/$(spki_pin "$T/root.pem")"
check "issue under the imported token intermediate" \
  "$PINCA" issue --name api --dns api.example.test --key-out "$T/api.key" --cert-out "$T/api.pem" --chain-out "$T/api-chain.pem" "${PIN[@]}"
check "leaf chains (x509_strict)" openssl verify -x509_strict -CAfile "$T/root.pem" -untrusted "$T/api-chain.pem" "$T/api.pem"
check "the issuing host has no key file" sh -c "[ -z \"\$(ls -A '$PINCA_DIR/keys' 2>/dev/null)\" ]"

# --- RSA: both roots on the token -------------------------------------------
export PINCA_DIR=$T/rsa
"$PINCA" init >/dev/null
check "ca root rsa-2048: primary and standby keys on the token" \
  "$PINCA" ca root --cn "RSA Root" --key rsa-2048 --key-uri "$TOK;object=rsa-root" --standby-key-uri "$TOK;object=rsa-standby" "${PIN[@]}"
check "ca intermediate rsa-2048 on the token" \
  "$PINCA" ca intermediate --cn "RSA Issuing" --key rsa-2048 --key-uri "$TOK;object=rsa-int" "${PIN[@]}"
"$PINCA" ca show root --pem >"$T/rsa-root.pem"; "$PINCA" ca show standby --pem >"$T/rsa-standby.pem"
"$PINCA" ca show intermediate --pem >"$T/rsa-int.pem"
check "RSA roots verify (x509_strict), sha256WithRSAEncryption" sh -c "openssl verify -x509_strict -CAfile '$T/rsa-root.pem' '$T/rsa-root.pem' && openssl verify -x509_strict -CAfile '$T/rsa-standby.pem' '$T/rsa-standby.pem' && openssl x509 -in '$T/rsa-root.pem' -noout -text | grep -q 'Signature Algorithm: sha256WithRSAEncryption'"
check "issue under the RSA token intermediate" \
  "$PINCA" issue --name rsa --dns rsa.example.test --key-out "$T/rsa.key" --cert-out "$T/rsa.pem" "${PIN[@]}"
check "RSA chain verifies (x509_strict)" openssl verify -x509_strict -CAfile "$T/rsa-root.pem" -untrusted "$T/rsa-int.pem" "$T/rsa.pem"
check "RSA intermediate CRL verifies" sh -c "'$PINCA' crl --out '$T/rsa.crl' --pin-file '$T/pin' >/dev/null && openssl crl -in '$T/rsa.crl' -CAfile '$T/rsa-int.pem' -noout -verify 2>&1 | grep -q 'verify OK'"
check "no key files at all with every key on the token" sh -c "[ -z \"\$(ls -A '$PINCA_DIR/keys' 2>/dev/null)\" ]"
check "pkcs11-tool: the RSA keys are sensitive and never extractable" sh -c "echo '$(access_of rsa-root) $(access_of rsa-standby) $(access_of rsa-int)' | grep -q '^ *Access: *sensitive.*never extractable.* Access: *sensitive.*never extractable.* Access: *sensitive.*never extractable'"
# The PIN typed at a prompt on a real pseudo-terminal (echo must be off).
cat >"$T/pinpty.py" <<'PYEOF'
import os, pty, select, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
shown, deadline, typed = b"", time.time() + 20, False
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if r:
        try: data = os.read(fd, 1024)
        except OSError: break
        if not data: break
        shown += data
    if not typed and b"PIN for token 'pinca-ca': " in shown:
        if termios.tcgetattr(fd)[3] & termios.ECHO: sys.exit(126)
        os.write(fd, sys.argv[1].encode() + b"\n"); typed = True
_, status = os.waitpid(pid, 0)
if sys.argv[1].encode() in shown: sys.exit(125)
sys.exit(os.waitstatus_to_exitcode(status) if typed else 124)
PYEOF
check "the PIN typed at the prompt (echo off, never shown)" \
  "$PY" "$T/pinpty.py" 4242-1234 "$PINCA" crl --ca root --out "$T/root2.crl"
check "... signed the CRL on the token" sh -c "openssl crl -in '$T/root2.crl' -CAfile '$T/rsa-root.pem' -noout -verify 2>&1 | grep -q 'verify OK'"
for d in "$ROOTDIR" "$T/issuing" "$T/rsa"; do sqlite3 "$d/pinca.db" .dump; cat "$d"/* "$d"/keys/* 2>/dev/null; done >"$T/everything"
check "the PIN is nowhere in the CA directories (files, database, audit log)" sh -c "[ -s '$T/everything' ] && ! grep -aqF 4242-1234 '$T/everything'"
check "the other token was never touched" sh -c "! pkcs11-tool --module '$MODULE' --token-label other --login --pin 4242-1234 --list-objects 2>/dev/null | grep -q 'Private Key'"
finish
