"""acme_burst: N clients issuing certificates in a loop until the server
goes away (acme_crash.sh kills it with -9); every certificate received is
written to OUT/NNN.pem the moment it arrives."""
import os, sys, threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acme_client import Client, http01_server  # noqa: E402

E = os.environ
tokens, lock, count = {}, threading.Lock(), [0]
http01_server(int(E["HP"]), tokens)


def worker(i):
    try:
        c = Client(E["DIRURL"], E["ROOT"])
        c.new_account(E["KID"], E["HMAC"])
        for j in range(40):
            pem, _ = c.issue(["b%d-%d.test" % (i, j)], tokens)
            with lock:
                count[0] += 1
                path = "%s/%03d.pem" % (E["OUT"], count[0])
            with open(path + ".tmp", "w") as f:
                f.write(pem)
            os.rename(path + ".tmp", path)
    except Exception as e:  # noqa: BLE001 - the server was killed
        print("client %d stopped: %s" % (i, str(e)[:120]))


threads = [threading.Thread(target=worker, args=(i,)) for i in range(int(E.get("CLIENTS", "4")))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("received", count[0])
