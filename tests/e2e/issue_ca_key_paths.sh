#!/bin/bash
# issue_ca_key_paths: an unencrypted EC intermediate key is read by
# ca/der_direct_key.c and its certificate decoded by ca/der_direct_cert.c;
# encrypted keys and RSA keys take OpenSSL's general readers. Every path must issue
# certificates that verify strictly, and a key file whose public key is not
# the one of its private key must be refused, not used to sign.
. "$(dirname "$0")/lib.sh"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/leaf.key" \
  -subj /CN=paths.example -addext subjectAltName=DNS:paths.example -out "$T/leaf.csr" 2>/dev/null

# ski FILE / aki FILE: the key identifiers, as openssl prints them.
ski() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' '; }
aki() { openssl x509 -in "$1" -noout -ext authorityKeyIdentifier | grep -v Authority | head -1 | tr -d ' ' | sed 's/^keyid://'; }

# kind NAME LABEL ARGS...: a CA whose intermediate key is made with ARGS.
kind() { local name=$1 label=$2; shift 2
  export PINCA_DIR=$T/$name
  setup_ca "$@" || { bad "$name: setup"; return 1; }
  cp "$T/root.pem" "$T/$name-root.pem"; cp "$T/int.pem" "$T/$name-int.pem"
  check "$name: key file is $label" grep -q -- "-----BEGIN $label-----" "$PINCA_DIR"/keys/intermediate-*.key
}

# issued NAME EXTRA...: issues from the CSR and checks the result with openssl.
issued() { local name=$1; shift
  check "$name: issue" "$PINCA" issue --name "leaf-$name" --csr "$T/leaf.csr" --cert-out "$T/$name.pem" "$@"
  check "$name: verifies (openssl -x509_strict)" openssl verify -x509_strict -CAfile "$T/$name-root.pem" \
    -untrusted "$T/$name-int.pem" "$T/$name.pem"
  check "$name: AKI is the intermediate's SKI" test "$(aki "$T/$name.pem")" = "$(ski "$T/$name-int.pem")"
  check "$name: issuer is the intermediate's subject" test \
    "$(openssl x509 -in "$T/$name.pem" -noout -issuer -nameopt RFC2253)" = \
    "$(openssl x509 -in "$T/$name-int.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject/issuer/')"
}

kind p256 "PRIVATE KEY" --key ec-p256 --no-passphrase && issued p256
kind p384 "PRIVATE KEY" --key ec-p384 --no-passphrase && issued p384
check "p384: leaf signed with SHA-384" sh -c "openssl x509 -in '$T/p384.pem' -noout -text | grep -q 'ecdsa-with-SHA384'"
kind rsa "PRIVATE KEY" --key rsa-2048 --no-passphrase && issued rsa
kind enc "ENCRYPTED PRIVATE KEY" --key ec-p256 && issued enc "${PASS[@]}"
printf 'not-the-passphrase\n' >"$T/wrong"; chmod 600 "$T/wrong"
refuse "enc: wrong passphrase still refused" 1 "wrong passphrase" \
  "$PINCA" issue --name enc-wrong --csr "$T/leaf.csr" --pass-file "$T/wrong"

# Damaged unencrypted P-256 keys: the real private scalar with another
# public key, and another private scalar with the real public key (which
# OpenSSL's reader accepts, and whose certificates would never verify).
export PINCA_DIR=$T/p256
keyfile=$(ls "$PINCA_DIR"/keys/intermediate-*.key)
cp "$keyfile" "$T/p256-key.orig"
"$PY" - "$T/p256-key.orig" "$T" <<'PYEOF'
import base64, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

def der(tag, body):
    n = len(body)
    ln = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255])
    return bytes([tag]) + ln + body

def pkcs8(priv, pub):
    ecpk = der(0x30, der(0x02, b"\x01") + der(0x04, priv) + der(0xa1, der(0x03, b"\x00" + pub)))
    alg = der(0x30, bytes.fromhex("06072a8648ce3d0201") + bytes.fromhex("06082a8648ce3d030107"))
    body = der(0x30, der(0x02, b"\x00") + alg + der(0x04, ecpk))
    b64 = base64.encodebytes(body).decode().replace("\n", "")
    lines = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % lines

def parts(k):
    priv = k.private_numbers().private_value.to_bytes(32, "big")
    pub = k.public_key().public_bytes(serialization.Encoding.X962,
                                      serialization.PublicFormat.UncompressedPoint)
    return priv, pub

real = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
other = ec.generate_private_key(ec.SECP256R1())
(rp, rq), (op, oq) = parts(real), parts(other)
t = sys.argv[2]
open(t + "/key-same", "w").write(pkcs8(rp, rq))
open(t + "/key-otherpub", "w").write(pkcs8(rp, oq))
open(t + "/key-otherpriv", "w").write(pkcs8(op, rq))
PYEOF
cp "$T/key-same" "$keyfile"
check "hand-made PKCS#8 of the real key issues" "$PINCA" issue --name same --csr "$T/leaf.csr" --cert-out "$T/same.pem"
check "hand-made key: certificate verifies" openssl verify -x509_strict -CAfile "$T/p256-root.pem" \
  -untrusted "$T/p256-int.pem" "$T/same.pem"
before=$(state_of)
cp "$T/key-otherpub" "$keyfile"
refuse "key with another public key is refused" 1 "is damaged" \
  "$PINCA" issue --name dmg1 --csr "$T/leaf.csr" --cert-out "$T/dmg1.pem"
cp "$T/key-otherpriv" "$keyfile"
refuse "key with another private scalar is refused" 1 "is damaged" \
  "$PINCA" issue --name dmg2 --csr "$T/leaf.csr" --cert-out "$T/dmg2.pem"
cp "$T/p256-key.orig" "$keyfile"
check "refusals changed nothing" test "$before" = "$(state_of)"
check "no certificate file written" test ! -e "$T/dmg1.pem" -a ! -e "$T/dmg2.pem"
check "the original key issues again" "$PINCA" issue --name again --csr "$T/leaf.csr" --cert-out "$T/again.pem"
finish
