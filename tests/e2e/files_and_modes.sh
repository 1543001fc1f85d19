#!/bin/bash
# Files and modes (review finding 14): a CA key file or keys/ open to group
# or others is refused with one line naming the mode and the chmod, and
# `db check` reports it, as it reports keys/ or a key gone missing; `init`
# does not take over a non-empty directory; while a key is in memory the
# core size limit is 0; the audit log does not keep --exec's command.
. "$(dirname "$0")/lib.sh"

setup_ca || { echo "FAIL setup"; exit 1; }
K=$PINCA_DIR/keys/$(sqlite3 "$PINCA_DIR/pinca.db" "SELECT key_path FROM cas WHERE role = 'intermediate'" | sed 's|^keys/||')
issue() { "$PINCA" issue --name "$1" --dns "$1.example.com" --key-out "$T/$1.key" "${PASS[@]}"; }

check "db check passes on a fresh CA directory" "$PINCA" db check
check "the intermediate's key is $K, mode 0600" test "$(stat -c %a "$K")" = 600

chmod 644 "$K"
before=$(state_of)
refuse "a key file readable by others is refused" 1 "mode 0644\).*chmod 600 $K" issue a1
check "  ... and nothing changed" test "$before" = "$(state_of)"
refuse "db check fails on it" 1 "1 problem found" "$PINCA" db check
check "  ... naming the key and its mode" grep -q "files: the key of intermediate 'Test Issuing CA' ($K) is open to group or others (mode 0644)" "$T/stdout"
chmod 600 "$K"

chmod 750 "$PINCA_DIR/keys"
refuse "keys/ open to the group is refused" 1 "keys holds the intermediate key .*mode 0750\).*chmod 700" issue a2
refuse "db check fails on keys/ open to the group" 1 "problem" "$PINCA" db check
check "  ... naming keys/ and its mode" grep -q "files: the key directory $PINCA_DIR/keys is open to group or others (mode 0750): chmod 700" "$T/stdout"
chmod 700 "$PINCA_DIR/keys"

mv "$PINCA_DIR/keys" "$PINCA_DIR/keys.away"
refuse "db check fails with keys/ missing" 1 "problems found" "$PINCA" db check
check "  ... naming keys/ and the missing keys" sh -c "grep -q 'files: the key directory $PINCA_DIR/keys is missing' '$T/stdout' &&
  grep -q \"files: the key of root 'Test Root R1' .* is missing\" '$T/stdout'"
mkdir -m 700 "$T/lone" && "$PINCA" db backup "$T/lone/pinca.db" >/dev/null
check "db check --database-only passes on a backup alone in a directory" "$PINCA" db check --database-only --dir "$T/lone"
mv "$PINCA_DIR/keys.away" "$PINCA_DIR/keys"
check "db check passes again once put right" "$PINCA" db check

# init and existing directories.
mkdir "$T/full" && echo notes >"$T/full/notes.txt"
refuse "init refuses a non-empty directory" 1 "not empty" "$PINCA" init --dir "$T/full"
check "  ... and leaves it as it was" sh -c "[ \"\$(ls -A '$T/full')\" = notes.txt ]"
mkdir -m 755 "$T/empty"
check "init takes an empty directory" "$PINCA" init --dir "$T/empty"
check "  ... and makes it 0700" test "$(stat -c %a "$T/empty")" = 700

# Core dumps: the core size limit is 0 once a key is loaded, for an
# encrypted and for an unencrypted intermediate key. `issue --batch -`
# loads the key, then waits on its input (a FIFO held open here).
# core_limit_after_load DIR PASSARGS...: the process's core limit line.
core_limit_after_load() { local dir=$1; shift
  rm -f "$T/fifo"; mkfifo "$T/fifo"
  (ulimit -c unlimited; PINCA_DIR=$dir exec "$PINCA" issue --batch - "$@" <"$T/fifo" >/dev/null 2>&1) &
  local pid=$! line=""
  exec 9>"$T/fifo"
  for _ in $(seq 50); do
    line=$(grep 'Max core file size' "/proc/$pid/limits" 2>/dev/null | awk '{print $5, $6}')
    [ "$line" = "0 0" ] && break
    sleep 0.1
  done
  exec 9>&-; wait "$pid" 2>/dev/null
  echo "$line"; }
check "core limit 0 with an encrypted key in memory" test "$(core_limit_after_load "$PINCA_DIR" "${PASS[@]}")" = "0 0"
D2=$T/plain
PINCA_DIR=$D2 "$PINCA" init >/dev/null
PINCA_DIR=$D2 "$PINCA" ca root --cn R "${PASS[@]}" >/dev/null &&
PINCA_DIR=$D2 "$PINCA" ca intermediate --cn I --no-passphrase "${PASS[@]}" >/dev/null 2>&1 ||
PINCA_DIR=$D2 "$PINCA" ca intermediate --cn I --no-passphrase >/dev/null
check "core limit 0 with an unencrypted key in memory (no passphrase read)" \
  test "$(PINCA_DIR=$D2 core_limit_after_load "$D2")" = "0 0"

# The audit log keeps the command line, but not a deploy hook's command.
issue hooked >/dev/null
check "renew --exec with a token in the hook" "$PINCA" renew hooked "${PASS[@]}" --exec 'true Bearer-s3cret-token'
check "the audit log has no trace of the hook's token" sh -c "! sqlite3 '$PINCA_DIR/pinca.db' 'SELECT command FROM audit' | grep -q s3cret"
check "  ... and records --exec as redacted" sh -c "sqlite3 '$PINCA_DIR/pinca.db' \"SELECT command FROM audit WHERE action = 'renew'\" | grep -q -- '--exec \[redacted\]'"
check "renew --exe (an abbreviation getopt takes) with a token" "$PINCA" renew hooked "${PASS[@]}" --exe 'true Abbrev-s3cret-token'
check "renew --exec=CMD with a token" "$PINCA" renew hooked "${PASS[@]}" --exec='true Equals-s3cret-token'
check "the audit log has no trace of those tokens either" sh -c "! sqlite3 '$PINCA_DIR/pinca.db' 'SELECT command FROM audit' | grep -q -e Abbrev-s3cret -e Equals-s3cret"
check "db audit still verifies the chain" "$PINCA" db audit
finish
