#!/usr/bin/env python3
"""bench.py: the work behind `make bench` (see tools/bench.sh).

Same run, same machine, same CSRs for every tool, EC P-256 intermediate:
 1. one certificate per process from a CSR (pinca issue / openssl ca / cfssl
    sign) at 100 and at 100,000 certificates in the database or index;
 2. batch throughput (pinca issue --batch vs openssl ca -infiles) against the
    ceiling of one P-256 verify + one P-256 sign per certificate (openssl speed);
 3. CRL of 1,000,000 revoked entries (pinca crl vs openssl ca -gencrl);
 4. db list --expiring 30 and db show on 1,000,000 certificates.
Parts whose pinca command does not exist yet print "n/a (command not available)".
Prints a table and writes bench-results.json (work dir and build/)."""

import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PINCA = os.path.join(ROOT, "pinca")
SEEDER = os.path.join(ROOT, "build", "rel", "tools", "bench-seed")
FILECOST = os.path.join(ROOT, "build", "rel", "tools", "bench-filecost")
QUICK = os.environ.get("BENCH_QUICK") == "1"
N_SMALL = 100
N_LARGE = 2000 if QUICK else 100_000
N_HUGE = 20_000 if QUICK else 1_000_000
N_BATCH = 300 if QUICK else 2000
CALLS = 7 if QUICK else 41
NA = "n/a (command not available)"

rows = []
notes = []
W = None


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run(cmd, env=None, stdin=None, check=True, capture=False, cwd=None):
    """Runs cmd; returns CompletedProcess. Output is discarded unless capture."""
    r = subprocess.run(cmd, env=env, stdin=stdin, cwd=cwd,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd[:4]), r.returncode,
                                                   r.stderr.strip()[:300]))
    return r


def timed(cmd, env=None):
    """Wall seconds and child CPU seconds of one run of cmd."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    run(cmd, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def median_ms(cmds, env=None):
    """Median wall time of running each command once, in ms."""
    return statistics.median(timed(c, env)[0] for c in cmds) * 1000.0


def has_command(*words):
    r = run([PINCA] + list(words) + ["--help"], check=False, capture=True)
    return r.returncode == 0


def add(metric, pinca, openssl=None, limit=None, unit="", target=None, met=None, ratio=None,
        note=None):
    if ratio is None and isinstance(pinca, (int, float)) and isinstance(openssl, (int, float)) \
            and pinca:
        ratio = openssl / pinca if unit == "ms" else pinca / openssl
    rows.append({"metric": metric, "unit": unit, "pinca": pinca, "openssl": openssl,
                 "limit": limit, "ratio": ratio, "target": target, "met": met, "note": note})


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return "%.1f" % v if abs(v) >= 10 else "%.2f" % v
    return str(v)


def print_table():
    head = ["metric", "pinca", "openssl", "limit", "ratio", "target", "met?"]
    table = [[r["metric"] + (" (%s)" % r["unit"] if r["unit"] else ""), fmt(r["pinca"]),
              fmt(r["openssl"]), fmt(r["limit"]),
              (fmt(r["ratio"]) + "x") if isinstance(r["ratio"], float) else fmt(r["ratio"]),
              fmt(r["target"]), fmt(r["met"])] for r in rows]
    widths = [max(len(x[i]) for x in table + [head]) for i in range(len(head))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for t in table:
        print(line(t))
    for n in notes:
        print("note: " + n)


# --- set-up -------------------------------------------------------------------

def make_csrs(dirpath, count, prefix):
    """count P-256 CSRs (python cryptography), one SAN each; returns paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    os.makedirs(dirpath, exist_ok=True)
    paths = []
    for i in range(count):
        host = "%s%d.bench.example" % (prefix, i)
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
               .sign(key, hashes.SHA256()))
        p = os.path.join(dirpath, "%s%d.csr" % (prefix, i))
        with open(p, "wb") as f:
            f.write(csr.public_bytes(serialization.Encoding.PEM))
        paths.append(p)
    return paths


def pinca_ca(d, passfile=None):
    """A CA directory with a P-256 intermediate; unencrypted unless passfile."""
    env = dict(os.environ, PINCA_DIR=d)
    run([PINCA, "init"], env=env)
    run([PINCA, "ca", "root", "--cn", "Bench Root", "--no-passphrase"], env=env)
    run([PINCA, "ca", "intermediate", "--cn", "Bench Intermediate", "--key", "ec-p256"] +
        (["--pass-file", passfile] if passfile else ["--no-passphrase"]), env=env)
    return env


def intermediate_files(env, outdir):
    """Copies the intermediate's certificate and (unencrypted) key for openssl/cfssl."""
    d = env["PINCA_DIR"]
    db = sqlite3.connect(os.path.join(d, "pinca.db"))
    key_path, ca_id = db.execute("SELECT key_path, id FROM cas WHERE role='intermediate' AND "
                                 "state='active'").fetchone()
    db.close()
    os.makedirs(outdir, exist_ok=True)
    cert = os.path.join(outdir, "int.pem")
    key = os.path.join(outdir, "int.key")
    with open(cert, "w") as f:
        f.write(run([PINCA, "ca", "show", "intermediate", "--pem"], env=env, capture=True).stdout)
    shutil.copy(key_path if os.path.isabs(key_path) else os.path.join(d, key_path), key)
    return cert, key, ca_id


OSSL_CNF = """[ ca ]
default_ca = bench
[ bench ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = {cert}
private_key = {key}
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 397
default_crl_days = 7
policy = anything
unique_subject = no
copy_extensions = copy
x509_extensions = leaf
[ anything ]
commonName = optional
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def asn1_time(t):
    return time.strftime("%y%m%d%H%M%SZ", time.gmtime(t))


def ossl_ca(dirpath, cert, key, entries, status="V"):
    """An openssl ca directory whose index.txt holds `entries` lines."""
    os.makedirs(os.path.join(dirpath, "newcerts"), exist_ok=True)
    with open(os.path.join(dirpath, "ca.cnf"), "w") as f:
        f.write(OSSL_CNF.format(dir=dirpath, cert=cert, key=key))
    with open(os.path.join(dirpath, "serial"), "w") as f:
        f.write("7F000000000000000000000000000001\n")
    with open(os.path.join(dirpath, "crlnumber"), "w") as f:
        f.write("01\n")
    with open(os.path.join(dirpath, "index.txt.attr"), "w") as f:
        f.write("unique_subject = no\n")
    now = int(time.time())
    exp = asn1_time(now + 300 * 86400)
    rev = asn1_time(now - 86400)
    with open(os.path.join(dirpath, "index.txt"), "w") as f:
        for i in range(entries):
            serial = "%08X%024X" % (0x10000000 + (i * 2654435761) % 0x6fffffff, i)
            if status == "R":
                f.write("R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=r%d.bench.example\n" %
                        (exp, rev, serial, i))
            else:
                f.write("V\t%s\t\t%s\tunknown\t/CN=seed%d.bench.example\n" % (exp, serial, i))
    return os.path.join(dirpath, "ca.cnf")


def seed_pinca(env, count, per_lineage, prefix):
    """Adds count certificate rows with pinca's store code (tools/bench/seed.c)."""
    db = os.path.join(env["PINCA_DIR"], "pinca.db")
    con = sqlite3.connect(db)
    serial = con.execute("SELECT serial FROM certificates WHERE lineage_id IS NOT NULL "
                         "ORDER BY issued_at DESC LIMIT 1").fetchone()[0]
    con.close()
    t = time.perf_counter()
    run([SEEDER, db, serial, str(count), str(per_lineage), prefix])
    return time.perf_counter() - t


def count_certs(env):
    con = sqlite3.connect(os.path.join(env["PINCA_DIR"], "pinca.db"))
    n = con.execute("SELECT count(*) FROM certificates").fetchone()[0]
    con.close()
    return n


def fdatasync_ms(dirpath, n=15):
    """Median cost of one small write + fdatasync on the bench filesystem."""
    p = os.path.join(dirpath, "fsync-probe")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o600)
    ts = []
    for i in range(n):
        os.pwrite(fd, os.urandom(4096), (i % 4) * 4096)
        t = time.perf_counter()
        os.fdatasync(fd)
        ts.append(time.perf_counter() - t)
    os.close(fd)
    os.unlink(p)
    return statistics.median(ts) * 1000.0


def batch_file(path, csrs, outdir, prefix):
    with open(path, "w") as f:
        for i, c in enumerate(csrs):
            f.write(json.dumps({"name": "%s%d" % (prefix, i), "csr": c,
                                "cert_out": os.path.join(outdir, "%s%d.pem" % (prefix, i))}) + "\n")


def warm(paths):
    """Reads the files first: some VMs reclaim cold page cache (DAMON), and
    whichever tool ran first would pay the disk for the CSRs."""
    for p in paths:
        with open(p, "rb") as f:
            f.read()


def one_core():
    return ["taskset", "-c", "0"] if shutil.which("taskset") else []


# --- the four parts --------------------------------------------------------------

def part_single(ctx):
    """1. one certificate per process, at 100 and N_LARGE rows."""
    env, csrs, cert, key = ctx["env"], ctx["csrs_single"], ctx["int_cert"], ctx["int_key"]
    out = os.path.join(W, "out")
    os.makedirs(out, exist_ok=True)
    cnf_dir = os.path.join(W, "ossl-single")
    results = {}
    for label, size in (("100", N_SMALL), (fmt_count(N_LARGE), N_LARGE)):
        have = count_certs(env)
        if have < size:
            log("seeding pinca to %d certificates" % size)
            secs = seed_pinca(env, size - have, 1, "seed%d-" % size)
            notes.append("pinca DB seeded from %d to %d certificate rows in %.1f s by "
                         "tools/bench/seed.c (pinca's store code; copies of one real issued "
                         "certificate, distinct serials, one lineage each)" % (have, size, secs))
        tag = "s%d-" % size
        warm(csrs)
        p = median_ms([[PINCA, "issue", "--name", "%s%d" % (tag, i), "--csr", csrs[i],
                        "--cert-out", os.path.join(out, "p%s%d.pem" % (tag, i))]
                       for i in range(CALLS)], env)
        shutil.rmtree(cnf_dir, ignore_errors=True)
        cnf = ossl_ca(cnf_dir, cert, key, size)
        warm(csrs)
        o = median_ms([["openssl", "ca", "-config", cnf, "-batch", "-notext", "-in", csrs[i],
                        "-out", os.path.join(out, "o%s%d.pem" % (tag, i))] for i in range(CALLS)])
        results[size] = p
        add("issue 1 cert/process @%s certs" % label, p, o, unit="ms", target="<= 8 ms",
            met=p <= 8.0)
    add("issue @%s / @100" % fmt_count(N_LARGE), results[N_LARGE] / results[N_SMALL], unit="x",
        target="<= 1.2", met=results[N_LARGE] / results[N_SMALL] <= 1.2, ratio="-")
    if shutil.which("cfssl"):
        c = median_ms([["cfssl", "sign", "-ca", cert, "-ca-key", key, csrs[i]]
                       for i in range(CALLS)])
        add("cfssl sign 1 cert/process (no DB: floor)", results[N_SMALL], None, c, unit="ms",
            ratio=c / results[N_SMALL], note="limit column = cfssl")
    else:
        add("cfssl sign 1 cert/process", NA.replace("command", "golang-cfssl"), unit="ms")
    # KDF: the same issuance with an encrypted intermediate key.
    kenv = ctx["env_kdf"]
    k = median_ms([[PINCA, "issue", "--name", "k%d" % i, "--csr", csrs[i], "--pass-file",
                    ctx["passfile"]] for i in range(max(5, CALLS // 3))], kenv)
    add("passphrase KDF per call (encrypted - plain)", k - results[N_SMALL], unit="ms",
        note="PBKDF2/scrypt as the key file says; a security setting, not waste")
    f = fdatasync_ms(W)
    add("one fdatasync on the bench filesystem", f, unit="ms",
        note="a pinca issue with --cert-out pays 7 (WAL commit, WAL directory, checkpoint on "
             "close: WAL + DB, file + its directory); openssl ca pays 0")


def fmt_count(n):
    return "%dk" % (n // 1000) if n >= 1000 and n < 1_000_000 else \
        ("%dM" % (n // 1_000_000) if n >= 1_000_000 else str(n))


BATCH_ROUNDS = 1 if QUICK else 3


def pinca_batch(env, csrs, prefix, outdir=None):
    """One `pinca issue --batch` of csrs on one core (cert_out into outdir if
    given): (certificates committed per CPU second, CPU seconds, committed)."""
    bf = os.path.join(W, prefix + "batch.jsonl")
    with open(bf, "w") as f:
        for i, c in enumerate(csrs):
            req = {"name": "%s%d" % (prefix, i), "csr": c}
            if outdir:
                req["cert_out"] = os.path.join(outdir, "%s%d.pem" % (prefix, i))
            f.write(json.dumps(req) + "\n")
    before = count_certs(env)
    _, cpu = timed(one_core() + [PINCA, "issue", "--batch", bf], env)
    committed = count_certs(env) - before
    return committed / cpu, cpu, committed


def part_batch(ctx):
    """2. batch certificates per CPU second on one core."""
    env = dict(ctx["env_batch"])
    csrs = ctx["csrs_batch"]
    # The machine is shared and its speed drifts: each round measures all
    # four things back to back (pinca with files, pinca without, openssl ca,
    # openssl speed), and the table takes the median of each over the rounds.
    p_rates, nf_rates, big_rates, o_rates, ceilings, detail = [], [], [], [], [], []
    fc_create, fc_atomic = [], []
    for r in range(BATCH_ROUNDS):
        warm(csrs)
        # With output files; the same requests without them (what the CA
        # itself costs); and once more into the database of part 1, which
        # holds 100,000 certificates (the cost should not grow with it).
        out = os.path.join(W, "out-batch%d" % r)
        os.makedirs(out, exist_ok=True)
        rate, cpu, committed = pinca_batch(env, csrs, "b%d-" % r, out)
        rate2, cpu2, _ = pinca_batch(env, csrs, "nf%d-" % r)
        rate3, cpu3, _ = pinca_batch(ctx["env"], csrs, "big%d-" % r)
        p_rates.append(rate)
        nf_rates.append(rate2)
        big_rates.append(rate3)
        cnf = ossl_ca(os.path.join(W, "ossl-batch%d" % r), ctx["int_cert"], ctx["int_key"], N_SMALL)
        owall, ocpu = timed(one_core() + ["openssl", "ca", "-config", cnf, "-batch", "-notext",
                                          "-out", os.path.join(W, "ossl-batch%d.pem" % r),
                                          "-infiles"] + csrs)
        o_rates.append(len(csrs) / ocpu)
        # What one output file costs by itself, the way each tool writes it
        # (tools/bench/filecost.c), files the size of pinca's.
        if os.path.exists(FILECOST):
            size = os.path.getsize(os.path.join(out, "b%d-0.pem" % r))
            fc = run(one_core() + [FILECOST, os.path.join(W, "filecost%d" % r), str(len(csrs)),
                                   str(size)], capture=True)
            create_us, atomic_us = (float(x) for x in fc.stdout.split())
            fc_create.append(create_us)
            fc_atomic.append(atomic_us)
        sp = run(one_core() + ["openssl", "speed", "-seconds", "2", "ecdsap256"], capture=True)
        line = [l for l in sp.stdout.splitlines() if "nistp256" in l][-1].split()
        sign_s, verify_s = float(line[-2]), float(line[-1])
        ceilings.append(1.0 / (1.0 / sign_s + 1.0 / verify_s))
        detail.append("round %d: pinca %d of %d committed, %.2f s CPU (no files: %.2f s; into the "
                      "@%s DB: %.2f s), openssl ca -infiles %.2f s CPU, openssl speed ecdsap256 "
                      "%.0f sign/s %.0f verify/s%s" %
                      (r + 1, committed, len(csrs), cpu, cpu2, fmt_count(N_LARGE), cpu3, ocpu,
                       sign_s, verify_s,
                       ", one file %.1f us (openssl's way %.1f us)" % (fc_atomic[-1], fc_create[-1])
                       if fc_atomic else ""))
    # Rates are medians over the rounds; ratios are the medians of each
    # round's own ratio (both sides measured within seconds of each other,
    # which cancels much of the machine's drift).
    med = statistics.median
    p_rate, rate2, big = med(p_rates), med(nf_rates), med(big_rates)
    o_rate, ceiling = med(o_rates), med(ceilings)
    vs_ossl = med(p / o for p, o in zip(p_rates, o_rates))
    share = med(p / c for p, c in zip(p_rates, ceilings))
    vs_ossl2 = med(p / o for p, o in zip(nf_rates, o_rates))
    share2 = med(p / c for p, c in zip(nf_rates, ceilings))
    add("batch certs per CPU-second (1 core)", p_rate, o_rate, ceiling, unit="cert/s",
        target=">= 4x openssl", met=vs_ossl >= 4, ratio=vs_ossl)
    add("batch share of the sign+verify ceiling", 100.0 * share, None, 100.0,
        unit="%", target=">= 60%", met=share >= 0.6, ratio=share)
    add("batch certs per CPU-second, no cert files", rate2, o_rate, ceiling, unit="cert/s",
        ratio=vs_ossl2, note="certificates only in the DB; openssl still writes newcerts/")
    add("batch share of the ceiling, no cert files", 100.0 * share2, None, 100.0,
        unit="%", ratio=share2)
    if fc_atomic:
        atomic, create = med(fc_atomic), med(fc_create)
        add("one output file by itself, CPU per file", atomic, create, None, unit="us",
            ratio=atomic / create, note="pinca: O_TMPFILE, write, linkat once committed; "
            "openssl: O_CREAT|O_EXCL, write (tools/bench/filecost.c)")
        # The best share of the ceiling a batch with files could reach if
        # nothing but the two EC operations and the file cost anything.
        bound = med(1.0 / (1.0 + c * a / 1e6) for c, a in zip(ceilings, fc_atomic))
        if max(fc_atomic) > 2 * min(fc_atomic) or max(fc_create) > 2 * min(fc_create):
            notes.append("one file's cost varied %.0f-%.0f us (openssl's way %.0f-%.0f us) "
                         "between rounds: new inodes were slowed by inodes freed lately on this "
                         "filesystem (docs/performance.md); the rows with files are not "
                         "representative, run again after a few quiet minutes" %
                         (min(fc_atomic), max(fc_atomic), min(fc_create), max(fc_create)))
        add("batch with files: share if only the EC ops and the file cost", 100.0 * bound,
            None, 100.0, unit="%", ratio=bound,
            note="1 / (1/ceiling + one file's CPU): everything else (CSR, database, audit) free")
    else:
        add("one output file by itself, CPU per file", NA, unit="us")
    add("batch no files, into the @%s DB" % fmt_count(N_LARGE), big, None, rate2,
        unit="cert/s", ratio=med(b / p for b, p in zip(big_rates, nf_rates)),
        note="limit column = the same batch into the small DB; ratio near 1: no growth")
    notes.append("batch: %d requests per run, %d rounds; rates are medians over the rounds, "
                 "ratios the medians of each round's ratio (CPU seconds of the process, "
                 "user+sys, under taskset -c 0); %s" %
                 (len(csrs), BATCH_ROUNDS, "; ".join(detail)))


def time_v(cmd, env=None):
    """Wall seconds and peak RSS (MB) from /usr/bin/time -v."""
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd[:3]), r.stderr.strip()[-300:]))
    wall = rss = None
    for l in r.stderr.splitlines():
        l = l.strip()
        if l.startswith("Elapsed (wall clock) time"):
            v = l.split(": ", 1)[1].split(":")
            wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(v)))
        elif l.startswith("Maximum resident set size"):
            rss = int(l.split(":")[1]) / 1024.0
    return wall, rss


def crl_check(path, issuer_pem, who):
    """Entry count and signature check of a CRL, by python cryptography."""
    from cryptography import x509
    with open(path, "rb") as f:
        data = f.read()
    crl = (x509.load_pem_x509_crl if data.startswith(b"-----") else x509.load_der_x509_crl)(data)
    with open(issuer_pem, "rb") as f:
        issuer = x509.load_pem_x509_certificate(f.read())
    return "%s CRL has %d entries, signature %s" % (
        who, len(crl), "verifies" if crl.is_signature_valid(issuer.public_key()) else "DOES NOT VERIFY")


def part_crl(ctx):
    """3. CRL with N_HUGE revoked entries."""
    label = "crl of %s revoked" % fmt_count(N_HUGE)
    if not has_command("crl") or not os.path.exists("/usr/bin/time"):
        add(label + ": wall", NA, unit="s")
        add(label + ": peak RSS", NA, unit="MB")
        return
    env = ctx["env_crl"]
    db = os.path.join(env["PINCA_DIR"], "pinca.db")
    now = int(time.time())
    t = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("BEGIN")
    con.execute("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                "INSERT INTO revocations(serial, issuer_id, revoked_at, reason, not_after) "
                "SELECT printf('%08x%024x', 268435456 + (i * 2654435761) % 1879048191, i), ?, "
                "? - 86400, 1, ? + 300 * 86400 FROM n ORDER BY 1", (N_HUGE - 1, ctx["int_id"], now, now))
    con.commit()
    con.close()
    notes.append("revocations: %d rows inserted with sqlite3 in one transaction (%.1f s); "
                 "openssl index.txt: the same serials as R lines" % (N_HUGE, time.perf_counter() - t))
    cnf = ossl_ca(os.path.join(W, "ossl-crl"), ctx["int_cert"], ctx["int_key"], N_HUGE, "R")
    pw, prss = time_v([PINCA, "crl", "--out", os.path.join(W, "pinca.crl")], env)
    ow, orss = time_v(["openssl", "ca", "-config", cnf, "-gencrl", "-out",
                       os.path.join(W, "openssl.crl")])
    notes.append("crl: " + crl_check(os.path.join(W, "pinca.crl"), ctx["int_cert"], "pinca") +
                 "; " + crl_check(os.path.join(W, "openssl.crl"), ctx["int_cert"], "openssl"))
    add(label + ": wall", pw, ow, unit="s", target="<= 2 s", met=pw <= 2.0, ratio=ow / pw)
    add(label + ": peak RSS", prss, orss, unit="MB", target="<= 150 MB", met=prss <= 150,
        ratio=orss / prss)


def part_db(ctx):
    """4. db list --expiring 30 and db show on N_HUGE certificates."""
    label = "on %s certs" % fmt_count(N_HUGE)
    if not has_command("db", "list") or not has_command("db", "show"):
        add("db list --expiring 30 " + label, NA, unit="ms")
        add("db show SERIAL " + label, NA, unit="ms")
        return
    env = ctx["env"]
    have = count_certs(env)
    if have < N_HUGE:
        log("seeding pinca to %d certificates" % N_HUGE)
        secs = seed_pinca(env, N_HUGE - have, 10, "huge-")
        notes.append("db: seeded from %d to %d certificate rows in %.1f s (10 per lineage, "
                     "not_after uniform over now-30d..now+825d)" % (have, N_HUGE, secs))
    con = sqlite3.connect(os.path.join(env["PINCA_DIR"], "pinca.db"))
    serials = [r[0] for r in con.execute("SELECT serial FROM certificates ORDER BY random() "
                                         "LIMIT 10")]
    due = con.execute("SELECT count(*) FROM certificates WHERE not_after BETWEEN ? AND ?",
                      (int(time.time()), int(time.time()) + 30 * 86400)).fetchone()[0]
    con.close()
    lst = median_ms([[PINCA, "db", "list", "--expiring", "30"] for _ in range(5)], env)
    show = median_ms([[PINCA, "db", "show", s] for s in serials], env)
    add("db list --expiring 30 " + label, lst, unit="ms", target="<= 100 ms", met=lst <= 100,
        note="%d certificates expire within 30 days" % due)
    add("db show SERIAL " + label, show, unit="ms", target="<= 20 ms", met=show <= 20)


def main():
    global W
    W = tempfile.mkdtemp(prefix="pinca-bench-", dir=os.environ.get("BENCH_TMP"))
    # On ext4, mark the work directory as the top of a hierarchy (chattr +T):
    # its subdirectories then go to block groups of their own instead of
    # /tmp's. On a filesystem without a journal, ext4 allocates a new inode
    # by skipping every inode freed in the last minutes in that group one by
    # one, and on a machine where test suites churn /tmp that made each new
    # file (pinca's and openssl's alike) cost hundreds of microseconds more,
    # varying from run to run. Elsewhere chattr fails and nothing changes.
    topdir = subprocess.run(["chattr", "+T", W], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0 if shutil.which("chattr") else False
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    machine = {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
               "openssl": run(["openssl", "version"], capture=True).stdout.strip(),
               "sqlite": sqlite3.sqlite_version, "work_dir": W, "work_dir_topdir": topdir,
               "load_avg_start": os.getloadavg()[0]}
    print("pinca bench: %s, %d cores (%s), load average %.2f, work dir %s%s" %
          (cpu, os.cpu_count(), machine["openssl"], machine["load_avg_start"], W,
           " (chattr +T)" if topdir else ""))
    start = time.perf_counter()
    ctx = {}
    log("making CSRs (python cryptography) and CA directories")
    ctx["csrs_single"] = make_csrs(os.path.join(W, "csr"), CALLS, "one")
    ctx["csrs_batch"] = make_csrs(os.path.join(W, "csr"), N_BATCH, "many")
    ctx["env"] = pinca_ca(os.path.join(W, "pinca"))
    ctx["int_cert"], ctx["int_key"], ctx["int_id"] = intermediate_files(ctx["env"],
                                                                        os.path.join(W, "int"))
    ctx["passfile"] = os.path.join(W, "pass")
    with open(ctx["passfile"], "w") as f:
        f.write("bench passphrase for the KDF row\n")
    os.chmod(ctx["passfile"], 0o600)
    ctx["env_kdf"] = pinca_ca(os.path.join(W, "pinca-kdf"), ctx["passfile"])
    # 100 real certificates through the batch path: the @100 database.
    seedcsrs = make_csrs(os.path.join(W, "csr"), N_SMALL, "seed")
    bf = os.path.join(W, "seed.jsonl")
    batch_file(bf, seedcsrs, os.path.join(W, "csr"), "seed")
    run([PINCA, "issue", "--batch", bf], env=ctx["env"])
    for name in ("batch", "crl"):
        d = os.path.join(W, "pinca-" + name)
        shutil.copytree(ctx["env"]["PINCA_DIR"], d)
        ctx["env_" + name] = dict(os.environ, PINCA_DIR=d)
    notes.append("the @100 database holds 100 certificates issued by `pinca issue --batch`")
    for part in (part_single, part_batch, part_crl, part_db):
        log("running " + part.__doc__.strip())
        try:
            part(ctx)
        except Exception as e:  # a measurement: report and carry on
            add(part.__doc__.strip().split(".")[0] + ". failed", "error: %s" % e)
    machine["load_avg_end"] = os.getloadavg()[0]
    machine["seconds"] = round(time.perf_counter() - start, 1)
    print_table()
    doc = {"machine": machine, "rows": rows, "notes": notes}
    path = os.path.join(W, "bench-results.json")
    for p in (path, os.path.join(ROOT, "build", "bench-results.json")):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            json.dump(doc, f, indent=2)
    print("results: %s (copied to build/bench-results.json); %.0f s" % (path, machine["seconds"]))
    if os.environ.get("BENCH_KEEP") != "1":
        # The seeded databases and indexes run to gigabytes: keep only the results.
        for name in os.listdir(W):
            p = os.path.join(W, name)
            if name != "bench-results.json":
                shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)


if __name__ == "__main__":
    main()
