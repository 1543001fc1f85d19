"""acme_hostile: requests no real client sends, against a running `pinca
serve` (started by acme_hostile.sh). Prints one ok/FAIL line per check."""
import datetime, hashlib, hmac, json, os, signal, socket, ssl, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acme_client import Client, b64, b64d, http01_server, jwk_of, sign  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402

E = os.environ
D, ROOT, PORT = E["DIRURL"], E["ROOT"], int(E["PORT"])
HOST = D.split("/")[2].rsplit(":", 1)[0]


def check(name, cond, info=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else " (%s)" % str(info)[:400]), flush=True)


def problem(r, status, typ):
    return r.status == status and r.type() == typ and r.headers.get("Content-Type") == "application/problem+json"


tokens, slow = {}, set()
http01_server(int(E["HP"]), tokens, slow)
c = Client(D, ROOT)
acct_payload = {"termsOfServiceAgreed": True}
na = c.dir["newAccount"]

r = c.new_account(eab=False)
check("no EAB: externalAccountRequired", problem(r, 400, "externalAccountRequired"), r.body)
r = c.new_account(E["KID"], b64(b"\x01" * 32))
check("EAB with a wrong HMAC: unauthorized", problem(r, 401, "unauthorized") and b"HMAC" in r.body, r.body)
r = c.new_account("no-such-kid", E["HMAC"])
check("EAB with an unknown kid: unauthorized", problem(r, 401, "unauthorized"), r.body)
r = c.request(na, c.jws(na, acct_payload, alg="none", use_jwk=True, sig=b""))
check("alg none: badSignatureAlgorithm", problem(r, 400, "badSignatureAlgorithm"), r.body)
r = c.request(na, c.jws(na, acct_payload, alg="HS256", use_jwk=True,
                       sig=lambda si: hmac.new(b"k" * 32, si, hashlib.sha256).digest()))
check("HS256: badSignatureAlgorithm", problem(r, 400, "badSignatureAlgorithm"), r.body)
r = c.request(na, c.jws(na, acct_payload, alg="RS256", use_jwk=True))
check("RS256 header over an EC key: badSignatureAlgorithm", problem(r, 400, "badSignatureAlgorithm"), r.body)
other = ec.generate_private_key(ec.SECP256R1())
r = c.request(na, c.jws(na, acct_payload, key=other, jwk_key=c.key, use_jwk=True))
check("signed by another key than the jwk: unauthorized", problem(r, 403, "unauthorized"), r.body)
r = c.request(na, c.jws(na, acct_payload, use_jwk=True), ctype="application/json")
check("wrong content type: 415", r.status == 415, r.body)
r = c.request(na, b"{not json")
check("a body that is not JSON: malformed", problem(r, 400, "malformed"), r.body)
r = c.request(na, c.jws(na, acct_payload, use_jwk=True, nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
check("a forged nonce: badNonce", problem(r, 400, "badNonce") and "Replay-Nonce" in r.headers, r.body)

r = c.new_account(E["KID"], E["HMAC"])
check("EAB account: 201 with Location", r.status == 201 and "/acme/acct/" in c.kid, r.body)
n = c.nonce()
r1 = c.request(c.dir["newOrder"], c.jws(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "r.test"}]}, nonce=n))
r2 = c.request(c.dir["newOrder"], c.jws(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "r.test"}]}, nonce=n))
check("nonce replay: first accepted, second badNonce", r1.status == 201 and problem(r2, 400, "badNonce"), (r1.status, r2.body))
r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "u.test"}]}, hdr_url=D)
check("url header not the request URL: unauthorized", problem(r, 401, "unauthorized"), r.body)
r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "email", "value": "a@b"}]})
check("unsupported identifier type", problem(r, 400, "unsupportedIdentifier"), r.body)
r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "bad..name"}]})
check("a malformed name: rejectedIdentifier", problem(r, 400, "rejectedIdentifier"), r.body)


def short_sig(si):
    """An ES256 signature whose r has a leading zero byte, sent short."""
    for _ in range(20000):
        rr, ss = decode_dss_signature(c.key.sign(si, ec.ECDSA(hashes.SHA256())))
        if rr < 1 << 248:
            return rr.to_bytes(31, "big") + ss.to_bytes(32, "big")
    raise RuntimeError("no short r found")


r = c.request(c.kid, c.jws(c.kid, None, sig=short_sig))
check("a short (63-byte) ES256 signature is padded and accepted", r.status == 200, r.body)

# A body of 20 MB is refused from its Content-Length, before it is read.
t0 = time.time()
s = ssl.create_default_context(cafile=ROOT).wrap_socket(socket.create_connection(("127.0.0.1", PORT), timeout=10),
                                                        server_hostname=HOST)
s.sendall(b"POST /acme/new-order HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/jose+json\r\n"
          b"Content-Length: 20971520\r\n\r\n" % (HOST.encode(), PORT) + b"x" * 4096)
resp = s.recv(4096)
s.close()
check("a 20 MB POST is refused at once (413) without being read", resp.startswith(b"HTTP/1.1 413") and time.time() - t0 < 5, resp[:80])
# The same without a Content-Length (chunked): cut off once past the cap.
s = ssl.create_default_context(cafile=ROOT).wrap_socket(socket.create_connection(("127.0.0.1", PORT), timeout=10),
                                                        server_hostname=HOST)
s.sendall(b"POST /acme/new-order HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/jose+json\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n" % (HOST.encode(), PORT))
sent, cut = 0, False
try:
    while sent < 20 * 1024 * 1024:
        s.sendall(b"10000\r\n" + b"x" * 65536 + b"\r\n")
        sent += 65536
except (OSError, ssl.SSLError):
    cut = True
s.close()
check("a chunked body past the cap is cut off (after %d KiB)" % (sent // 1024), cut and sent <= 4 * 1024 * 1024, sent)

# Headers past the per-connection memory limit: 431, and the server goes on.
s = ssl.create_default_context(cafile=ROOT).wrap_socket(socket.create_connection(("127.0.0.1", PORT), timeout=10),
                                                        server_hostname=HOST)
try:
    s.sendall(b"GET /acme/directory HTTP/1.1\r\nHost: %s:%d\r\nX-Big: " % (HOST.encode(), PORT) + b"a" * 300000 + b"\r\n\r\n")
except (OSError, ssl.SSLError):
    pass
resp = s.recv(64)
s.close()
check("300 KB of headers: 431, and the next request is served", resp.startswith(b"HTTP/1.1 431") and
      c.get(D).status == 200, resp)

# 150 idle connections (no TLS handshake, no request) do not stop service.
idle = [socket.create_connection(("127.0.0.1", PORT), timeout=5) for _ in range(150)]
t0 = time.time()
try:
    nn = Client(D, ROOT).nonce()
except Exception as e:  # noqa: BLE001
    nn = e
check("150 idle connections: a real request is still served", isinstance(nn, str) and time.time() - t0 < 5, nn)
for sk in idle:
    sk.close()

# Permitted domains of a binding.
c2 = Client(D, ROOT)
r = c2.new_account(E["KID2"], E["HMAC2"])
r1 = c2.new_order(["other.test"])
r2 = c2.new_order(["www.allowed.test"])
check("binding's permitted domains: other.test rejectedIdentifier, www.allowed.test accepted",
      problem(r1, 403, "rejectedIdentifier") and "allowed-only" in r1.json()["detail"] and r2.status == 201, (r1.body, r2.status))

# The whole flow, then the CSR key = account key, renewalInfo, revocation.
pem, key1 = c.issue(["h1.test"], tokens)
open(E["T"] + "/h1.pem", "w").write(pem)
check("python client: a certificate issued", pem.count("BEGIN CERTIFICATE") == 2, pem[:100])
r = c.new_order(["acct.test"])
c.solve_http01(r.json(), tokens)
f, _ = c.finalize(r.headers["Location"], ["acct.test"], cert_key=c.key)
check("CSR with the account key: badCSR", problem(f, 400, "badCSR"), f.body)
f, _ = c.finalize(r.headers["Location"], ["not-the-order.test"])
check("CSR with other names: badCSR", problem(f, 400, "badCSR"), f.body)

leaf = x509.load_pem_x509_certificate(pem.encode())
aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
sn = leaf.serial_number.to_bytes((leaf.serial_number.bit_length() + 8) // 8, "big")
cid = b64(aki) + "." + b64(sn)
ri = c.get(D.replace("/directory", "/renewal-info/") + cid)
w = ri.json()["suggestedWindow"] if ri.status == 200 else {}


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


nb, na_ = leaf.not_valid_before.replace(tzinfo=datetime.timezone.utc).timestamp(), leaf.not_valid_after.replace(tzinfo=datetime.timezone.utc).timestamp()
check("renewalInfo: a window in the last third, with Retry-After",
      ri.status == 200 and int(ri.headers.get("Retry-After", "0")) > 0 and
      nb + (na_ - nb) * 2 / 3 - 1 <= ts(w["start"]) < ts(w["end"]) <= na_, (ri.status, ri.body))
# RFC 9773 replaces: the new order renews the same lineage.
pem2, _ = c.issue(["h1.test"], tokens, cert_key=key1, replaces=cid)
leaf2 = x509.load_pem_x509_certificate(pem2.encode())
rows = json.loads(subprocess.run([E["PINCA"], "db", "list", "--json"], capture_output=True, text=True).stdout)
names = {int(x["serial"], 16): x["name"] for x in rows}
check("an order with replaces renews the replaced certificate's lineage",
      names.get(leaf2.serial_number) == names.get(leaf.serial_number) == "h1.test", names)
# Revocation by the certificate's own key (a jwk request).
der = leaf.public_bytes(__import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER)
rv = c.post(c.dir["revokeCert"], {"certificate": b64(der)}, key=key1, use_jwk=True)
check("revokeCert signed by the certificate's key", rv.status == 200, rv.body)
ri = c.get(D.replace("/directory", "/renewal-info/") + cid)
check("renewalInfo after revocation: the window has begun", ri.status == 200 and
      ts(ri.json()["suggestedWindow"]["start"]) <= time.time() and "Retry-After" in ri.headers, ri.body)
rv = c2.post(c2.dir["revokeCert"], {"certificate": b64(leaf2.public_bytes(__import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER))})
check("another account may not revoke it", problem(rv, 403, "unauthorized"), rv.body)

# A blocked key (`pinca revoke --key PIN`): renewalInfo of its certificate
# says renew now, and a CSR with that key is refused (badCSR).
pem3, key3 = c.issue(["kb.test"], tokens)
leaf3 = x509.load_pem_x509_certificate(pem3.encode())
spki = leaf3.public_key().public_bytes(__import__("cryptography.hazmat.primitives.serialization",
                                                  fromlist=["Encoding"]).Encoding.DER,
                                       __import__("cryptography.hazmat.primitives.serialization",
                                                  fromlist=["PublicFormat"]).PublicFormat.SubjectPublicKeyInfo)
pin3 = "sha256/" + __import__("base64").b64encode(hashlib.sha256(spki).digest()).decode()
sn3 = leaf3.serial_number.to_bytes((leaf3.serial_number.bit_length() + 8) // 8, "big")
cid3 = b64(leaf3.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier) + "." + b64(sn3)
ri = c.get(D.replace("/directory", "/renewal-info/") + cid3)
check("renewalInfo before the key is blocked: the window has not begun", ri.status == 200 and
      ts(ri.json()["suggestedWindow"]["start"]) > time.time() + 86400, ri.body)
kb = subprocess.run([E["PINCA"], "revoke", "--key", pin3], capture_output=True, text=True)
check("pinca revoke --key blocks the certificate's key", kb.returncode == 0, kb.stderr)
ri = c.get(D.replace("/directory", "/renewal-info/") + cid3)
check("renewalInfo of a certificate whose key is blocked: the window has begun", ri.status == 200 and
      ts(ri.json()["suggestedWindow"]["start"]) <= time.time() and "Retry-After" in ri.headers, ri.body)
r = c.new_order(["kb2.test"])
c.solve_http01(r.json(), tokens)
f, _ = c.finalize(r.headers["Location"], ["kb2.test"], cert_key=key3)
check("finalize with a blocked CSR key: badCSR naming the blocked key", problem(f, 400, "badCSR") and
      "block" in f.json().get("detail", ""), f.body)
o = c.post(r.headers["Location"], None).json()
check("and the order stays ready for another CSR", o["status"] == "ready", o)

# keyChange: the new key signs from then on, the old one no longer does.
newkey = ec.generate_private_key(ec.SECP256R1())
inner = json.loads(c.jws(c.dir["keyChange"], {"account": c.kid, "oldKey": jwk_of(c.key)}, key=newkey, use_jwk=True,
                         nonce="x"))
prot = json.loads(b64d(inner["protected"]))
del prot["nonce"]
inner["protected"] = b64(json.dumps(prot).encode())
inner["signature"] = b64(sign(newkey, (inner["protected"] + "." + inner["payload"]).encode()))
r = c.post(c.dir["keyChange"], inner)
old = c.key
c.key = newkey
r2 = c.post(c.kid, None)
r3 = c.post(c.kid, None, key=old)
check("keyChange: the new key works, the old key is refused", r.status == 200 and r2.status == 200 and
      problem(r3, 403, "unauthorized"), (r.body, r2.status, r3.body))

# Profiles (meta.profiles): a client certificate; an unknown profile.
pemc, _ = c.issue(["device-7.test"], tokens, profile="client")
eku = x509.load_pem_x509_certificate(pemc.encode()).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
r = c.new_order(["x.test"], profile="codesigning")
check("profile client: a clientAuth certificate; an unknown profile is refused",
      list(eku) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH] and r.status == 400 and r.type() == "invalidProfile",
      (list(eku), r.body))
r = c.new_order(["*.wild.test"])
check("a wildcard without --dns-resolver: rejectedIdentifier", problem(r, 400, "rejectedIdentifier"), r.body)
pemip, _ = c.issue(["127.0.0.1"], tokens)
ipsan = x509.load_pem_x509_certificate(pemip.encode()).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
check("an ip identifier validated over http-01", [str(a) for a in ipsan.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"],
      pemip[:80])
r = Client(D, ROOT).post(na, {"onlyReturnExisting": True}, use_jwk=True)
check("onlyReturnExisting for an unknown key: accountDoesNotExist", problem(r, 400, "accountDoesNotExist"), r.body)
r = c.post(na, {"onlyReturnExisting": True}, use_jwk=True)
check("onlyReturnExisting for a known key: 200 with its Location", r.status == 200 and r.headers["Location"] == c.kid,
      r.body)

# A name outside the intermediate's name constraints (test) is never issued.
r = c.new_order(["outside.example"])
c.solve_http01(r.json(), tokens)
f, _ = c.finalize(r.headers["Location"], ["outside.example"])
rows = json.loads(subprocess.run([E["PINCA"], "db", "list", "--json"], capture_output=True, text=True).stdout)
check("a name outside the intermediate's constraints: refused at finalize, nothing recorded",
      problem(f, 400, "badCSR") and "constraint" in f.json()["detail"] and
      not any("outside.example" in x["dns"] for x in rows), f.body)

# A validation reads at most 1 KiB: a 2 MB answer makes the challenge invalid.
r = c.new_order(["big.test"])
az = c.post(r.json()["authorizations"][0], None).json()
ch = [x for x in az["challenges"] if x["type"] == "http-01"][0]
tokens[ch["token"]] = "x" * 2000000
t0 = time.time()
v = c.post(ch["url"], {})
check("http-01 answered with 2 MB: invalid, read no further than the cap",
      v.status == 200 and v.json()["status"] == "invalid" and "more than 1024 bytes" in v.json()["error"]["detail"] and
      time.time() - t0 < 5, v.body)
r = c.new_order(["wrong.test"])
az = c.post(r.json()["authorizations"][0], None).json()
ch = [x for x in az["challenges"] if x["type"] == "http-01"][0]
tokens[ch["token"]] = ch["token"] + ".not-the-thumbprint"
v = c.post(ch["url"], {})
a2 = c.post(r.json()["authorizations"][0], None).json()
o2 = c.post(r.headers["Location"], None).json()
check("http-01 with a wrong key authorization: challenge, authorization and order invalid",
      v.json()["status"] == "invalid" and a2["status"] == "invalid" and o2["status"] == "invalid", (v.body, a2, o2))

# Two finalizes of one order at once: one certificate.
r = c.new_order(["twice.test"])
c.solve_http01(r.json(), tokens)
out = []
ths = [threading.Thread(target=lambda: out.append(c.finalize(r.headers["Location"], ["twice.test"])[0])) for _ in range(4)]
for t in ths:
    t.start()
for t in ths:
    t.join()
rows = json.loads(subprocess.run([E["PINCA"], "db", "list", "--json"], capture_output=True, text=True).stdout)
check("four finalizes of one order at once: one certificate, the others orderNotReady",
      sorted(x.status for x in out) == [200, 403, 403, 403] and sum(1 for x in rows if x["name"] == "twice.test") == 1,
      [(x.status, x.body[:80]) for x in out])
r = c.new_order(["dup.test", "DUP.test"])
check("an identifier twice in one order: malformed", problem(r, 400, "malformed"), r.body)

# Per-account pending orders limit.
c3 = Client(D, ROOT)
c3.new_account(E["KID"], E["HMAC"])
codes = [c3.new_order(["p%d.test" % i]).status for i in range(21)]
last = c3.new_order(["p99.test"])
check("pending orders are limited per account (rateLimited)", codes[:20] == [201] * 20 and problem(last, 429, "rateLimited"),
      (codes, last.body))
# Deactivation: the account can do nothing more.
r = c3.post(c3.kid, {"status": "deactivated"})
r2 = c3.new_order(["late.test"])
check("account deactivation", r.status == 200 and r.json()["status"] == "deactivated" and problem(r2, 401, "unauthorized"),
      (r.body, r2.body))

# SIGTERM while a validation is in flight: the request still gets its answer.
r = c.new_order(["slow.test"])
az = c.post(r.json()["authorizations"][0], None).json()
ch = [x for x in az["challenges"] if x["type"] == "http-01"][0]
tokens[ch["token"]] = c.key_authz(ch["token"])
slow.add(ch["token"])
body = c.jws(ch["url"], {})
out = {}
th = threading.Thread(target=lambda: out.update(r=c.request(ch["url"], body)))
th.start()
time.sleep(0.7)
os.kill(int(E["SERVE_PID"]), signal.SIGTERM)
th.join(30)
resp = out.get("r")
check("SIGTERM during a validation: the request in flight is answered", resp is not None and resp.status == 200 and
      resp.json()["status"] == "valid", resp and resp.body)
