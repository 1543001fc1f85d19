# revoke/leaf.sh: sourced by the revocation scripts (after lib.sh and
# setup_ca). make_leaf NAME makes a leaf of the intermediate for NAME.test:
# $T/NAME.pem and $T/NAME.key, recorded in the CA's certificates table, and
# prints its serial (lowercase hex).
#
# With `pinca issue` it issues through pinca. Until that command exists, it
# signs with openssl using the intermediate's key file and records the row
# with sqlite3 (a stand-in: the stored DER is a placeholder), so revocation
# can be tested on its own.
LEAF_SEQ=0
make_leaf() {
  local n=$1 key serial now
  LEAF_SEQ=$((LEAF_SEQ+1))
  if "$PINCA" issue --help >/dev/null 2>&1; then
    # A second certificate of a lineage is a renewal (written to the same paths).
    if [ -f "$T/$n.pem" ]; then
      "$PINCA" renew "$n" "${PASS[@]}" >/dev/null || return 1
    else
      "$PINCA" issue --name "$n" --dns "$n.test" --key-out "$T/$n.key" --cert-out "$T/$n.pem" \
        --chain-out "$T/$n.chain" "${PASS[@]}" >/dev/null || return 1
    fi
  else
    key=$(ls "$PINCA_DIR"/keys/intermediate-*.key | head -n 1)
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$n.key" \
      -subj "/CN=$n.test" -out "$T/$n.csr" 2>/dev/null || return 1
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s.test\nauthorityKeyIdentifier=keyid\n' "$n" >"$T/$n.ext"
    openssl x509 -req -in "$T/$n.csr" -CA "$T/int.pem" -CAkey "$key" -passin file:"$T/pass" -days 30 \
      -set_serial "0x4$(openssl rand -hex 15 | cut -c1-31)" -extfile "$T/$n.ext" -out "$T/$n.pem" 2>/dev/null || return 1
    serial=$(openssl x509 -in "$T/$n.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
    now=$(date +%s)
    sqlite3 "$PINCA_DIR/pinca.db" "PRAGMA foreign_keys=ON;
      INSERT INTO lineages(name, profile, key_type, days, spki, pin, created_at, updated_at)
        VALUES ('$n', 'server', 'ec-p256', 30, x'00', 'sha256/placeholder', $now, $now)
        ON CONFLICT(name) DO NOTHING;
      INSERT INTO certificates(serial, issuer_id, lineage_id, profile, subject, pin,
        sha256_fingerprint, not_before, not_after, der, issued_at)
      VALUES ('$serial', (SELECT id FROM cas WHERE role = 'intermediate' AND key_path IS NOT NULL
          ORDER BY id DESC LIMIT 1), (SELECT id FROM lineages WHERE name = '$n'), 'server',
        'CN=$n.test', 'sha256/placeholder', 'placeholder', $now, $((now + 30*86400 + LEAF_SEQ)),
        x'00', $((now + LEAF_SEQ)));" || return 1
  fi
  openssl x509 -in "$T/$n.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'
}
