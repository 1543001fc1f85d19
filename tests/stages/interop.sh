#!/bin/bash
# interop: for every key type pinca supports, builds a root + intermediate
# (and, where `pinca issue` exists, a leaf for localhost) with pinca, then has
# implementations we did not write check them: OpenSSL (`verify -x509_strict`),
# GnuTLS (`certtool --verify`, `certtool -i` without warnings), NSS
# (`vfychain` against a certutil database) and Python's cryptography
# (tests/stages/interop_check.py). With a leaf it also serves it with
# `openssl s_server` on 127.0.0.1 and connects with curl and gnutls-cli, then
# revokes it and checks the intermediate's CRL (openssl crl/verify -crl_check,
# certtool --verify-crl/--crl-info, cryptography).
cd "$(dirname "$0")/../.." || exit 1
HERE=$PWD
. tests/e2e/lib.sh
# A python with the newest cryptography (path validation needs >= 42).
for p in python3 /usr/bin/python3; do
  if "$p" -c 'from cryptography.x509 import verification' 2>/dev/null; then PY=$p; break; fi
done
TYPES=${INTEROP_TYPES:-ec-p256 ec-p384 rsa-2048 rsa-4096}
HAVE_ISSUE=0
"$PINCA" issue --help >/dev/null 2>&1 && HAVE_ISSUE=1
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

# NSS: a certificate database that trusts nothing until a root is added.
nss_db() { local db=$1 root=$2
  mkdir -p "$db" && certutil -N -d "sql:$db" --empty-password >/dev/null 2>&1 &&
  certutil -A -d "sql:$db" -n root -t "C,," -a -i "$root" >/dev/null 2>&1; }

# certtool -i prints every field; a "warning" anywhere is a failure.
certtool_clean() { local out; out=$(certtool -i --infile "$1" 2>&1) || return 1
  ! grep -qi 'warning' <<<"$out"; }

# refuse_tool CMD...: CMD must fail (a negative control).
refuse_tool() { ! "$@" >/dev/null 2>&1; }

# A TCP port nobody listens on.
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

leaf_checks() { local ty=$1 d=$2
  check "$ty: issue a leaf for localhost" "$PINCA" issue --name "web-$ty" --dns localhost --ip 127.0.0.1 \
    --key "$ty" --key-out "$d/leaf.key" --cert-out "$d/leaf.pem" --chain-out "$d/chain.pem" \
    --fullchain-out "$d/fullchain.pem" "${PASS[@]}"
  [ -s "$d/leaf.pem" ] || return
  check "$ty: openssl verify -x509_strict leaf (chain file as untrusted)" \
    openssl verify -x509_strict -purpose sslserver -verify_hostname localhost -CAfile "$d/root.pem" -untrusted "$d/chain.pem" "$d/leaf.pem"
  check "$ty: certtool --verify leaf with the chain" sh -c "cat '$d/fullchain.pem' | certtool --verify --load-ca-certificate '$d/root.pem' --verify-hostname localhost --verify-purpose 1.3.6.1.5.5.7.3.1 2>&1 | grep -q 'Chain verification output: Verified'"
  check "$ty: certtool -i leaf: no warnings" certtool_clean "$d/leaf.pem"
  check "$ty: NSS vfychain leaf as SSL server" sh -c "vfychain -d 'sql:$d/nss' -pp -u 1 -a '$d/leaf.pem' -a '$d/int.pem' 2>&1 | grep -q 'Chain is good'"
  check "$ty: cryptography verifies root/int/leaf for localhost" "$PY" tests/stages/interop_check.py "$ty" "$d/root.pem" "$d/int.pem" "$d/leaf.pem" localhost
  check "$ty: fullchain = leaf + chain" sh -c "cat '$d/leaf.pem' '$d/chain.pem' | cmp -s - '$d/fullchain.pem'"
  # A real handshake: openssl s_server with the leaf and its chain.
  local port; port=$(free_port)
  openssl s_server -accept "127.0.0.1:$port" -cert "$d/leaf.pem" -key "$d/leaf.key" -cert_chain "$d/chain.pem" \
    -www >"$d/server.log" 2>&1 </dev/null &
  local spid=$!; PIDS+=("$spid")
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  check "$ty: curl --cacert ROOT over TLS to the leaf" curl -sS --max-time 10 --cacert "$d/root.pem" \
    --resolve "localhost:$port:127.0.0.1" -o "$d/page" "https://localhost:$port/"
  check "$ty: control: curl refuses the server under a look-alike root" sh -c "! curl -sS --max-time 10 --cacert '$d/other.pem' --resolve 'localhost:$port:127.0.0.1' -o /dev/null 'https://localhost:$port/' 2>/dev/null"
  check "$ty: control: openssl rejects the leaf for another host name" refuse_tool \
    openssl verify -x509_strict -verify_hostname other.example.net -CAfile "$d/root.pem" -untrusted "$d/chain.pem" "$d/leaf.pem"
  check "$ty: gnutls-cli --x509cafile ROOT handshake" sh -c "timeout 10 gnutls-cli --x509cafile '$d/root.pem' -p $port localhost </dev/null >'$d/gnutls.log' 2>&1 && grep -q 'Handshake was completed' '$d/gnutls.log'"
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
  "$PINCA" crl --help >/dev/null 2>&1 && crl_checks "$ty" "$d"
}

# Revokes the leaf and checks the intermediate's CRL with the same tools.
crl_checks() { local ty=$1 d=$2 serial
  serial=$(openssl x509 -in "$d/leaf.pem" -noout -serial | cut -d= -f2)
  check "$ty: revoke the leaf (openssl's serial form)" "$PINCA" revoke "$serial" --reason keyCompromise
  check "$ty: make the intermediate's CRL" "$PINCA" crl --out "$d/crl.pem" "${PASS[@]}"
  check "$ty: openssl crl verifies the CRL signature" sh -c "openssl crl -in '$d/crl.pem' -CAfile '$d/int.pem' -noout 2>&1 | grep -q 'verify OK'"
  check "$ty: openssl verify -crl_check refuses the revoked leaf" sh -c "openssl verify -x509_strict -crl_check -CAfile '$d/root.pem' -untrusted '$d/chain.pem' -CRLfile '$d/crl.pem' '$d/leaf.pem' 2>&1 | grep -q 'certificate revoked'"
  check "$ty: certtool --verify-crl with the intermediate" sh -c "certtool --verify-crl --load-ca-certificate '$d/int.pem' --infile '$d/crl.pem' 2>&1 | grep -qi 'verification output: Verified'"
  check "$ty: certtool --crl-info: no warnings" sh -c "out=\$(certtool --crl-info --infile '$d/crl.pem' 2>&1) && ! printf '%s' \"\$out\" | grep -qi warning"
  check "$ty: cryptography: CRL signed by the intermediate, lists the leaf as keyCompromise" "$PY" - "$d/crl.pem" "$d/int.pem" "$d/leaf.pem" <<'PYEOF'
import sys
from cryptography import x509
crl = x509.load_pem_x509_crl(open(sys.argv[1], 'rb').read())
issuer = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
leaf = x509.load_pem_x509_certificate(open(sys.argv[3], 'rb').read())
assert crl.is_signature_valid(issuer.public_key())
assert crl.issuer == issuer.subject
r = crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
assert r is not None
assert r.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number >= 1
crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
assert crl.next_update_utc > crl.last_update_utc if hasattr(crl, 'next_update_utc') else crl.next_update > crl.last_update
PYEOF
}

for ty in $TYPES; do
  d=$T/$ty; mkdir -p "$d"
  export PINCA_DIR=$d/ca
  if ! { "$PINCA" init >/dev/null && "$PINCA" ca root --cn "Interop Root $ty" --standby-cn "Interop Standby $ty" \
        --key "$ty" "${PASS[@]}" >/dev/null &&
      "$PINCA" ca intermediate --cn "Interop Issuing $ty" --key "$ty" --permit-dns localhost --permit-ip 127.0.0.0/8 \
        --permit-dns example.com "${PASS[@]}" >/dev/null &&
      "$PINCA" ca show root --pem >"$d/root.pem" && "$PINCA" ca show intermediate --pem >"$d/int.pem"; } 2>"$T/out"; then
    bad "$ty: pinca could not build the chain"; continue
  fi
  ok "$ty: pinca built root + intermediate"
  check "$ty: openssl verify -x509_strict root" openssl verify -x509_strict -CAfile "$d/root.pem" "$d/root.pem"
  check "$ty: openssl verify -x509_strict intermediate" openssl verify -x509_strict -CAfile "$d/root.pem" "$d/int.pem"
  check "$ty: certtool --verify intermediate" sh -c "certtool --verify --load-ca-certificate '$d/root.pem' --infile '$d/int.pem' 2>&1 | grep -q 'Chain verification output: Verified'"
  check "$ty: certtool -i root: no warnings" certtool_clean "$d/root.pem"
  check "$ty: certtool -i intermediate: no warnings" certtool_clean "$d/int.pem"
  if nss_db "$d/nss" "$d/root.pem"; then
    check "$ty: NSS vfychain intermediate as SSL CA" sh -c "vfychain -d 'sql:$d/nss' -pp -u 3 -a '$d/int.pem' 2>&1 | grep -q 'Chain is good'"
    mkdir -p "$d/nss-empty" && certutil -N -d "sql:$d/nss-empty" --empty-password >/dev/null 2>&1
    check "$ty: control: NSS without the root rejects the intermediate" sh -c "! vfychain -d 'sql:$d/nss-empty' -pp -u 3 -a '$d/int.pem' 2>&1 | grep -q 'Chain is good'"
  else
    bad "$ty: NSS certutil could not make a database"
  fi
  check "$ty: cryptography checks signatures, profile, SPKI form" "$PY" tests/stages/interop_check.py "$ty" "$d/root.pem" "$d/int.pem"
  # Negative control: an unrelated root must not verify the intermediate.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/other.key" \
    -subj "/CN=Interop Root $ty" -days 2 -out "$d/other.pem" 2>/dev/null
  check "$ty: control: openssl rejects the intermediate under a look-alike root" \
    refuse_tool openssl verify -x509_strict -CAfile "$d/other.pem" "$d/int.pem"
  check "$ty: control: certtool rejects it too" sh -c "! certtool --verify --load-ca-certificate '$d/other.pem' --infile '$d/int.pem' 2>&1 | grep -q 'Chain verification output: Verified'"
  [ "$HAVE_ISSUE" = 1 ] && leaf_checks "$ty" "$d"
done
[ "$HAVE_ISSUE" = 1 ] || echo "note: pinca has no 'issue' command yet; leaf and TLS checks skipped"
cd "$HERE" || true
finish
