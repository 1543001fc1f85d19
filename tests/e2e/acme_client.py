"""acme_client: a small ACME client for pinca's e2e tests (python3 with
cryptography), able to send what real clients never send: other algs, wrong
keys, replayed nonces, wrong URLs. Written for the tests; not a library."""
import base64, hashlib, hmac, http.server, json, socket, ssl, threading, time, urllib.request, urllib.error

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwk_of(key):
    pub = key.public_key()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        n = pub.public_numbers()
        return {"crv": "P-256", "kty": "EC", "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big"))}
    n = pub.public_numbers()
    return {"e": b64(n.e.to_bytes((n.e.bit_length() + 7) // 8, "big")), "kty": "RSA",
            "n": b64(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big"))}


def thumbprint(jwk):
    return b64(hashlib.sha256(json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()).digest())


def sign(key, data):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body) if self.body else None

    def type(self):
        try:
            return self.json()["type"].rsplit(":", 1)[1]
        except Exception:
            return None


class Client:
    def __init__(self, directory, root, key=None):
        self.ctx = ssl.create_default_context(cafile=root)
        self.dir = self.get(directory).json()
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.kid = None

    def request(self, url, data=None, method=None, ctype="application/jose+json"):
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, url):
        return self.request(url)

    def nonce(self):
        return self.request(self.dir["newNonce"], method="HEAD").headers["Replay-Nonce"]

    def jws(self, url, payload, key=None, alg=None, use_jwk=False, nonce=None, hdr_url=None, sig=None,
            jwk_key=None):
        key = key or self.key
        alg = alg or ("ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256")
        prot = {"alg": alg, "nonce": nonce or self.nonce(), "url": hdr_url or url}
        if use_jwk or self.kid is None:
            prot["jwk"] = jwk_of(jwk_key or key)
        else:
            prot["kid"] = self.kid
        p64 = b64(json.dumps(prot).encode())
        pl64 = "" if payload is None else b64(json.dumps(payload).encode())
        signing_input = (p64 + "." + pl64).encode()
        if sig is None:
            sig = sign(key, signing_input) if alg in ("ES256", "RS256") else b""
        if callable(sig):
            sig = sig(signing_input)
        return json.dumps({"protected": p64, "payload": pl64, "signature": b64(sig)}).encode()

    def post(self, url, payload, **kw):
        return self.request(url, self.jws(url, payload, **kw))

    def eab(self, kid, hmac_b64, url):
        prot = b64(json.dumps({"alg": "HS256", "kid": kid, "url": url}).encode())
        pl = b64(json.dumps(jwk_of(self.key)).encode())
        mac = hmac.new(b64d(hmac_b64), (prot + "." + pl).encode(), hashlib.sha256).digest()
        return {"protected": prot, "payload": pl, "signature": b64(mac)}

    def new_account(self, kid=None, hmac_b64=None, eab=True):
        payload = {"termsOfServiceAgreed": True, "contact": ["mailto:ops@example.com"]}
        if eab:
            payload["externalAccountBinding"] = self.eab(kid, hmac_b64, self.dir["newAccount"])
        r = self.post(self.dir["newAccount"], payload, use_jwk=True)
        if r.status in (200, 201):
            self.kid = r.headers["Location"]
        return r

    def new_order(self, names, **extra):
        ids = [{"type": "ip" if n.replace(".", "").isdigit() else "dns", "value": n} for n in names]
        payload = {"identifiers": ids}
        payload.update(extra)
        return self.post(self.dir["newOrder"], payload)

    def key_authz(self, token):
        return token + "." + thumbprint(jwk_of(self.key))

    def solve_http01(self, order, tokens):
        for az_url in order["authorizations"]:
            az = self.post(az_url, None).json()
            ch = [c for c in az["challenges"] if c["type"] == "http-01"][0]
            tokens[ch["token"]] = self.key_authz(ch["token"])
            r = self.post(ch["url"], {})
            if r.status != 200:
                return r
            # pinca answers when the validation is done; pebble validates later.
            for _ in range(100):
                if r.json()["status"] not in ("pending", "processing"):
                    break
                time.sleep(0.05)
                r = self.post(az_url, None)
            if r.json()["status"] != "valid":
                return r
        return None

    def finalize(self, order_url, names, cert_key=None):
        cert_key = cert_key or ec.generate_private_key(ec.SECP256R1())
        import ipaddress
        san = [x509.IPAddress(ipaddress.ip_address(n)) if n.replace(".", "").isdigit() else x509.DNSName(n)
               for n in names]
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
               .add_extension(x509.SubjectAlternativeName(san), critical=False)
               .sign(cert_key, hashes.SHA256()))
        order = self.post(order_url, None).json()
        return self.post(order["finalize"], {"csr": b64(csr.public_bytes(serialization.Encoding.DER))}), cert_key

    def issue(self, names, tokens, cert_key=None, **extra):
        """The whole flow; returns (pem chain text, cert key) or raises."""
        r = self.new_order(names, **extra)
        if r.status != 201:
            raise RuntimeError("newOrder: %d %s" % (r.status, r.body))
        url = r.headers["Location"]
        bad = self.solve_http01(r.json(), tokens)
        if bad is not None:
            raise RuntimeError("challenge: %d %s" % (bad.status, bad.body))
        f, k = self.finalize(url, names, cert_key)
        if f.status != 200:
            raise RuntimeError("finalize: %d %s" % (f.status, f.body))
        for _ in range(200):  # pebble finalizes later; pinca before it answers
            if f.json()["status"] != "processing":
                break
            time.sleep(0.02)
            f = self.post(url, None)
        c = self.post(f.json()["certificate"], None)
        return c.body.decode(), k


def http01_server(port, tokens, slow=None):
    """Serves /.well-known/acme-challenge/TOKEN from tokens on 127.0.0.1:port;
    tokens in the set slow are answered after 2 seconds."""
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            t = self.path.rsplit("/", 1)[-1]
            if slow is not None and t in slow:
                time.sleep(2)
            body = tokens.get(t, "").encode()
            self.send_response(200 if t in tokens else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass	# the validator gave up (a test's slow token, a loaded bench)

        def log_message(self, *a):
            pass
    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        # socketserver's default backlog of 5 drops connections when many
        # validations come at once; each dropped SYN costs the client 1 s.
        request_queue_size = 128
    srv = Server(("127.0.0.1", port), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv
