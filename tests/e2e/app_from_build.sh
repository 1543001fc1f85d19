# app_from_build: `pinca app add --from` reads the pins out of real app
# builds made with tools we did not write: an APK compiled by Debian's aapt
# from a manifest and a network security config (with the trust anchors in
# res/raw), the config's XML source and res/ directory, Info.plists written
# by Python's plistlib (XML and binary, NSPinnedDomains and TrustKit), and
# an IPA zipped by zip. The recorded pins must equal the ones put in; the
# iOS rule (CA and leaf both, when both are given) is enforced; and the pin
# guard then refuses a rotation that breaks a build, naming the release and
# the domain.
. "$(dirname "$0")/lib.sh"
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
for tool in aapt zip sqlite3; do command -v $tool >/dev/null || { echo "FAIL $tool is not installed (tools/deps.sh)"; finish; exit 1; }; done
[ -r "$FRAMEWORK" ] || { echo "FAIL $FRAMEWORK missing (Debian android-framework-res, tools/deps.sh)"; finish; exit 1; }

setup_ca || { echo "FAIL setup"; finish; exit 1; }
R1=sha256/$(spki_pin "$T/root.pem"); R2=sha256/$(spki_pin "$T/standby.pem")
"$PINCA" issue --name web --dns api.example.com --key-out "$T/web.key" --cert-out "$T/web.pem" --fullchain-out "$T/web-full.pem" \
  --chain-out "$T/web-chain.pem" "${PASS[@]}" >/dev/null
"$PINCA" issue --name cdn --dns cdn.example.com --key-out "$T/cdn.key" --cert-out "$T/cdn.pem" "${PASS[@]}" >/dev/null
LW=sha256/$(spki_pin "$T/web.pem"); LC=sha256/$(spki_pin "$T/cdn.pem")
RANDOM_PIN=sha256/$(head -c 32 /dev/urandom | base64)

# json_of RELEASE EXPR: evaluates a Python expression over the release `r`
# from app list --json (with pins sorted), prints the result.
release_is() { local rel=$1 expr=$2; "$PINCA" app list --json | "$PY" -c "
import sys, json
r = [x for x in json.load(sys.stdin) if x['name'] == '$rel'][0]
R1, R2, LW, LC = '$R1', '$R2', '$LW', '$LC'
def dom(name, platform): return [d for d in r['domains'] if d['domain'] == name and d['platform'] == platform][0]
ok = $expr
sys.exit(0 if ok else 1)"; }

# --- Android: the source XML and the APK aapt compiles from it ---
A=$T/android; mkdir -p "$A/res/xml" "$A/res/raw"
cp "$T/root.pem" "$A/res/raw/corp_root.pem"
openssl x509 -in "$T/standby.pem" -outform der -out "$A/res/raw/corp_standby.der"
cat >"$A/AndroidManifest.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.pinned">
  <application android:label="pinned" android:networkSecurityConfig="@xml/net_config"/>
</manifest>
EOF
cat >"$A/res/xml/net_config.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
  <base-config><trust-anchors><certificates src="system"/></trust-anchors></base-config>
  <domain-config>
    <domain includeSubdomains="true">api.example.com</domain>
    <trust-anchors>
      <certificates src="@raw/corp_root"/>
      <certificates src="@raw/corp_standby"/>
    </trust-anchors>
    <pin-set expiration="2099-12-31">
      <pin digest="SHA-256">${R1#sha256/}</pin>
      <pin digest="SHA-256">${R2#sha256/}</pin>
    </pin-set>
    <domain-config>
      <domain>cdn.example.com</domain>
      <pin-set><pin digest="SHA-256">${LC#sha256/}</pin><pin digest="SHA-256">${R2#sha256/}</pin></pin-set>
    </domain-config>
  </domain-config>
  <domain-config><domain>unpinned.example.com</domain></domain-config>
</network-security-config>
EOF
check "aapt compiles the APK" aapt package -f -M "$A/AndroidManifest.xml" -S "$A/res" -I "$FRAMEWORK" -F "$T/app.apk"
check "the APK holds the config as binary XML (aapt dump)" sh -c "aapt dump xmltree '$T/app.apk' res/xml/net_config.xml | grep -q 'E: pin-set'"
check "app add --from the APK" "$PINCA" app add android-1 --from "$T/app.apk"
check "the APK's pins per domain equal the ones put in" release_is android-1 "sorted(r['pins']) == sorted([R1, R2, LC]) and len(r['domains']) == 2 and \
sorted(dom('api.example.com', 'android')['pins']) == sorted([R1, R2]) and dom('api.example.com', 'android')['include_subdomains'] and \
dom('api.example.com', 'android')['expiration'] == '2099-12-31' and dom('api.example.com', 'android')['rule'] == 'any' and \
sorted(dom('cdn.example.com', 'android')['pins']) == sorted([LC, R2]) and not dom('cdn.example.com', 'android')['include_subdomains']"
check "the APK's trust anchors are the certificates in res/raw (PEM and DER)" release_is android-1 "\
sorted(a['pin'] for a in dom('api.example.com', 'android')['anchors']) == sorted([R1, R2]) and \
sorted(a['source'] for a in dom('api.example.com', 'android')['anchors']) == ['res/raw/corp_root.pem', 'res/raw/corp_standby.der'] and \
dom('cdn.example.com', 'android')['anchors'] == dom('api.example.com', 'android')['anchors'] and dom('api.example.com', 'android')['other_anchors'] == ''"
"$PY" -c "import zipfile; open('$T/compiled.bin', 'wb').write(zipfile.ZipFile('$T/app.apk').read('res/xml/net_config.xml'))"
check "app add --from the compiled config alone (binary XML out of the APK)" "$PINCA" app add android-bin --from "$T/compiled.bin"
check "... gives the APK's pins, its anchors unread" release_is android-bin "sorted(dom('api.example.com', 'android')['pins']) == sorted([R1, R2]) and \
dom('api.example.com', 'android')['other_anchors'] == 'unread' and sorted(dom('cdn.example.com', 'android')['pins']) == sorted([LC, R2])"
# aapt2 writes UTF-8 string pools where Debian's aapt writes UTF-16: the
# same compiled config with its pool rewritten as UTF-8 reads the same.
"$PY" - "$T/compiled.bin" "$T/compiled-utf8.bin" <<'EOF'
import struct, sys
# Rewrites the string pool of an Android binary XML file as UTF-8 (the form
# aapt2 writes), leaving every other chunk as it is.
d = open(sys.argv[1], 'rb').read()
t, h, size = struct.unpack('<HHI', d[:8])
p = h
pt, ph, ps = struct.unpack('<HHI', d[p:p + 8])
cnt, scnt, flags, sstart, stystart = struct.unpack('<IIIII', d[p + 8:p + 28])
offs = struct.unpack('<%dI' % cnt, d[p + ph:p + ph + 4 * cnt])
strs = []
for o in offs:
    q = p + sstart + o
    n = struct.unpack('<H', d[q:q + 2])[0]
    strs.append(d[q + 2:q + 2 + 2 * n].decode('utf-16-le'))
def enc_len(n): return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xff])
data, noffs = b'', []
for s in strs:
    b = s.encode('utf-8')
    noffs.append(len(data))
    data += enc_len(len(s)) + enc_len(len(b)) + b + b'\0'
while len(data) % 4: data += b'\0'
hdr_len = 28 + 4 * cnt
pool = struct.pack('<HHIIIIII', 1, 28, hdr_len + len(data), cnt, 0, flags | 0x100, hdr_len, 0)
pool += struct.pack('<%dI' % cnt, *noffs) + data
rest = d[p + ps:size]
out = d[:8] + pool + rest
out = struct.pack('<HHI', t, h, len(out)) + out[8:]
open(sys.argv[2], 'wb').write(out)
EOF
check "app add --from the compiled config with a UTF-8 string pool" "$PINCA" app add android-utf8 --from "$T/compiled-utf8.bin"
check "... gives the same domains as the UTF-16 one" sh -c "[ \"\$('$PINCA' app list --json | '$PY' -c '
import sys, json
rs = {x[\"name\"]: x[\"domains\"] for x in json.load(sys.stdin)}
print(rs[\"android-utf8\"] == rs[\"android-bin\"])')\" = True ]"
check "app add --from the source XML in res/xml reads res/raw too" "$PINCA" app add android-src --from "$A/res/xml/net_config.xml"
check "the source gives the same domains as the APK" sh -c "[ \"\$('$PINCA' app list --json | '$PY' -c '
import sys, json
rs = {x[\"name\"]: x[\"domains\"] for x in json.load(sys.stdin)}
print(rs[\"android-src\"] == rs[\"android-1\"])')\" = True ]"
check "app add --from the res directory" "$PINCA" app add android-res --from "$A/res"
cp "$A/res/xml/net_config.xml" "$T/lone.xml"
check "a config outside res/ is read without its anchors" "$PINCA" app add android-lone --from "$T/lone.xml"
check "... and says the anchors were not read" release_is android-lone "dom('api.example.com', 'android')['anchors'] == [] and dom('api.example.com', 'android')['other_anchors'] == 'unread'"

# pinca's own Android output reads back.
mkdir -p "$T/own/res/xml" "$T/own/res/raw"
"$PINCA" pins --format android --domain own.example.com --expiration 2099-01-01 --raw-dir "$T/own/res/raw" --out "$T/own/res/xml/network_security_config.xml"
check "pinca's own --format android reads back" "$PINCA" app add own-android --from "$T/own/res"
check "... with its pins and anchors" release_is own-android "sorted(dom('own.example.com', 'android')['pins']) == sorted([R1, R2]) and \
sorted(a['pin'] for a in dom('own.example.com', 'android')['anchors']) == sorted([R1, R2])"

# --- iOS: Info.plist written by plistlib, XML and binary, and an IPA ---
mkplist() { "$PY" -c "
import plistlib, sys
R1, R2, LW, LC = '$R1'[7:], '$R2'[7:], '$LW'[7:], '$LC'[7:]
doc = {'CFBundleIdentifier': 'com.example.pinned', 'NSAppTransportSecurity': {'NSPinnedDomains': {
  'api.example.com': {'NSIncludesSubdomains': True,
    'NSPinnedCAIdentities': [{'SPKI-SHA256-BASE64': R1}, {'SPKI-SHA256-BASE64': R2}],
    'NSPinnedLeafIdentities': [{'SPKI-SHA256-BASE64': LW}]},
  'cdn.example.com': {'NSPinnedCAIdentities': [{'SPKI-SHA256-BASE64': R1}, {'SPKI-SHA256-BASE64': R2}]}}},
  'TSKConfiguration': {'TSKPinnedDomains': {'tk.example.com': {'TSKPublicKeyHashes': [R1, R2],
    'TSKIncludeSubdomains': True, 'TSKExpirationDate': '2099-06-30'},
    'report-only.example.com': {'TSKEnforcePinning': False, 'TSKPublicKeyHashes': [R1, R2]}}}}
$1
open(sys.argv[1], 'wb').write(plistlib.dumps(doc, fmt=plistlib.FMT_${2:-XML}))" "$3"; }
mkplist "" XML "$T/Info.plist"
mkplist "" BINARY "$T/Info.bplist"
check "app add --from an XML Info.plist" "$PINCA" app add ios-xml --from "$T/Info.plist"
check "its NSPinnedDomains and TrustKit pins equal the ones put in" release_is ios-xml "\
sorted(dom('api.example.com', 'ios')['ca_pins']) == sorted([R1, R2]) and dom('api.example.com', 'ios')['leaf_pins'] == [LW] and \
dom('api.example.com', 'ios')['rule'] == 'ca-and-leaf' and dom('api.example.com', 'ios')['include_subdomains'] and \
dom('cdn.example.com', 'ios')['rule'] == 'any' and sorted(dom('cdn.example.com', 'ios')['ca_pins']) == sorted([R1, R2]) and \
sorted(dom('tk.example.com', 'trustkit')['pins']) == sorted([R1, R2]) and dom('tk.example.com', 'trustkit')['expiration'] == '2099-06-30' and \
len(r['domains']) == 3 and sorted(r['pins']) == sorted([R1, R2, LW])"
check "app add --from a binary Info.plist" "$PINCA" app add ios-bin --from "$T/Info.bplist"
mkdir -p "$T/ipa/Payload/Pinned.app/Frameworks/X.framework"
cp "$T/Info.bplist" "$T/ipa/Payload/Pinned.app/Info.plist"
mkplist "doc = {'NSAppTransportSecurity': {'NSPinnedDomains': {'other.example.com': {'NSPinnedCAIdentities': [{'SPKI-SHA256-BASE64': R1}]}}}}" XML "$T/ipa/Payload/Pinned.app/Frameworks/X.framework/Info.plist"
(cd "$T/ipa" && zip -qr "$T/app.ipa" Payload)
check "app add --from an IPA and the APK: one release for both platforms" "$PINCA" app add both-1 --from "$T/app.ipa" --from "$T/app.apk"
check "the combined release has the iOS and the Android domains, not the framework's" release_is both-1 "\
len(r['domains']) == 5 and sorted(r['pins']) == sorted([R1, R2, LW, LC]) and \
dom('api.example.com', 'ios')['leaf_pins'] == [LW] and sorted(dom('api.example.com', 'android')['pins']) == sorted([R1, R2]) and \
all(d['satisfied_today'] for d in r['domains']) and r['matches_served_chain']"
check "the binary and the XML plist give the same domains" sh -c "[ \"\$('$PINCA' app list --json | '$PY' -c '
import sys, json
rs = {x[\"name\"]: x[\"domains\"] for x in json.load(sys.stdin)}
print(rs[\"ios-xml\"] == rs[\"ios-bin\"])')\" = True ]"
"$PINCA" pins --format ios --domain own.example.com --out "$T/own-ios.plist"
"$PINCA" pins --format trustkit --domain own.example.com --expiration 2099-01-01 --out "$T/own-tk.plist"
check "pinca's own --format ios and trustkit read back" "$PINCA" app add own-ios --from "$T/own-ios.plist" --from "$T/own-tk.plist"
check "... with their pins" release_is own-ios "sorted(dom('own.example.com', 'ios')['ca_pins']) == sorted([R1, R2]) and \
sorted(dom('own.example.com', 'trustkit')['pins']) == sorted([R1, R2]) and dom('own.example.com', 'trustkit')['expiration'] == '2099-01-01'"

# --- the iOS rule: with CA and leaf identities, both must match ---
mkplist "doc['NSAppTransportSecurity']['NSPinnedDomains']['api.example.com']['NSPinnedLeafIdentities'] = [{'SPKI-SHA256-BASE64': '${RANDOM_PIN#sha256/}'}]; del doc['TSKConfiguration']" XML "$T/wrong-leaf.plist"
before=$(state_of; sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM app_releases; SELECT count(*) FROM app_domains; SELECT count(*) FROM app_domain_pins")
refuse "a CA pin that matches does not save a leaf pin that does not (iOS)" 3 "release 'ios-bad' fails for domain api.example.com .*ca-and-leaf" \
  "$PINCA" app add ios-bad --from "$T/wrong-leaf.plist"
check "the refused release left nothing behind" test "$before" = "$(state_of; sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM app_releases; SELECT count(*) FROM app_domains; SELECT count(*) FROM app_domain_pins")"
"$PINCA" app add ios-forced --force --from "$T/wrong-leaf.plist" >/dev/null 2>"$T/forced.err"
check "--force records it with a warning naming the domain" grep -q "warning: --force: release 'ios-forced' fails for domain api.example.com" "$T/forced.err"
check "app show says the domain fails today" sh -c "'$PINCA' app show ios-forced | grep -A6 '^domain api.example.com' | grep -q 'today: FAILS'"
check "app retire ios-forced" "$PINCA" app retire ios-forced

# --- app show ---
"$PINCA" app show both-1 >"$T/show.txt"
check "app show prints each domain with its rule and today's verdict" sh -c "grep -q '^domain api.example.com' '$T/show.txt' &&
  grep -q 'platform ios, rule ca-and-leaf' '$T/show.txt' && grep -q 'today: satisfied by the chain of lineage web' '$T/show.txt' &&
  grep -q 'leaf pin $LW' '$T/show.txt' && grep -q 'pins expire 2099-12-31' '$T/show.txt'"
check "app show --json: after the standby rotation the iOS leaf+CA domain still holds (R2 is pinned)" sh -c "'$PINCA' app show both-1 --json | '$PY' -c '
import sys, json
d = json.load(sys.stdin)
v = {(x[\"domain\"], x[\"platform\"]): (x[\"satisfied_today\"], x[\"satisfied_after_rotation\"]) for x in d[\"domains\"]}
assert v[(\"api.example.com\", \"ios\")] == (True, True), v
assert v[(\"cdn.example.com\", \"android\")] == (True, True), v'"

# --- verify judges a served chain per domain, by the platform's rule ---
"$PINCA" verify --chain "$T/web-full.pem" --host api.example.com >"$T/v.out" 2>&1
check "verify: the iOS build accepts the web chain for api.example.com under ca-and-leaf" \
  grep -q "^ok   pins: app release 'both-1' (ios) accepts this chain for api.example.com (rule ca-and-leaf)" "$T/v.out"
check "verify: the Android build of the same release accepts it too" \
  grep -q "^ok   pins: app release 'both-1' (android) accepts this chain for api.example.com (rule any)" "$T/v.out"
check "verify: the cdn rules are not judged against the api chain" sh -c "! grep -q \"both-1.*cdn.example.com\" '$T/v.out'"
"$PINCA" issue --name web2 --dns api.example.com --key-out "$T/web2.key" --cert-out "$T/web2.pem" --fullchain-out "$T/web2-full.pem" "${PASS[@]}" >/dev/null
"$PINCA" verify --chain "$T/web2-full.pem" --host api.example.com >"$T/v2.out" 2>&1
check "verify: a chain with another leaf key fails the iOS ca-and-leaf rule though its CA pins match" \
  grep -q "^FAIL pins: app release 'both-1' (ios) refuses this chain for api.example.com" "$T/v2.out"
check "verify: ... while the Android any-of rule accepts it" \
  grep -q "^ok   pins: app release 'both-1' (android) accepts this chain for api.example.com" "$T/v2.out"

# --- app show --connect: the chain a live server sends (openssl s_server) ---
"$PINCA" issue --name web3 --dns api.example.com --key-out "$T/web3.key" --cert-out "$T/web3.pem" --chain-out "$T/web3-chain.pem" "${PASS[@]}" >/dev/null
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serve() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  openssl s_server -accept "127.0.0.1:$PORT" -cert "$1" -key "$2" -cert_chain "$3" -www -quiet >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && return 0; sleep 0.1; done
  return 1; }
check "s_server serves the web chain (leaf + intermediate, no root)" serve "$T/web.pem" "$T/web.key" "$T/web-chain.pem"
check "app show --connect: the served chain satisfies the iOS and Android rules for api.example.com" sh -c "'$PINCA' app show both-1 --json \
  --connect 127.0.0.1:$PORT --servername api.example.com | '$PY' -c '
import sys, json
v = {(x[\"domain\"], x[\"platform\"]): x[\"satisfied_by_connect\"] for x in json.load(sys.stdin)[\"domains\"]}
assert v[(\"api.example.com\", \"ios\")] is True and v[(\"api.example.com\", \"android\")] is True, v
assert v[(\"cdn.example.com\", \"ios\")] is None, v'"
check "s_server now serves another key for api.example.com" serve "$T/web3.pem" "$T/web3.key" "$T/web3-chain.pem"
"$PINCA" app show both-1 --connect "127.0.0.1:$PORT" --servername api.example.com >"$T/live.txt"
check "app show --connect: the iOS ca-and-leaf domain FAILS the live chain, Android still passes" sh -c "
  grep -A8 '^domain api.example.com' '$T/live.txt' | grep -A7 'platform ios' | grep -q 'served by 127.0.0.1:$PORT (api.example.com) now: FAILS' &&
  grep -A8 'platform android' '$T/live.txt' | grep -q 'served by 127.0.0.1:$PORT (api.example.com) now: satisfied'"
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
refuse "app show --connect to a closed port is one line" 1 "cannot connect" "$PINCA" app show both-1 --connect "127.0.0.1:$PORT"

# --- the guard, per domain ---
# The iOS build pins the web leaf AND the roots for api.example.com: a new
# web key breaks it, though its CA pins still match.
before=$(state_of)
refuse "a new key for web breaks the iOS build (leaf and CA both required), naming release and domain" 3 \
  "app release 'ios-xml' for domain api.example.com" "$PINCA" renew web --new-key "${PASS[@]}"
check "the refused renewal changed nothing" test "$before" = "$(state_of)"
# The APK pins the cdn leaf and the standby for cdn.example.com: a new cdn
# key leaves it with the primary served, which it does not pin.
refuse "a new key for cdn breaks the APK's cdn.example.com, naming release and domain" 3 \
  "app release 'android-1' for domain cdn.example.com" "$PINCA" renew cdn --new-key "${PASS[@]}"
check "retire the leaf-pinning releases" sh -c "for r in ios-xml ios-bin both-1 android-1 android-bin android-utf8 android-src android-res android-lone; do '$PINCA' app retire \$r >/dev/null || exit 1; done"
check "with them retired, web and cdn rotate their keys" sh -c "'$PINCA' renew web --new-key ${PASS[*]} >/dev/null && '$PINCA' renew cdn --new-key ${PASS[*]} >/dev/null"
# A build that pins both roots but ships only the primary's certificate as
# its trust anchor: the standby move keeps a pin but loses the anchor.
B=$T/anchored; mkdir -p "$B/res/xml" "$B/res/raw"; cp "$T/root.pem" "$B/res/raw/only_primary.pem"
cat >"$B/res/xml/network_security_config.xml" <<EOF
<network-security-config><domain-config><domain>api.example.com</domain>
<trust-anchors><certificates src="@raw/only_primary"/></trust-anchors>
<pin-set><pin digest="SHA-256">${R1#sha256/}</pin><pin digest="SHA-256">${R2#sha256/}</pin></pin-set></domain-config></network-security-config>
EOF
check "an Android build whose only trust anchor is the primary" "$PINCA" app add anchored --from "$B/res"
check "app show: after the standby move its pins still match but its anchor does not" sh -c "'$PINCA' app show anchored | grep -q 'after the next rotation: FAILS'"
before=$(state_of)
refuse "the standby move is refused for its anchor, naming release and domain" 3 \
  "app release 'anchored' for domain api.example.com" "$PINCA" ca activate standby "${PASS[@]}"
check "the refused move changed nothing" test "$before" = "$(state_of)"
check "retire it" "$PINCA" app retire anchored
# A build that pins only the primary for one domain blocks the standby move.
cat >"$T/primary-only.xml" <<EOF
<network-security-config><domain-config><domain>api.example.com</domain>
<pin-set><pin digest="SHA-256">${R1#sha256/}</pin></pin-set></domain-config>
<domain-config><domain>cdn.example.com</domain>
<pin-set><pin digest="SHA-256">${R1#sha256/}</pin><pin digest="SHA-256">${R2#sha256/}</pin></pin-set></domain-config></network-security-config>
EOF
check "an Android build pinning only the primary for api.example.com" "$PINCA" app add primary-only --from "$T/primary-only.xml"
check "app show sees that the next rotation breaks api.example.com only" sh -c "'$PINCA' app show primary-only --json | '$PY' -c '
import sys, json
v = {x[\"domain\"]: x[\"satisfied_after_rotation\"] for x in json.load(sys.stdin)[\"domains\"]}
assert v == {\"api.example.com\": False, \"cdn.example.com\": True}, v'"
before=$(state_of)
refuse "moving to the standby root is refused, naming release and domain" 3 \
  "app release 'primary-only' for domain api.example.com" "$PINCA" ca activate standby "${PASS[@]}"
check "the refused move changed nothing" test "$before" = "$(state_of)"
check "the releases still load through app list (old --pin releases too)" sh -c "'$PINCA' app add old-style --pin '$R1' >/dev/null && '$PINCA' app list >/dev/null"
check "app add is audited with the domains" sh -c "sqlite3 '$PINCA_DIR/pinca.db' \"SELECT objects FROM audit WHERE action = 'app.add' AND objects LIKE '%primary-only%'\" | grep -q 'api.example.com'"
finish
