# app_hostile_builds: `pinca app add --from` with hostile or broken builds.
# A zip bomb, path-traversal entries, malformed binary XML and plists, a
# plist nested 10,000 deep (XML and binary), a binary plist whose shared
# objects multiply, an XML entity bomb, 100 MB of pins, too many pins, and
# builds that pin nothing: each is refused with one `pinca: ` line and exit
# 1, within a time limit and a memory ceiling, and the database is left as
# it was. The archives are made with Python's zipfile (the zip tool refuses
# to store a "../" name), the plists with plistlib.
. "$(dirname "$0")/lib.sh"

FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
setup_ca || { echo "FAIL setup"; finish; exit 1; }
R1=$(spki_pin "$T/root.pem"); R2=$(spki_pin "$T/standby.pem")
MAX_RSS_KB=300000

# bounded NAME CMD...: refuse (exit 1, one line) within 20 s and MAX_RSS_KB.
bounded() { local name=$1 pat=$2; shift 2
  refuse "$name" 1 "$pat" "$PY" -c '
import resource, subprocess, sys, time
t = time.time()
p = subprocess.run(sys.argv[1:], timeout=20)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if rss > '"$MAX_RSS_KB"' or time.time() - t > 20:
    print(f"pinca: unbounded: {rss} kB, {time.time() - t:.1f} s (test harness)", file=sys.stderr); sys.exit(9)
sys.exit(p.returncode)' "$@"; }

db_state() { state_of; sqlite3 "$PINCA_DIR/pinca.db" "SELECT count(*) FROM app_releases; SELECT count(*) FROM app_pins; SELECT count(*) FROM app_domains; SELECT count(*) FROM app_domain_pins"; }
before=$(db_state)

# A good network security config and APK to corrupt.
A=$T/a; mkdir -p "$A/res/xml"
cat >"$A/res/xml/network_security_config.xml" <<EOF
<network-security-config><domain-config><domain>api.example.com</domain>
<pin-set><pin digest="SHA-256">$R1</pin><pin digest="SHA-256">$R2</pin></pin-set></domain-config></network-security-config>
EOF
printf '%s\n' '<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.h">' \
  '<application android:networkSecurityConfig="@xml/network_security_config"/></manifest>' >"$A/AndroidManifest.xml"
aapt package -f -M "$A/AndroidManifest.xml" -S "$A/res" -I "$FRAMEWORK" -F "$T/good.apk" || echo "FAIL aapt"

# rezip SRC DST NAME PYEXPR: copies the archive, replacing entry NAME by the
# bytes PYEXPR evaluates to (data: the original bytes), or adding it.
rezip() { "$PY" - "$@" <<'EOF'
import sys, zipfile
src, dst, name, expr = sys.argv[1:5]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zo:
    found = False
    for i in zi.infolist():
        data = zi.read(i.filename)
        if i.filename == name:
            data, found = eval(expr), True
        zo.writestr(i.filename, data)
    if not found:
        data = b''
        zo.writestr(name, eval(expr))
EOF
}

# --- zip archives ---
"$PY" -c "
import zipfile
with zipfile.ZipFile('$T/bomb.ipa', 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    with z.open('Payload/Bomb.app/Info.plist', 'w', force_zip64=True) as f:
        chunk = b' ' * (1 << 20)
        for _ in range(256): f.write(chunk)"
check "the zip bomb is small on disk (256 MB inflated)" test "$(stat -c %s "$T/bomb.ipa")" -lt 1000000
bounded "a zip bomb (an Info.plist inflating to 256 MB)" "inflates to more than" "$PINCA" app add bomb --from "$T/bomb.ipa"
rezip "$T/good.apk" "$T/bomb.apk" AndroidManifest.xml "data + b'\\0' * (300 << 20)"
bounded "a zip bomb in an APK's manifest" "inflates to more than" "$PINCA" app add bomb2 --from "$T/bomb.apk"
rezip "$T/good.apk" "$T/trav.apk" "../../etc/evil" "b'x'"
bounded "an APK with a ../ entry" "unsafe name" "$PINCA" app add trav --from "$T/trav.apk"
"$PY" -c "
import zipfile
with zipfile.ZipFile('$T/trav.ipa', 'w') as z:
    z.writestr('Payload/A.app/Info.plist', open('$T/good.apk', 'rb').read()[:10])
    z.writestr('/abs/path', b'x')"
bounded "an IPA with an absolute entry" "unsafe name" "$PINCA" app add trav2 --from "$T/trav.ipa"
head -c $(($(stat -c %s "$T/good.apk") / 2)) "$T/good.apk" >"$T/cut.apk"
bounded "a truncated APK" "not a readable zip archive" "$PINCA" app add cut --from "$T/cut.apk"

# --- Android binary XML ---
rezip "$T/good.apk" "$T/badxml.apk" res/xml/network_security_config.xml "data[:len(data) // 2]"
bounded "a truncated binary XML config" "malformed binary XML" "$PINCA" app add bad --from "$T/badxml.apk"
rezip "$T/good.apk" "$T/badxml2.apk" res/xml/network_security_config.xml "data[:8] + bytes((b ^ 0x5a) for b in data[8:])"
bounded "a scrambled binary XML config" "malformed binary XML|root element|refused" "$PINCA" app add bad --from "$T/badxml2.apk"
rezip "$T/good.apk" "$T/badman.apk" AndroidManifest.xml "b'\\x03\\x00\\x08\\x00\\xff\\xff\\xff\\x7f' + data[8:]"
bounded "a manifest whose chunk size lies" "malformed binary XML" "$PINCA" app add bad --from "$T/badman.apk"
printf '%s\n' '<manifest package="x"><application/></manifest>' >"$A/AndroidManifest.xml"
aapt package -f -M "$A/AndroidManifest.xml" -S "$A/res" -I "$FRAMEWORK" -F "$T/nonsc.apk"
bounded "an APK without a network security config pins nothing" "pins nothing" "$PINCA" app add none --from "$T/nonsc.apk"

# --- XML ---
printf '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>\n<network-security-config><domain-config><domain>&g;</domain><pin-set><pin digest="SHA-256">%s</pin></pin-set></domain-config></network-security-config>\n' "$R1" >"$T/laughs.xml"
bounded "an XML entity bomb" "DOCTYPE|entity" "$PINCA" app add laughs --from "$T/laughs.xml"
printf '<network-security-config><domain-config><domain>x</domain><pin-set><pin digest="SHA-256">%s</pin>' "$R1" >"$T/open.xml"
bounded "an unterminated network security config" "malformed XML" "$PINCA" app add open --from "$T/open.xml"
"$PY" -c "
import sys
with open('$T/pins100m.xml', 'w') as f:
    f.write('<network-security-config><domain-config><domain>api.example.com</domain><pin-set>')
    line = '<pin digest=\"SHA-256\">$R1</pin>\n'
    f.write(line * (100_000_000 // len(line)))
    f.write('</pin-set></domain-config></network-security-config>')"
bounded "100 MB of pins" "larger than" "$PINCA" app add big --from "$T/pins100m.xml"
"$PY" -c "
import base64, os
with open('$T/pins3m.xml', 'w') as f:
    f.write('<network-security-config><domain-config><domain>api.example.com</domain><pin-set>')
    for i in range(2000): f.write('<pin digest=\"SHA-256\">%s</pin>' % base64.b64encode(os.urandom(32)).decode())
    f.write('<pin digest=\"SHA-256\">$R1</pin></pin-set></domain-config></network-security-config>')"
bounded "2,000 pins (more than the 1,024 a build may carry)" "more than 1024 pins" "$PINCA" app add many --from "$T/pins3m.xml"
"$PY" -c "print('<network-security-config>' + '<domain-config>' * 10000 + '</domain-config>' * 10000 + '</network-security-config>')" >"$T/deep.xml"
bounded "a network security config nested 10,000 deep" "deeper than|malformed XML" "$PINCA" app add deep3 --from "$T/deep.xml"
printf '<network-security-config><domain-config><domain>api.example.com</domain></domain-config></network-security-config>\n' >"$T/nopins.xml"
bounded "a config without a pin-set pins nothing" "pins nothing" "$PINCA" app add none3 --from "$T/nopins.xml"
printf '<network-security-config><domain-config><domain>api.example.com</domain><pin-set><pin digest="SHA-1">%s</pin></pin-set></domain-config></network-security-config>\n' "$R1" >"$T/sha1.xml"
bounded "a SHA-1 pin" "SHA-256 only" "$PINCA" app add sha1 --from "$T/sha1.xml"
printf '<network-security-config><domain-config><domain>api.example.com</domain><pin-set><pin digest="SHA-256">notbase64</pin></pin-set></domain-config></network-security-config>\n' >"$T/badpin.xml"
bounded "a pin that is not base64 of a SHA-256" "not the base64 of a SHA-256" "$PINCA" app add badpin --from "$T/badpin.xml"

# --- plists ---
"$PY" -c "
import plistlib, sys
sys.setrecursionlimit(50000)
v = {'NSPinnedDomains': {}}
for _ in range(10000): v = [v]
doc = {'NSAppTransportSecurity': {'NSPinnedDomains': {'api.example.com': {'NSPinnedCAIdentities': [{'SPKI-SHA256-BASE64': '$R1'}]}}}, 'Deep': v}
open('$T/deep.bplist', 'wb').write(plistlib.dumps(doc, fmt=plistlib.FMT_BINARY))
x = plistlib.dumps({'NSAppTransportSecurity': {'NSPinnedDomains': {'api.example.com': {'NSPinnedCAIdentities': [{'SPKI-SHA256-BASE64': '$R1'}]}}}}, fmt=plistlib.FMT_XML)
open('$T/deep.plist', 'wb').write(x.replace(b'</dict>\n</plist>', b'<key>Deep</key>' + b'<array>' * 10000 + b'</array>' * 10000 + b'</dict></plist>'))"
bounded "a binary plist nested 10,000 deep" "nests deeper than 64" "$PINCA" app add deep --from "$T/deep.bplist"
bounded "an XML plist nested 10,000 deep" "nests deeper than 64" "$PINCA" app add deep2 --from "$T/deep.plist"
printf '<?xml version="1.0"?><plist version="1.0"><dict>%s<key>x</key>%s%s</dict></plist>\n' "$(printf '</a>%.0s' $(seq 200))" \
  "$(printf '<array>%.0s' $(seq 150))" "$(printf '</array>%.0s' $(seq 150))" >"$T/stray.plist"
bounded "stray end tags do not buy nesting depth" "nests deeper than 64" "$PINCA" app add stray --from "$T/stray.plist"
"$PY" - "$T/laughs.bplist" <<'EOF'
import struct, sys
# 40 arrays, each holding the next one twice: 2^40 paths to the last.
n = 41
objs = [bytes([0xA2, i + 1, i + 1]) for i in range(n - 1)] + [bytes([0x08])]
body, offs = b'bplist00', []
for o in objs: offs.append(len(body)); body += o
table = len(body)
body += bytes(offs[i] & 0xff for i in range(n)) if max(offs) < 256 else b''
body += b'\0' * 6 + bytes([1, 1]) + struct.pack('>QQQ', n, 0, table)
open(sys.argv[1], 'wb').write(body)
EOF
bounded "a binary plist whose shared objects multiply (2^40 paths)" "more than 100000 objects" "$PINCA" app add laughs2 --from "$T/laughs.bplist"
"$PY" -c "
import plistlib
d = plistlib.dumps({'NSAppTransportSecurity': {'NSPinnedDomains': {'api.example.com': {'NSPinnedCAIdentities': [{'SPKI-SHA256-BASE64': '$R1'}]}}}}, fmt=plistlib.FMT_BINARY)
open('$T/cut.bplist', 'wb').write(d[:len(d) - 20])
open('$T/flip.bplist', 'wb').write(d[:-32] + bytes(6) + bytes([8, 8]) + d[-24:])"
bounded "a truncated binary plist" "malformed property list" "$PINCA" app add cut2 --from "$T/cut.bplist"
bounded "a binary plist with a broken trailer" "malformed property list" "$PINCA" app add flip --from "$T/flip.bplist"
printf '<?xml version="1.0"?><plist version="1.0"><dict><key>NSAppTransportSecurity</key><dict><key>NSPinnedDomains</key>\n' >"$T/open.plist"
bounded "an unterminated XML plist" "malformed property list" "$PINCA" app add open2 --from "$T/open.plist"
"$PY" -c "
import plistlib
open('$T/nopins.plist', 'wb').write(plistlib.dumps({'CFBundleIdentifier': 'x', 'NSAppTransportSecurity': {'NSAllowsArbitraryLoads': False}}))"
bounded "an Info.plist without pinned domains pins nothing" "pins nothing" "$PINCA" app add none2 --from "$T/nopins.plist"
"$PY" -c "
import plistlib
open('$T/str.plist', 'wb').write(plistlib.dumps({'NSAppTransportSecurity': {'NSPinnedDomains': {'api.example.com': {'NSPinnedCAIdentities': ['$R1']}}}}))"
bounded "an identity that is not a dictionary" "no SPKI-SHA256-BASE64" "$PINCA" app add str --from "$T/str.plist"
"$PY" -c "
import plistlib
open('$T/nulkey.bplist', 'wb').write(plistlib.dumps({'NSAppTransportSecurity': {'NSPinnedDomains': {'api.example.com\0x': {'NSPinnedCAIdentities': [{'SPKI-SHA256-BASE64': '$R1'}]}}}}, fmt=plistlib.FMT_BINARY))"
bounded "a binary plist key holding a NUL (libplist would abort)" "holds a NUL" "$PINCA" app add nul --from "$T/nulkey.bplist"
printf '<?xml version="1.0"?><plist version="1.0"><dict><key>TSKConfiguration</key><dict><key>TSKPinnedDomains</key><dict><key>a.example.com</key><dict><key>TSKPublicKeyHashes</key><array><string>%s&#x0000;</string></array></dict></dict></dict></dict></plist>\n' "$R1" >"$T/nulref.plist"
bounded "an XML plist string with a NUL character reference" "holds a NUL" "$PINCA" app add nul2 --from "$T/nulref.plist"
bounded "a device instead of a file" "not a regular file" "$PINCA" app add dev --from /dev/zero
head -c 3000 /dev/urandom >"$T/noise.bin"
bounded "random bytes" "not an Android network security config" "$PINCA" app add noise --from "$T/noise.bin"
check "every refused build left the database and files as they were" test "$before" = "$(db_state)"
finish
