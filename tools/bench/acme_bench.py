"""acme_bench: the ACME rows of `make bench`. A load generator (the e2e
tests' python client) runs complete orders (newOrder, http-01, finalize,
download) with 1, 8 and 32 concurrent clients, each with its own account,
against `pinca serve` and against pebble (PEBBLE_VA_NOSLEEP=1, the same
http-01 responder), and prints orders/s and the p50/p99 finalize latency.
A measurement: the generator (python, a TLS connection per request) costs
the same for both servers, and on a small machine it is part of what is
measured. BENCH_QUICK=1 shortens each run."""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from acme_client import Client, http01_server  # noqa: E402

PINCA = os.environ.get("PINCA", os.path.join(ROOT, "pinca"))
SECONDS = 3 if os.environ.get("BENCH_QUICK") == "1" else 10
CLIENTS = (1, 8, 32)


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


def run_load(directory, root, nclients, tokens, eab=None):
    """Runs nclients for SECONDS; returns (orders, seconds, finalize latencies)."""
    lat, lock, count, stop = [], threading.Lock(), [0], time.time() + SECONDS
    errors = []

    def worker(i):
        try:
            c = Client(directory, root)
            c.new_account(*eab) if eab else c.new_account(eab=False)
            j = 0
            while time.time() < stop:
                name = "c%d-%d-%d.bench.test" % (nclients, i, j)
                j += 1
                r = c.new_order([name])
                bad = c.solve_http01(r.json(), tokens)
                if bad is not None:
                    raise RuntimeError(bad.body[:1000])
                t0 = time.time()
                f, _ = c.finalize(r.headers["Location"], [name])
                while f.status == 200 and f.json()["status"] == "processing":
                    time.sleep(0.01)
                    f = c.post(r.headers["Location"], None)
                dt = time.time() - t0
                if f.status != 200 or f.json()["status"] != "valid":
                    raise RuntimeError(f.body[:200])
                c.post(f.json()["certificate"], None)
                with lock:
                    lat.append(dt)
                    count[0] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(str(e)[:1000])

    t0 = time.time()
    th = [threading.Thread(target=worker, args=(i,)) for i in range(nclients)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    if errors:
        print("acme bench: %d client(s) stopped: %s" % (len(errors), errors[0][-300:]), file=sys.stderr)
    return count[0], time.time() - t0, sorted(lat)


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
        rows = []
        print("ACME: complete orders (newOrder, http-01, finalize, download), %d s per run" % SECONDS)
        print("%-8s %8s %14s %14s %14s" % ("server", "clients", "orders/s", "finalize p50", "finalize p99"))
        for n in CLIENTS:
            for name, url, e in (("pinca", d, eab), ("pebble", peb[2] if peb else None, None)):
                if url is None:
                    print("%-8s %8d %14s" % (name, n, "n/a"))
                    continue
                cnt, secs, lat = run_load(url, root, n, tokens, e)
                rows.append({"server": name, "clients": n, "orders_per_s": cnt / secs,
                             "finalize_p50_ms": pct(lat, 0.5), "finalize_p99_ms": pct(lat, 0.99), "orders": cnt})
                print("%-8s %8d %14.1f %11.1f ms %11.1f ms" % (name, n, cnt / secs, pct(lat, 0.5), pct(lat, 0.99)))
        out = os.path.join(ROOT, "build", "bench-acme.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump({"seconds": SECONDS, "rows": rows}, f, indent=2)
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
