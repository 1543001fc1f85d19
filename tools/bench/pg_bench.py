#!/usr/bin/env python3
"""pg_bench.py: the PostgreSQL rows of `make bench` (tools/bench.sh), #19.

Side by side in one run, the same P-256 CSRs, `pinca issue --batch` with
the certificates in the database only:
 1. SQLite store (DIR/pinca.db);
 2. PostgreSQL store, one host (one CA directory, one process);
 3. PostgreSQL store, two hosts at once: two CA directories joined to one
    database (the second by `init --db` and a copy of the intermediate's
    key), each running its own batch at the same moment.
Rates are certificates committed per wall second. Each row also says where
the time went: CPU seconds of the pinca processes and of the PostgreSQL
server's processes (from /proc), against wall seconds times the cores, so
a run that two cores cap shows it. A throwaway cluster
(tests/e2e/pg_lib.sh, Unix socket, fsync on) serves the rows and is
stopped at the end. BENCH_QUICK=1 shrinks the batches. A measurement, not a
test: a part that fails prints its error in its row."""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import make_csrs  # noqa: E402  (the same CSRs as the main bench)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PINCA = os.path.join(ROOT, "pinca")
PG_LIB = os.path.join(ROOT, "tests", "e2e", "pg_lib.sh")
QUICK = os.environ.get("BENCH_QUICK") == "1"
N = 200 if QUICK else 2000
CORES = os.cpu_count() or 1
TICK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print("pg bench: " + msg, file=sys.stderr, flush=True)


def run(cmd, env=None, capture=False):
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd[:4]), r.returncode,
                                                   r.stderr.strip()[:300]))
    return r


def batch_file(path, csrs, prefix):
    with open(path, "w") as f:
        for i, c in enumerate(csrs):
            f.write(json.dumps({"name": "%s%d" % (prefix, i), "csr": c}) + "\n")
    return path


def new_ca(d, db=None):
    """A CA directory with an unencrypted P-256 intermediate (store: db or pinca.db)."""
    env = dict(os.environ, PINCA_DIR=d)
    env.pop("PINCA_DB", None)
    run([PINCA, "init"] + (["--db", db] if db else []), env=env)
    run([PINCA, "ca", "root", "--cn", "PG Bench Root", "--no-passphrase"], env=env)
    run([PINCA, "ca", "intermediate", "--cn", "PG Bench Intermediate", "--key", "ec-p256",
         "--no-passphrase"], env=env)
    return env


def join_ca(d, db, first):
    """A second host: init --db on the same database, the intermediate's key copied."""
    env = dict(os.environ, PINCA_DIR=d)
    env.pop("PINCA_DB", None)
    run([PINCA, "init", "--db", db], env=env)
    for k in os.listdir(os.path.join(first, "keys")):
        if k.startswith("intermediate-"):
            shutil.copy2(os.path.join(first, "keys", k), os.path.join(d, "keys", k))
    return env


def pg_bin(tool):
    """PostgreSQL's newest installed tool (Debian keeps them off PATH)."""
    base = "/usr/lib/postgresql"
    versions = sorted(os.listdir(base), key=lambda v: [int(x) for x in v.split(".") if x.isdigit()])
    return os.path.join(base, versions[-1], "bin", tool)


def server_procs(pg_dir):
    """CPU seconds so far of each process of the cluster (postmaster and its
    children), by pid."""
    try:
        with open(os.path.join(pg_dir, "data", "postmaster.pid")) as f:
            master = int(f.readline())
    except (OSError, ValueError):
        return {}
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the ")": fields[1] is the ppid, fields[11] and [12] utime and stime.
        if int(pid) == master or int(fields[1]) == master:
            out[int(pid)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


class ServerSampler(threading.Thread):
    """Samples the cluster's processes every 20 ms while a measurement runs,
    so that a backend that exits with its connection is still counted."""

    def __init__(self, pg_dir):
        super().__init__(daemon=True)
        self.pg_dir, self.base, self.last = pg_dir, server_procs(pg_dir), {}
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            self.last.update(server_procs(self.pg_dir))
            self.done.wait(0.02)

    def stop(self):
        """CPU seconds the cluster used since the start."""
        self.done.set()
        self.join()
        self.last.update(server_procs(self.pg_dir))
        return sum(cpu - self.base.get(pid, 0.0) for pid, cpu in self.last.items())


def measure(envs, files, pg_dir):
    """Wall seconds, pinca CPU seconds (all batch processes), server CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler = ServerSampler(pg_dir) if pg_dir else None
    if sampler:
        sampler.start()
    t0 = time.perf_counter()
    procs = [subprocess.Popen([PINCA, "issue", "--batch", bf], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for env, bf in zip(envs, files)]
    errs = [p.communicate()[1] for p in procs]
    wall = time.perf_counter() - t0
    server = sampler.stop() if sampler else 0.0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for p, e in zip(procs, errs):
        if p.returncode != 0:
            raise RuntimeError("batch failed (%d): %s" % (p.returncode, e.strip()[:300]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, server


def row(rows, label, count, wall, cpu, server):
    busy = (cpu + server) / wall
    rows.append({"metric": label, "certs": count, "wall_s": round(wall, 2),
                 "cert_per_s": round(count / wall, 1), "pinca_cpu_s": round(cpu, 2),
                 "server_cpu_s": round(server, 2), "cores_busy": round(busy, 2)})


def print_rows(rows):
    head = ["store", "certs", "wall s", "cert/s", "pinca CPU s", "PG CPU s", "cores busy"]
    table = [[r["metric"], str(r["certs"]), "%.2f" % r["wall_s"], "%.1f" % r["cert_per_s"],
              "%.2f" % r["pinca_cpu_s"], "%.2f" % r["server_cpu_s"],
              "%.2f of %d" % (r["cores_busy"], CORES)] if "error" not in r else
             [r["metric"], "-", "-", r["error"][:60], "-", "-", "-"] for r in rows]
    widths = [max(len(x[i]) for x in table + [head]) for i in range(len(head))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for t in table:
        print(line(t))


def main():
    if not os.path.exists(PG_LIB):
        log("no tests/e2e/pg_lib.sh: the PostgreSQL rows are skipped")
        return
    w = tempfile.mkdtemp(prefix="pinca-pgbench-", dir=os.environ.get("BENCH_TMP"))
    pg_dir = None
    rows = []
    try:
        r = subprocess.run(["bash", PG_LIB, "start", str(os.getpid())], capture_output=True, text=True)
        if r.returncode != 0:
            log("PostgreSQL did not start: " + r.stderr.strip()[:300])
            return
        pg_dir = r.stdout.strip()
        sock = os.path.join(pg_dir, "sock")
        url = lambda name: "postgresql:///%s?host=%s&user=pinca" % (name, sock)
        for name in ("one", "two"):
            run([pg_bin("createdb"), "-h", sock, "-U", "pinca", name])
        log("making %d CSRs" % (3 * N))
        csrs = make_csrs(os.path.join(w, "csr"), N, "c")
        lite = new_ca(os.path.join(w, "lite"))
        one = new_ca(os.path.join(w, "pg-one"), url("one"))
        a = new_ca(os.path.join(w, "pg-a"), url("two"))
        b = join_ca(os.path.join(w, "pg-b"), url("two"), a["PINCA_DIR"])
        cases = [
            ("SQLite, one process", [lite], ["l"], None),
            ("PostgreSQL, one host", [one], ["o"], pg_dir),
            ("PostgreSQL, two hosts at once", [a, b], ["a", "b"], pg_dir),
        ]
        for label, envs, prefixes, srv in cases:
            log("running: " + label)
            try:
                files = [batch_file(os.path.join(w, p + ".jsonl"), csrs, p) for p in prefixes]
                wall, cpu, server = measure(envs, files, srv)
                row(rows, label, N * len(envs), wall, cpu, server)
            except Exception as e:  # a measurement: report and carry on
                rows.append({"metric": label, "error": "error: %s" % e})
        print("PostgreSQL rows: `pinca issue --batch` of %d CSRs per process, certificates in "
              "the database only; cert/s per wall second over all processes" % N)
        print_rows(rows)
        print("where the time goes: 'cores busy' = (pinca CPU + PostgreSQL CPU) / wall; at %d "
              "of %d the machine's cores are the cap, below it the processes wait (fsync of "
              "each commit, the writers' advisory lock)" % (CORES, CORES))
        with open(os.path.join(ROOT, "build", "bench-pg.json"), "w") as f:
            json.dump({"n": N, "cores": CORES, "rows": rows}, f, indent=2)
    finally:
        if pg_dir:
            subprocess.run(["bash", PG_LIB, "stop", pg_dir])
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
