"""acme_bench: the ACME rows of `make bench`. A load generator runs complete
orders (newOrder, authorization, http-01, finalize, certificate download)
with 1, 8 and 32 concurrent clients, each with its own account, against
`pinca serve` and against pebble (PEBBLE_VA_NOSLEEP=1, the same http-01
responder), side by side in one run, and prints orders/s and the p50/p99
finalize latency. The generator is kept cheap so the rows measure the
server: one keep-alive HTTPS connection per client, the nonce of each
answer reused for the next request (no HEAD per request), one certificate
key per client made before the timed part. Then it prints the share of the
crypto ceiling pinca reaches (its signature checks and its signature per
order, at the rates `openssl speed` measures in the same run) and, unless
BENCH_QUICK=1, the server's RSS at order 1,000 and at order 20,000 of one
long run (bounded in time). BENCH_QUICK=1 shortens each run."""
import http.client, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from acme_client import Client, Response, b64, http01_server  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

PINCA = os.environ.get("PINCA", os.path.join(ROOT, "pinca"))
QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = 3 if QUICK else 10
CLIENTS = (1, 8, 32)
MEM_ORDERS = (1000, 5000, 10000, 20000)	# RSS samples of the long run
MEM_SECONDS = 300		# the long run stops here even if short of 20,000


class KeepAliveClient(Client):
    """The e2e client on one persistent connection, reusing nonces."""

    def __init__(self, directory, root):
        self.conns, self.last_nonce, self.posts = {}, None, 0
        import ssl
        self.sslctx = ssl.create_default_context(cafile=root)
        super().__init__(directory, root)

    def _conn(self, netloc, fresh=False):
        c = self.conns.get(netloc)
        if c is None or fresh:
            if c is not None:
                c.close()
            host, port = netloc.rsplit(":", 1)
            c = http.client.HTTPSConnection(host, int(port), context=self.sslctx, timeout=30)
            self.conns[netloc] = c
        return c

    def request(self, url, data=None, method=None, ctype="application/jose+json"):
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        method = method or ("POST" if data is not None else "GET")
        hdr = {"Content-Type": ctype} if data is not None else {}
        for attempt in (0, 1):
            c = self._conn(u.netloc, fresh=attempt == 1)
            try:
                c.request(method, path, body=data, headers=hdr)
                r = c.getresponse()
                body = r.read()
                break
            except (http.client.HTTPException, OSError):
                if attempt == 1:
                    raise
        if data is not None:
            self.posts += 1
        n = r.headers.get("Replay-Nonce")
        if n:
            self.last_nonce = n
        if r.headers.get("Connection", "").lower() == "close":
            c.close()
            self.conns.pop(u.netloc, None)
        return Response(r.status, r.headers, body)

    def nonce(self):
        n, self.last_nonce = self.last_nonce, None
        return n or super().nonce()

    def close(self):
        for c in self.conns.values():
            c.close()


def make_csr(key, name):
    """A CSR for name with key (DER, base64url)."""
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
           .sign(key, hashes.SHA256()))
    return b64(csr.public_bytes(serialization.Encoding.DER))


def one_order(c, name, csr, tokens):
    """One complete order; returns the finalize latency (s) or raises."""
    r = c.new_order([name])
    if r.status != 201:
        raise RuntimeError("newOrder: %d %s" % (r.status, r.body[:300]))
    url, order = r.headers["Location"], r.json()
    for az_url in order["authorizations"]:
        az = c.post(az_url, None).json()
        ch = [x for x in az["challenges"] if x["type"] == "http-01"][0]
        tokens[ch["token"]] = c.key_authz(ch["token"])
        a = c.post(ch["url"], {})
        until = time.time() + 30
        while time.time() < until:	# pinca answers once validated; pebble later
            if a.status != 200 or a.json()["status"] not in ("pending", "processing"):
                break
            time.sleep(0.01)
            a = c.post(az_url, None)
        if a.status != 200 or a.json()["status"] != "valid":
            raise RuntimeError("challenge: %d %s" % (a.status, a.body[:300]))
    t0 = time.time()
    f = c.post(order["finalize"], {"csr": csr})
    until = time.time() + 30
    while time.time() < until:
        if f.status != 200 or f.json()["status"] != "processing":
            break
        time.sleep(0.01)
        f = c.post(url, None)
    dt = time.time() - t0
    if f.status != 200 or f.json()["status"] != "valid":
        raise RuntimeError("finalize: %d %s" % (f.status, f.body[:300]))
    cert = c.post(f.json()["certificate"], None)
    if cert.status != 200 or b"BEGIN CERTIFICATE" not in cert.body:
        raise RuntimeError("certificate: %d" % cert.status)
    return dt


def run_load(directory, root, nclients, tokens, eab=None, seconds=SECONDS, max_orders=None, on_order=None):
    """Runs nclients for seconds (or until max_orders); returns (orders,
    seconds, sorted finalize latencies, POSTs per order)."""
    lat, lock, count, posts, failed = [], threading.Lock(), [0], [0], [0]
    errors, ready = [], threading.Barrier(nclients + 1)
    stop = [float("inf")]
    tag = "%d-%x" % (nclients, int(time.time() * 1000) & 0xffffff)

    def worker(i):
        c = None
        try:
            c = KeepAliveClient(directory, root)
            c.new_account(*eab) if eab else c.new_account(eab=False)
            key = ec.generate_private_key(ec.SECP256R1())
            # The first CSRs are made before the clock starts.
            csrs = [make_csr(key, "c%s-%d-%d.bench.test" % (tag, i, j)) for j in range(16)]
        except Exception as e:  # noqa: BLE001
            errors.append("setup: " + str(e)[:1000])
            csrs = None
        ready.wait()
        if csrs is None:
            return
        try:
            j = 0
            while time.time() < stop[0]:
                name = "c%s-%d-%d.bench.test" % (tag, i, j)
                csr = csrs[j] if j < len(csrs) else make_csr(key, name)
                j += 1
                c.posts = 0
                try:
                    dt = one_order(c, name, csr, tokens)
                except RuntimeError as e:	# a failed order: counted, not fatal
                    with lock:
                        failed[0] += 1
                        if len(errors) < 1:
                            errors.append(str(e)[:1000])
                    continue
                with lock:
                    if max_orders is not None and count[0] >= max_orders:
                        break
                    lat.append(dt)
                    count[0] += 1
                    posts[0] += c.posts
                    n = count[0]
                if on_order:
                    on_order(n)
                if max_orders is not None and n >= max_orders:
                    stop[0] = 0
        except Exception as e:  # noqa: BLE001
            errors.append(str(e)[:1000])
        finally:
            c.close()

    th = [threading.Thread(target=worker, args=(i,)) for i in range(nclients)]
    for t in th:
        t.start()
    ready.wait()
    t0 = time.time()
    stop[0] = t0 + seconds
    for t in th:
        t.join()
    secs = time.time() - t0
    if errors:
        print("acme bench: %s, %d failed order(s): %s" % (directory, failed[0], errors[0][-300:]),
              file=sys.stderr)
    return count[0], secs, sorted(lat), (posts[0] / count[0] if count[0] else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, seconds=15):
    for _ in range(int(seconds * 10)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))] * 1000 if v else float("nan")


def start_pinca(w, hp):
    env = dict(os.environ, PINCA_DIR=os.path.join(w, "ca"))
    pf = os.path.join(w, "pass")
    with open(pf, "w") as f:
        f.write("bench-passphrase-0123456789\n")
    os.chmod(pf, 0o600)
    for cmd in (["init"], ["ca", "root", "--cn", "Bench Root", "--standby-cn", "Bench Root 2", "--pass-file", pf],
                ["ca", "intermediate", "--cn", "Bench Issuing CA", "--pass-file", pf]):
        subprocess.run([PINCA] + cmd, env=env, check=True, capture_output=True)
    root = os.path.join(w, "root.pem")
    with open(root, "w") as f:
        f.write(subprocess.run([PINCA, "ca", "show", "root", "--pem"], env=env, check=True, capture_output=True,
                               text=True).stdout)
    eab = json.loads(subprocess.run([PINCA, "acme", "eab", "add", "bench", "--json"], env=env, check=True,
                                    capture_output=True, text=True).stdout)
    port = free_port()
    p = subprocess.Popen([PINCA, "serve", "--listen", "127.0.0.1:%d" % port, "--pass-file", pf, "--http-01-port",
                          str(hp), "--resolve", "*.bench.test=127.0.0.1"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    p.stdout.readline()
    return p, "https://localhost:%d/acme/directory" % port, root, (eab["kid"], eab["hmac_key"]), env, pf


def start_pebble(w, hp, env, pf):
    """pebble with a TLS certificate pinca issues, resolving through
    pebble-challtestsrv (every name is 127.0.0.1)."""
    if not shutil.which("pebble") or not shutil.which("pebble-challtestsrv"):
        return None
    cert, key = os.path.join(w, "pebble.pem"), os.path.join(w, "pebble.key")
    subprocess.run([PINCA, "issue", "--name", "pebble-tls", "--dns", "localhost", "--key-out", key,
                    "--fullchain-out", cert, "--pass-file", pf], env=env, check=True, capture_output=True)
    dns, mgmt, port = free_port(), free_port(), free_port()
    cts = subprocess.Popen(["pebble-challtestsrv", "-dns01", "127.0.0.1:%d" % dns, "-management",
                            "127.0.0.1:%d" % mgmt, "-http01", "", "-https01", "", "-tlsalpn01", "",
                            "-defaultIPv6", ""],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cfg = os.path.join(w, "pebble.json")
    with open(cfg, "w") as f:
        json.dump({"pebble": {"listenAddress": "127.0.0.1:%d" % port, "managementListenAddress":
                              "127.0.0.1:%d" % free_port(), "certificate": cert, "privateKey": key,
                              "httpPort": hp, "tlsPort": free_port(), "ocspResponderURL": "",
                              "externalAccountBindingRequired": False}}, f)
    env2 = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
    p = subprocess.Popen(["pebble", "-config", cfg, "-dnsserver", "127.0.0.1:%d" % dns], env=env2,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port):
        p.kill()
        cts.kill()
        return None
    return p, cts, "https://localhost:%d/dir" % port


def rss_kib(pid):
    """The VmRSS of process pid in KiB, or 0."""
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M)
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def crypto_speed():
    """ECDSA P-256 signs/s and verifies/s on one core (openssl speed)."""
    out = subprocess.run(["openssl", "speed", "-seconds", "1" if QUICK else "3", "-mr", "ecdsap256"],
                         capture_output=True, text=True).stdout
    m = re.search(r"^\+F4:\d+:256:([0-9.]+):([0-9.]+)", out, re.M)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def ceiling(posts, sign, verify):
    """Orders/s the machine's cores could do if pinca did nothing but its
    crypto: a JWS verify per POST, the CSR's verify, one signature."""
    if not sign or not verify or not posts:
        return 0.0
    return (os.cpu_count() or 1) / ((posts + 1) / verify + 1 / sign)


def memory_run(pid, url, root, tokens, eab):
    """The long run: RSS of the server at MEM_ORDERS, or where it stopped."""
    got = {}

    def on_order(n):
        if n in MEM_ORDERS and n not in got:
            got[n] = rss_kib(pid)
    cnt, secs, _, _ = run_load(url, root, 32, tokens, eab, seconds=MEM_SECONDS, max_orders=MEM_ORDERS[-1],
                               on_order=on_order)
    if cnt not in got:	# stopped short: the RSS where it stopped
        got[cnt] = rss_kib(pid)
    return cnt, secs, got


def print_rows(rows, share):
    print("%-8s %8s %10s %13s %13s %13s" % ("server", "clients", "orders/s", "finalize p50", "finalize p99",
                                            "crypto share"))
    for r in rows:
        cs = "%12.1f%%" % (100 * share[r["clients"]]) if r["server"] == "pinca" and share.get(r["clients"]) \
            else "%13s" % "-"
        print("%-8s %8d %10.1f %10.1f ms %10.1f ms %s" % (r["server"], r["clients"], r["orders_per_s"],
                                                          r["finalize_p50_ms"], r["finalize_p99_ms"], cs))


def main():
    w = tempfile.mkdtemp(prefix="pinca-acme-bench-", dir=os.environ.get("BENCH_TMP"))
    hp = free_port()
    tokens = {}
    http01_server(hp, tokens)
    procs = []
    try:
        p, d, root, eab, env, pf = start_pinca(w, hp)
        procs.append(p)
        peb = start_pebble(w, hp, env, pf)
        if peb:
            procs += [peb[0], peb[1]]
        rows, posts = [], {}
        print("ACME: complete orders (newOrder, http-01, finalize, download), %d s per run" % SECONDS)
        for n in CLIENTS:
            for name, url, e in (("pinca", d, eab), ("pebble", peb[2] if peb else None, None)):
                if url is None:
                    print("%-8s %8d %10s" % (name, n, "n/a"))
                    continue
                cnt, secs, lat, ppo = run_load(url, root, n, tokens, e)
                if name == "pinca":
                    posts[n] = ppo
                rows.append({"server": name, "clients": n, "orders_per_s": cnt / secs,
                             "finalize_p50_ms": pct(lat, 0.5), "finalize_p99_ms": pct(lat, 0.99), "orders": cnt})
        sign, verify = crypto_speed()
        share = {}
        for r in rows:
            if r["server"] == "pinca":
                cl = ceiling(posts.get(r["clients"]), sign, verify)
                share[r["clients"]] = r["orders_per_s"] / cl if cl else 0
                r["crypto_ceiling_orders_per_s"] = cl
        print_rows(rows, share)
        print("crypto ceiling: %d core(s), ECDSA P-256 %.0f sign/s and %.0f verify/s per core (openssl speed); "
              "per order %.1f JWS verifies + 1 CSR verify + 1 signature = %.0f orders/s"
              % (os.cpu_count() or 1, sign, verify, posts.get(32, 0), ceiling(posts.get(32), sign, verify)))
        mem = None
        if not QUICK:
            cnt, secs, got = memory_run(p.pid, d, root, tokens, eab)
            mem = {"orders": cnt, "seconds": secs, "rss_kib": {str(k): v for k, v in sorted(got.items())}}
            print("pinca serve RSS over one run of %d orders (32 clients, %.0f s): %s" % (
                cnt, secs, ", ".join("order %d: %.1f MiB" % (k, v / 1024) for k, v in sorted(got.items()))))
        out = os.path.join(ROOT, "build", "bench-acme.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump({"seconds": SECONDS, "rows": rows, "ecdsa_p256_sign_per_s": sign,
                       "ecdsa_p256_verify_per_s": verify, "cores": os.cpu_count(), "memory": mem}, f, indent=2)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
