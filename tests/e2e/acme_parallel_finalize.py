"""acme_parallel_finalize: drives concurrent finalizes for
acme_parallel_finalize.sh. `first NAME OUT` issues one certificate for NAME
and writes its chain to OUT. `burst N OUT` brings N orders (one account
each) to ready, then posts their N finalizes at the same moment: order 0
asks for the pinned name (PINNED) with a new key, which the pin guard
refuses inside the group commit; order 1's CSR names another host, refused
before; order 2 is finalized twice at once (one wins, the other is
orderNotReady); the others are good. Each good certificate chain goes to
OUT/NN.pem; one JSON line per order on stdout (index, status, problem type
and detail, the order's status afterwards). Every wait is bounded."""
import json, os, sys, threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acme_client import Client, http01_server  # noqa: E402

E = os.environ
tokens = {}
http01_server(int(E["HP"]), tokens)


def ready_order(names):
    """A new account and an order for names, brought to ready."""
    c = Client(E["DIRURL"], E["ROOT"])
    r = c.new_account(E["KID"], E["HMAC"])
    if r.status not in (200, 201):
        raise RuntimeError("newAccount: %d %s" % (r.status, r.body[:200]))
    r = c.new_order(names)
    if r.status != 201:
        raise RuntimeError("newOrder: %d %s" % (r.status, r.body[:200]))
    bad = c.solve_http01(r.json(), tokens)
    if bad is not None:
        raise RuntimeError("challenge: %d %s" % (bad.status, bad.body[:200]))
    return c, r.headers["Location"]


def first(name, out):
    c = Client(E["DIRURL"], E["ROOT"])
    c.new_account(E["KID"], E["HMAC"])
    pem, _ = c.issue([name], tokens)
    with open(out, "w") as f:
        f.write(pem)


def burst(n, out):
    results, setup_errors = [None] * n, []
    go = threading.Barrier(n, timeout=60)

    def worker(i):
        name = E["PINNED"] if i == 0 else "p%02d.test" % i
        try:
            c, url = ready_order([name])
        except Exception as e:  # noqa: BLE001
            setup_errors.append("%d: %s" % (i, str(e)[:300]))
            go.abort()
            return
        try:
            go.wait()
        except threading.BrokenBarrierError:
            return
        # Order 2 is finalized twice at once, with two keys: one wins.
        dup = {}
        if i == 2:
            def again():
                f2, _ = c.finalize(url, [name])
                dup.update(status=f2.status, type=f2.type())
            t2 = threading.Thread(target=again)
            t2.start()
        # Order 1's CSR names a host the order does not have.
        f, _ = c.finalize(url, ["other%02d.test" % i] if i == 1 else [name])
        res = {"i": i, "name": name, "status": f.status, "type": f.type(),
               "detail": (f.json() or {}).get("detail", "") if f.status != 200 else ""}
        if i == 2:
            t2.join(60)
            res["twice"] = " ".join(sorted(["%s %s" % (f.status, f.type()), "%s %s" % (dup.get("status"),
                                                                                    dup.get("type"))]))
            res["status"] = 200 if 200 in (f.status, dup.get("status")) else f.status
        order = c.post(url, None).json()
        if order["status"] == "valid":
            cert = c.post(order["certificate"], None)
            with open(os.path.join(out, "%02d.pem" % i), "w") as fh:
                fh.write(cert.body.decode())
        res["order_after"] = order["status"]
        results[i] = res

    th = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in th:
        t.start()
    for t in th:
        t.join(120)
    if setup_errors:
        print("setup failed: " + "; ".join(setup_errors), file=sys.stderr)
        sys.exit(1)
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    if sys.argv[1] == "first":
        first(sys.argv[2], sys.argv[3])
    else:
        burst(int(sys.argv[2]), sys.argv[3])
