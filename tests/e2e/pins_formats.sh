# pins_formats: `pinca pins` writes ready-to-paste configuration for every
# mobile stack. Each output is parsed with a real parser (xml.etree,
# plistlib, json) and every pin is checked against openssl's own SPKI hash.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; finish; exit 1; }
R1=$(spki_pin "$T/root.pem"); R2=$(spki_pin "$T/standby.pem")
EXP=$(date -u -d '+400 days' +%Y-%m-%d)
mkdir -p "$T/raw"

# --- Android ---
check "android config written" "$PINCA" pins --format android --domain API.Example.com --domain cdn.example.com \
  --include-subdomains --expiration "$EXP" --raw-dir "$T/raw" --out "$T/nsc.xml"
check "android XML: domains, anchors, pin-set with both pins" "$PY" - "$T/nsc.xml" "$R1" "$R2" "$EXP" <<'EOF'
import sys, xml.etree.ElementTree as ET
path, r1, r2, exp = sys.argv[1:]
root = ET.parse(path).getroot()
assert root.tag == "network-security-config", root.tag
dc = root.findall("domain-config"); assert len(dc) == 1
doms = dc[0].findall("domain")
assert [d.text for d in doms] == ["api.example.com", "cdn.example.com"], [d.text for d in doms]
assert all(d.get("includeSubdomains") == "true" for d in doms)
srcs = [c.get("src") for c in dc[0].find("trust-anchors").findall("certificates")]
assert srcs == ["@raw/pinca_root", "@raw/pinca_standby"], srcs
ps = dc[0].find("pin-set"); assert ps.get("expiration") == exp
pins = [(p.get("digest"), p.text) for p in ps.findall("pin")]
assert pins == [("SHA-256", r1), ("SHA-256", r2)], pins
# CT off for the pinned domains (Android 16+), explicitly and once.
ct = dc[0].findall("certificateTransparency")
assert len(ct) == 1 and ct[0].attrib == {"enabled": "false"}, [c.attrib for c in ct]
assert root.find("base-config") is None
EOF
check "raw resource is the primary root, PEM, nothing else" sh -c "
  [ \$(grep -c 'BEGIN CERTIFICATE' '$T/raw/pinca_root.pem') = 1 ] &&
  [ \$(grep -vc -e '^[A-Za-z0-9+/=]*\$' -e '^-----' '$T/raw/pinca_root.pem') = 0 ] &&
  [ \"\$(openssl x509 -in '$T/raw/pinca_root.pem' -noout -fingerprint -sha256)\" = \"\$(openssl x509 -in '$T/root.pem' -noout -fingerprint -sha256)\" ]"
check "raw resource of the standby root matches it" sh -c "
  [ \"\$(openssl x509 -in '$T/raw/pinca_standby.pem' -noout -fingerprint -sha256)\" = \"\$(openssl x509 -in '$T/standby.pem' -noout -fingerprint -sha256)\" ]"
check "android without expiration has a plain pin-set" sh -c "'$PINCA' pins --format android --domain a.example | '$PY' -c '
import sys, xml.etree.ElementTree as ET
ps = ET.fromstring(sys.stdin.read()).find(\"domain-config/pin-set\")
assert ps is not None and ps.get(\"expiration\") is None and len(ps) == 2'"

# --- iOS --- (the anchors an app bundles are DER: SecCertificateCreateWithData)
mkdir -p "$T/der"
check "--raw-der writes the roots as DER files" "$PINCA" pins --format ios --domain api.example.com --raw-dir "$T/der" --raw-der
check "the DER primary root is exactly the root certificate" sh -c "openssl x509 -in '$T/root.pem' -outform der | cmp -s - '$T/der/pinca_root.der'"
check "the DER standby root is exactly the standby certificate" sh -c "openssl x509 -in '$T/standby.pem' -outform der | cmp -s - '$T/der/pinca_standby.der'"
check "Python's cryptography reads them as DER with the pinned keys" "$PY" - "$T/der" "$R1" "$R2" <<'EOF'
import base64, hashlib, sys
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
d, r1, r2 = sys.argv[1:]
for name, pin in (("pinca_root", r1), ("pinca_standby", r2)):
    c = x509.load_der_x509_certificate(open(f"{d}/{name}.der", "rb").read())
    spki = c.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert base64.b64encode(hashlib.sha256(spki).digest()).decode() == pin, name
EOF
check "and no PEM files beside them" sh -c "[ -z \"\$(ls '$T/der' | grep -v '\\.der\$')\" ]"
refuse "--raw-der without --raw-dir" 2 "give --raw-dir DIR too" "$PINCA" pins --raw-der

# --- iOS ---
check "ios plist: NSPinnedDomains, lowercase keys, CA identities" sh -c "'$PINCA' pins --format ios --domain API.Example.com --include-subdomains | '$PY' -c '
import sys, plistlib
d = plistlib.loads(sys.stdin.buffer.read())[\"NSAppTransportSecurity\"][\"NSPinnedDomains\"]
assert list(d) == [\"api.example.com\"], list(d)
e = d[\"api.example.com\"]
assert e[\"NSIncludesSubdomains\"] is True
got = [i[\"SPKI-SHA256-BASE64\"] for i in e[\"NSPinnedCAIdentities\"]]
assert got == [\"$R1\", \"$R2\"], got'"
"$PINCA" pins --format ios --domain a.example >"$T/ios.plist" 2>/dev/null
check "ios notes: one extra label, and the root is not made trusted" sh -c "
  grep -q 'ONE extra label' '$T/ios.plist' && grep -q 'do not make the private root trusted' '$T/ios.plist'"

# --- TrustKit ---
check "trustkit plist: TSKConfiguration with enforce, subdomains, expiry, hashes" sh -c "'$PINCA' pins --format trustkit --domain app.example.com --include-subdomains --expiration $EXP | '$PY' -c '
import sys, plistlib
c = plistlib.loads(sys.stdin.buffer.read())[\"TSKConfiguration\"]
d = c[\"TSKPinnedDomains\"][\"app.example.com\"]
assert d[\"TSKEnforcePinning\"] is True and d[\"TSKIncludeSubdomains\"] is True
assert d[\"TSKDisableDefaultReportUri\"] is True and d[\"TSKExpirationDate\"] == \"$EXP\"
assert d[\"TSKPublicKeyHashes\"] == [\"$R1\", \"$R2\"], d[\"TSKPublicKeyHashes\"]'"

# --- OkHttp ---
"$PINCA" pins --format okhttp --domain Api.Example.com --include-subdomains >"$T/pinner.kt" 2>/dev/null
check "okhttp: one add() per pin with **.domain" sh -c "
  grep -qF '.add(\"**.api.example.com\", \"sha256/$R1\")' '$T/pinner.kt' &&
  grep -qF '.add(\"**.api.example.com\", \"sha256/$R2\")' '$T/pinner.kt' && grep -q 'TrustManager' '$T/pinner.kt'"

# --- HPKP, JSON, text ---
"$PINCA" pins --format hpkp >"$T/hpkp" 2>/dev/null
check "hpkp header value: both pins, max-age" "$PY" -c '
import sys
v = open(sys.argv[1]).read().strip()
assert v == "pin-sha256=\"%s\"; pin-sha256=\"%s\"; max-age=5184000" % (sys.argv[2], sys.argv[3]), v' "$T/hpkp" "$R1" "$R2"
"$PINCA" pins --format hpkp --include-subdomains --expiration "$(date -u -d '+2 days' +%Y-%m-%d)" >"$T/hpkp2" 2>/dev/null
check "hpkp max-age follows --expiration" "$PY" -c '
import sys, re
v = open(sys.argv[1]).read().strip()
m = re.search(r"; max-age=([0-9]+); includeSubDomains$", v)
assert m and 86400 < int(m.group(1)) <= 2 * 86400, v' "$T/hpkp2"
check "json lists both pins" sh -c "'$PINCA' pins --format json | '$PY' -c '
import sys, json
d = json.load(sys.stdin)
assert [p[\"pin\"] for p in d[\"pins\"]] == [\"sha256/$R1\", \"sha256/$R2\"]
assert [p[\"role\"] for p in d[\"pins\"]] == [\"root\", \"standby\"]'"
check "text lists both pins" sh -c "'$PINCA' pins | cut -f1 | tr '\n' ' ' | grep -qx 'sha256/$R1 sha256/$R2 '"

# --- leaf pins: curl ---
check "issue a leaf" "$PINCA" issue --name web --dns localhost --key-out "$T/web.key" --cert-out "$T/web.pem" "${PASS[@]}"
LEAF=$(spki_pin "$T/web.pem")
check "curl --pinnedpubkey carries the leaf pin" sh -c "'$PINCA' pins --format curl --leaf web | grep -qxF -- '--pinnedpubkey \"sha256//$LEAF\"'"
refuse "curl without --leaf is refused" 2 "curl --pinnedpubkey pins the server's own key" "$PINCA" pins --format curl
refuse "a single leaf pin is refused for android" 3 "backup pin" "$PINCA" pins --format android --domain a.example --leaf web
refuse "a single leaf pin is refused for trustkit" 3 "backup pin" "$PINCA" pins --format trustkit --domain a.example --leaf web
refuse "a single leaf pin is refused for hpkp" 3 "backup pin" "$PINCA" pins --format hpkp --leaf web
refuse "unknown lineage" 1 "no lineage 'nope'" "$PINCA" pins --format curl --leaf nope

# --- bad input changes nothing ---
refuse "expiration in the past" 2 "not in the future" "$PINCA" pins --format android --domain a.example --expiration 2020-01-01
refuse "expiration today" 2 "not in the future" "$PINCA" pins --format android --domain a.example --expiration "$(date -u +%Y-%m-%d)"
refuse "expiration malformed" 2 "not a date" "$PINCA" pins --format android --domain a.example --expiration 01/02/2030
refuse "expiration not a calendar date" 2 "not a calendar date" "$PINCA" pins --format trustkit --domain a.example --expiration 2031-02-30
refuse "wildcard domain" 2 "not a DNS name" "$PINCA" pins --format ios --domain '*.example.com'
refuse "android needs a domain" 2 "needs at least one --domain" "$PINCA" pins --format android
refuse "unknown format" 2 "unknown --format" "$PINCA" pins --format yaml
refuse "bad raw resource name" 2 "resource names" "$PINCA" pins --format android --domain a.example --raw-name Bad-Name
refuse "out into a missing directory" 1 "" "$PINCA" pins --format android --domain a.example --out "$T/nope/nsc.xml"
check "a refused command wrote no file" test ! -e "$T/nope"

# --- names that need escaping stay well-formed ---
export PINCA_DIR=$T/odd
"$PINCA" init >/dev/null && "$PINCA" ca root --cn 'Odd <Root> & "Co" -- R1' --standby-cn "Odd's -- R2" "${PASS[@]}" >/dev/null
check "android XML escapes odd root names" sh -c "'$PINCA' pins --format android --domain a.example | '$PY' -c 'import sys, xml.etree.ElementTree as ET; ET.fromstring(sys.stdin.read())'"
check "ios plist escapes odd root names" sh -c "'$PINCA' pins --format ios --domain a.example | '$PY' -c 'import sys, plistlib; plistlib.loads(sys.stdin.buffer.read())'"
check "trustkit plist escapes odd root names" sh -c "'$PINCA' pins --format trustkit --domain a.example | '$PY' -c 'import sys, plistlib; plistlib.loads(sys.stdin.buffer.read())'"
check "okhttp keeps odd names inside comments" sh -c "[ \$('$PINCA' pins --format okhttp --domain a.example | grep -c '^    .add(') = 2 ]"

finish
