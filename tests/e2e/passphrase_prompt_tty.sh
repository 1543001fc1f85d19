#!/bin/bash
# The passphrase prompt on the terminal (common/secret.c, secret_from_tty),
# driven through a real pseudo-terminal that is pinca's controlling terminal:
# a root and an intermediate made with passphrases typed twice, keys checked
# with openssl; echo off (the typed passphrase is never shown, the prompt is);
# a mismatched confirmation, a wrong passphrase, ^D and ^C refused with
# nothing changed; type-ahead right after the prompt; no terminal at all.
. "$(dirname "$0")/lib.sh"

# The driver: Python's pty module only, a deadline on every wait.
cat >"$T/ptydrive.py" <<'PYEOF'
# ptydrive.py LOG STEPS -- CMD...: runs CMD in a new session whose controlling
# terminal (and stdin) is a fresh pseudo-terminal; stdout and stderr are
# inherited. STEPS is a JSON list of [op, text]: "expect" waits until the
# terminal has shown text, "quiet" fails unless echo is off right now, "send"
# types text. Everything the terminal showed is written to LOG.
# Exit status: CMD's (128+N when killed by signal N); 124 after a timeout (CMD
# is killed); 125 when CMD left echo off; 126 when echo was on at a "quiet".
import errno, fcntl, json, os, pty, select, signal, sys, termios, time

STEP_TIMEOUT = 15.0
log_path, steps = sys.argv[1], json.loads(sys.argv[2])
cmd = sys.argv[sys.argv.index("--") + 1:]
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    try:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(slave, 0)
        os.close(slave)
        os.execvp(cmd[0], cmd)
    except BaseException as e:
        os.write(2, ("ptydrive: cannot run %s: %s\n" % (cmd[0], e)).encode())
    os._exit(127)
# The parent keeps its slave descriptor: the terminal's settings outlive CMD.

shown = bytearray()
seen = 0
status = None

def drain(timeout):
    """Adds what the terminal shows within timeout seconds; returns its length."""
    if not select.select([master], [], [], max(timeout, 0))[0]:
        return 0
    try:
        data = os.read(master, 4096)
    except OSError as e:
        if e.errno == errno.EIO:
            return 0
        raise
    shown.extend(data)
    return len(data)

def reaped():
    global status
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            status = st
    return status is not None

def save():
    with open(log_path, "wb") as f:
        f.write(shown)

def fail(code, why):
    os.write(2, ("ptydrive: %s; the terminal showed %r\n" % (why, bytes(shown[-160:]))).encode())
    if not reaped():
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    save()
    sys.exit(code)

def echo_on():
    return bool(termios.tcgetattr(master)[3] & termios.ECHO)

for op, arg in steps:
    deadline = time.monotonic() + STEP_TIMEOUT
    if op == "expect":
        want = arg.encode()
        while shown.find(want, seen) < 0:
            if time.monotonic() > deadline:
                fail(124, "timeout waiting for %r" % arg)
            if drain(min(0.1, deadline - time.monotonic())) == 0 and reaped() and drain(0.1) == 0:
                fail(124, "exited before showing %r" % arg)
        seen = shown.find(want, seen) + len(want)
    elif op == "quiet":
        if echo_on():
            fail(126, "echo was on while the prompt was shown")
    elif op == "send":
        os.write(master, arg.encode())
    else:
        fail(2, "unknown step " + op)

deadline = time.monotonic() + STEP_TIMEOUT
while not reaped():
    if time.monotonic() > deadline:
        fail(124, "timeout waiting for the command to exit")
    drain(0.05)
while drain(0.01):
    pass
save()
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
if not echo_on():
    fail(125, "the command (status %d) left echo off" % code)
sys.exit(code)
PYEOF

GOOD=Typed-Secret-6b1f29   # the passphrase typed at the prompts
OTHER=Other-Secret-93ce07  # a wrong one
printf '%s\n' "$GOOD" >"$T/good"; printf '%s\n' "$OTHER" >"$T/other"; chmod 600 "$T/good" "$T/other"

# on_tty LOG STEPS CMD...: runs CMD on a fresh pseudo-terminal (see above).
on_tty() { local log=$1 steps=$2; shift 2; timeout 90 "$PY" "$T/ptydrive.py" "$log" "$steps" -- "$@"; }
# typed PROMPT TEXT [PROMPT TEXT]...: steps that wait for each PROMPT, check
# that echo is off, then type TEXT and Enter (TEXT may hold JSON escapes).
typed() { local s='' sep=''
  while [ $# -ge 2 ]; do s="$s$sep[\"expect\",\"$1\"],[\"quiet\",\"\"],[\"send\",\"$2\\n\"]"; sep=,; shift 2; done
  printf '[%s]' "$s"; }
# shown_ok NAME LOG PROMPT...: the terminal showed every PROMPT and no
# passphrase, and pinca's stdout and stderr hold none either.
shown_ok() { local name=$1 log=$2 p; shift 2
  for p in "$@"; do grep -qF -- "$p" "$log" || { bad "$name (prompt '$p' not shown)"; return; }; done
  if cat "$log" "$T/out" "$T/stdout" 2>/dev/null | grep -qF -e "$GOOD" -e "$OTHER" -e short7; then
    bad "$name (a passphrase was shown)"; return; fi
  ok "$name"; }
keys_count() { find "$PINCA_DIR/keys" -type f | wc -l; }
rm -f "$T/stdout"

check "init" "$PINCA" init
R1="passphrase for the new root keys: " R2="passphrase for the new root keys (again): "
I1="passphrase for the new intermediate key: " I2="passphrase for the new intermediate key (again): "
K="passphrase for the intermediate key: "

# A mismatched confirmation, and a short passphrase, make nothing.
before=$(state_of)
refuse "mismatched confirmation refused" 1 "^pinca: the two passphrases differ$" \
  on_tty "$T/tty1" "$(typed "$R1" "$GOOD" "$R2" "$OTHER")" "$PINCA" ca root --cn "TTY Root"
shown_ok "mismatch: both prompts shown, echo off, no passphrase shown" "$T/tty1" "$R1" "$R2"
refuse "short typed passphrase refused before the confirmation" 1 "shorter than 8" \
  on_tty "$T/tty2" "$(typed "$R1" short7)" "$PINCA" ca root --cn "TTY Root"
check "no second prompt after a short passphrase" sh -c "! grep -qF '(again)' '$T/tty2'"
check "refusals left no key and the same database" test "$before" = "$(state_of)" -a "$(keys_count)" = 0

# Type-ahead: the passphrase typed the moment the prompt appears must be
# neither echoed nor lost (it was both, 1 run in 6, when the prompt was shown
# before echo went off).
typeahead() { local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    on_tty "$T/tty3" "[[\"expect\",\"$R1\"],[\"send\",\"$GOOD\\n\"],[\"expect\",\"$R2\"],[\"send\",\"$OTHER\\n\"]]" \
      "$PINCA" ca root --cn "TTY Root" >"$T/out" 2>&1
    [ $? -eq 1 ] && grep -q "differ" "$T/out" && ! grep -qF -e "$GOOD" -e "$OTHER" "$T/tty3" || { echo "run $i" >>"$T/out"; return 1; }
  done; }
check "type-ahead right after the prompt: kept and not echoed (10 runs)" typeahead

# The root, typed twice (the second time with a typo erased by backspace:
# the line is read in canonical mode).
check "ca root with the passphrase typed twice" \
  on_tty "$T/tty4" "$(typed "$R1" "$GOOD" "$R2" "${GOOD}x\\u007f")" "$PINCA" ca root --cn "TTY Root"
shown_ok "ca root: prompts shown, passphrase never shown" "$T/tty4" "$R1" "$R2"
check "ca root: the terminal showed exactly the two prompts" \
  test "$(tr -d '\r' <"$T/tty4")" = "$(printf '%s\n%s\n' "$R1" "$R2")"
"$PINCA" ca show root --pem >"$T/root.pem"
check "root verifies as self-signed (openssl)" openssl verify -x509_strict -CAfile "$T/root.pem" "$T/root.pem"
check "both root keys are encrypted PKCS#8" sh -c "[ \$(ls '$PINCA_DIR'/keys/*.key | wc -l) = 2 ] &&
  for f in '$PINCA_DIR'/keys/*.key; do head -1 \"\$f\" | grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' || exit 1; done"
check "both root keys decrypt with the typed passphrase (openssl)" sh -c "
  for f in '$PINCA_DIR'/keys/*.key; do openssl pkey -in \"\$f\" -passin file:'$T/good' -noout || exit 1; done"
check "no root key decrypts with another passphrase (openssl)" sh -c "
  for f in '$PINCA_DIR'/keys/*.key; do ! openssl pkey -in \"\$f\" -passin file:'$T/other' -noout 2>/dev/null || exit 1; done"
check "the decrypted root key is the certificate's (openssl)" sh -c "
  [ \"\$(openssl pkey -in '$PINCA_DIR'/keys/root-*.key -passin file:'$T/good' -pubout)\" = \"\$(openssl x509 -in '$T/root.pem' -noout -pubkey)\" ]"

# The intermediate: the passphrase typed for its new key also opens the root
# key. Confirmed but wrong for the root: refused, nothing changed.
before=$(state_of)
refuse "ca intermediate with a wrong passphrase for the root key" 1 "wrong passphrase for the root key" \
  on_tty "$T/tty5" "$(typed "$I1" "$OTHER" "$I2" "$OTHER")" "$PINCA" ca intermediate --cn "TTY Issuing CA"
shown_ok "wrong root passphrase: prompts shown, passphrase never shown" "$T/tty5" "$I1" "$I2"
check "the refused intermediate left no key and the same database" test "$before" = "$(state_of)" -a "$(keys_count)" = 2
check "ca intermediate with the passphrase typed twice" \
  on_tty "$T/tty6" "$(typed "$I1" "$GOOD" "$I2" "$GOOD")" "$PINCA" ca intermediate --cn "TTY Issuing CA"
shown_ok "ca intermediate: prompts shown, passphrase never shown" "$T/tty6" "$I1" "$I2"
"$PINCA" ca show intermediate --pem >"$T/int.pem"
check "intermediate verifies under the root (openssl)" openssl verify -x509_strict -CAfile "$T/root.pem" "$T/int.pem"
ikey=$(ls "$PINCA_DIR"/keys/intermediate-*.key 2>/dev/null | head -1)
check "intermediate key is encrypted and opens with the typed passphrase only (openssl)" sh -c "
  grep -q 'BEGIN ENCRYPTED PRIVATE KEY' '$ikey' && openssl pkey -in '$ikey' -passin file:'$T/good' -noout &&
  ! openssl pkey -in '$ikey' -passin file:'$T/other' -noout 2>/dev/null"

# Issuing from the encrypted intermediate key: one prompt.
check "issue with the passphrase typed" \
  on_tty "$T/tty7" "$(typed "$K" "$GOOD")" "$PINCA" issue --name web --dns web.example.com \
  --key-out "$T/web.key" --cert-out "$T/web.pem"
shown_ok "issue: prompt shown, passphrase never shown" "$T/tty7" "$K"
check "the leaf verifies under root and intermediate (openssl)" \
  openssl verify -x509_strict -CAfile "$T/root.pem" -untrusted "$T/int.pem" "$T/web.pem"
before=$(state_of)
refuse "issue with a wrong passphrase typed" 1 "^pinca: wrong passphrase for the intermediate key" \
  on_tty "$T/tty8" "$(typed "$K" "$OTHER")" "$PINCA" issue --name bad --dns bad.example.com \
  --key-out "$T/bad.key" --cert-out "$T/bad.pem"
shown_ok "wrong passphrase: prompt shown, passphrase never shown" "$T/tty8" "$K"
refuse "issue with ^D at the prompt" 1 "^pinca: empty passphrase for the intermediate key" \
  on_tty "$T/tty9" "[[\"expect\",\"$K\"],[\"quiet\",\"\"],[\"send\",\"\\u0004\"]]" "$PINCA" issue --name bad \
  --dns bad.example.com --key-out "$T/bad.key" --cert-out "$T/bad.pem"
# ^C kills pinca at the prompt (status 128+SIGINT), and pinca puts the
# terminal back first: the driver returns 125 if echo was left off.
on_tty "$T/tty10" "[[\"expect\",\"$K\"],[\"quiet\",\"\"],[\"send\",\"\\u0003\"]]" "$PINCA" issue --name bad \
  --dns bad.example.com --key-out "$T/bad.key" --cert-out "$T/bad.pem" >"$T/intr" 2>&1
st=$?
check "issue killed by ^C at the prompt, echo back on (status $st)" test "$st" = 130
check "refused and interrupted issues changed nothing and wrote no file" \
  test "$before" = "$(state_of)" -a ! -e "$T/bad.key" -a ! -e "$T/bad.pem"

# A signal pinca was started with ignored (nohup, trap '') stays ignored at
# the prompt: ^C does nothing and the passphrase typed after it is taken.
on_tty "$T/tty11" "[[\"expect\",\"$K\"],[\"quiet\",\"\"],[\"send\",\"\\u0003\"],[\"send\",\"$GOOD\\n\"]]" \
  sh -c 'trap "" INT; exec "$0" "$@"' "$PINCA" issue --name ign --dns ign.example.com \
  --key-out "$T/ign.key" --cert-out "$T/ign.pem" >"$T/ign.out" 2>&1
st=$?
check "with SIGINT ignored, ^C at the prompt is ignored too (status $st)" sh -c "[ $st = 0 ] &&
  openssl verify -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$T/ign.pem'"

# ^Z at the prompt, under a job-control shell: pinca stops with echo back on
# for the shell, and after fg (and after bg, whose read stops it again)
# turns echo off and asks anew; the passphrase typed then is not shown.
# Before, it was: the shell had turned echo on while pinca was stopped.
jc_issue() { printf '%s issue --name %s --dns %s.example.com --key-out %s --cert-out %s\\n' \
  "$PINCA" "$1" "$1" "$T/$1.key" "$T/$1.pem"; }
on_tty "$T/tty12" "[[\"send\",\"$(jc_issue jc)\"],[\"expect\",\"$K\"],[\"quiet\",\"\"],
  [\"send\",\"\\u001a\"],[\"expect\",\"Stopped\"],[\"send\",\"fg\\n\"],[\"expect\",\"$K\"],[\"quiet\",\"\"],
  [\"send\",\"\\u001a\"],[\"expect\",\"Stopped\"],[\"send\",\"bg\\n\"],[\"expect\",\" &\"],
  [\"send\",\"fg\\n\"],[\"expect\",\"$K\"],[\"quiet\",\"\"],[\"send\",\"$GOOD\\n\"],
  [\"expect\",\"issued \"],[\"send\",\"exit\\n\"]]" \
  sh -c 'PS1="jc$ " exec bash --norc --noprofile -i >/dev/tty 2>&1' >"$T/jc.out" 2>&1
st=$?
check "^Z, fg, ^Z, bg, fg at the prompt, then the passphrase: issued (status $st)" sh -c "[ $st = 0 ] &&
  openssl verify -CAfile '$T/root.pem' -untrusted '$T/int.pem' '$T/jc.pem'"
check "the prompt was shown anew after each fg" test "$(grep -c "$K" "$T/tty12")" -ge 3
rm -f "$T/out" "$T/stdout"
shown_ok "^Z and fg: the passphrase typed after them is not shown" "$T/tty12" "$K" "Stopped"
before=$(state_of)

# No controlling terminal and no pass file: one line, no hang, and the same
# usage status (2) whether the command creates a key or opens one.
refuse "no terminal: issue says so in one line, no hang" 2 "^pinca: no passphrase for the intermediate key: use --pass-file" \
  timeout 20 setsid -w "$PINCA" issue --name bad --dns bad.example.com --key-out "$T/bad.key" </dev/null
refuse "no terminal: crl says so in one line, status 2" 2 "^pinca: no passphrase for the intermediate key: use --pass-file" \
  timeout 20 setsid -w "$PINCA" crl </dev/null
printf '{"name": "bad", "dns": ["bad.example.com"], "key_out": "%s"}\n' "$T/bad.key" >"$T/bad.jsonl"
refuse "no terminal: issue --batch says so in one line, status 2" 2 "^pinca: no passphrase for the intermediate key: use --pass-file" \
  timeout 20 setsid -w "$PINCA" issue --batch "$T/bad.jsonl" </dev/null
refuse "no terminal: ca intermediate says so in one line, no hang" 2 "^pinca: no passphrase for the new intermediate key: use --pass-file" \
  timeout 20 setsid -w "$PINCA" ca intermediate --cn "TTY Issuing CA 2" </dev/null
check "no terminal changed nothing" test "$before" = "$(state_of)" -a ! -e "$T/bad.key"

finish
