#!/bin/bash
# acme_eab_commands: `pinca acme eab add|list|remove` and `acme accounts`:
# the key is printed once and never listed, refusals are one line with the
# documented status and change nothing, the audit log holds no key, and an
# account whose binding was removed can no longer order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/acme.lib"

setup_ca || { bad "setup"; finish; exit 1; }
check "eab add prints kid and hmac_key" sh -c "'$PINCA' acme eab add web --permit-dns Example.TEST >'$T/add.txt' && grep -Eq '^kid: [A-Za-z0-9_-]{16}$' '$T/add.txt' && grep -Eq '^hmac_key: [A-Za-z0-9_-]{43}$' '$T/add.txt'"
HMAC1=$(sed -n 's/^hmac_key: //p' "$T/add.txt")
"$PINCA" acme eab list --json >"$T/list.json"
"$PY" -c 'import json,sys;l=json.load(open(sys.argv[1]));sys.exit(0 if len(l)==1 and l[0]["name"]=="web" and l[0]["permit_dns"]==["example.test"] and "hmac_key" not in l[0] else 1)' "$T/list.json" \
  && ok "eab list --json: the binding, its domain lowercased, no key" || bad "eab list: $(cat "$T/list.json")"
grep -rq -- "$HMAC1" "$T/list.json" <("$PINCA" acme eab list) <("$PINCA" db audit --json 2>/dev/null) && bad "the HMAC key is listed or audited" || ok "the HMAC key is in no listing and no audit record"
before=$(state_of)
refuse "eab add: an existing name" 1 "exists already" "$PINCA" acme eab add web
refuse "eab add: a bad name" 2 "binding name" "$PINCA" acme eab add 'we b'
refuse "eab add: a wildcard domain" 2 "wildcard" "$PINCA" acme eab add w2 --permit-dns '*.example.test'
refuse "eab add: a bad domain" 3 "lint" "$PINCA" acme eab add w3 --permit-dns 'bad..domain'
refuse "eab remove: an unknown name" 1 "no binding named" "$PINCA" acme eab remove nosuch
[ "$before" = "$(state_of)" ] && ok "the refusals changed nothing" || bad "a refusal changed the CA directory"

new_eab fleet || bad "eab add fleet"
PORT=$(free_port); HP=$(free_port)
check "serve starts" start_serve --http-01-port "$HP" --resolve '*.test=127.0.0.1'
LIBDIR=$(cd "$(dirname "$0")" && pwd) DIRURL=$DIRURL ROOT=$T/root.pem KID=$KID HMAC=$HMAC PINCA=$PINCA "$PY" - >"$T/py.out" 2>&1 <<'PYEOF'
import os, subprocess, sys
sys.path.insert(0, os.environ["LIBDIR"])
from acme_client import Client
E = os.environ
c = Client(E["DIRURL"], E["ROOT"])
r = c.new_account(E["KID"], E["HMAC"])
print("ok   account made with the binding" if r.status == 201 else "FAIL account: %s" % r.body)
r = c.new_order(["a.test"])
print("ok   it may order" if r.status == 201 else "FAIL order: %s" % r.body)
subprocess.run([E["PINCA"], "acme", "eab", "remove", "fleet"], check=True)
r = c.new_order(["b.test"])
print("ok   after eab remove it may not" if r.status == 403 and b"removed" in r.body else "FAIL after remove: %s" % r.body)
PYEOF
while IFS= read -r line; do
  case $line in ok\ *) ok "${line#ok   }" ;; FAIL\ *) bad "${line#FAIL }" ;; *) echo "     $line" ;; esac
done <"$T/py.out"
"$PINCA" acme accounts --json >"$T/acc.json"
"$PY" -c 'import json,sys;a=json.load(open(sys.argv[1]));sys.exit(0 if len(a)==1 and a[0]["orders"]==1 and a[0]["contact"]==["mailto:ops@example.com"] else 1)' "$T/acc.json" \
  && ok "acme accounts --json: the account, its contact and order" || bad "accounts: $(cat "$T/acc.json")"
"$PINCA" acme accounts | grep -q "valid" && ok "acme accounts (text)" || bad "acme accounts text"
"$PINCA" acme eab list | grep -q fleet && bad "removed binding still listed" || ok "the removed binding is gone from the list"
check "SIGTERM: exits 0" stop_serve
check "db audit clean" "$PINCA" db audit
finish
