#!/bin/bash
# docs.sh: the documentation test. Runs every shell block the docs mark as
# runnable, so that no command in README.md, docs/*.md or the man page's
# EXAMPLES can rot, and checks the shipped examples (man page renders
# without warnings, systemd units pass `systemd-analyze verify`, cron file
# is well formed). Prints "ok"/"FAIL"/"skip" per check and ends with
# "N passed, N failed".
#
# How a block is marked runnable (see docs/README.md):
#   Markdown: a fenced block whose info string is `sh runnable`, optionally
#             followed by a fixture word:
#               ```sh runnable           PINCA_DIR does not exist yet
#               ```sh runnable with-ca   PINCA_DIR holds a primary and a
#                                        standby root and an active
#                                        intermediate, all under $PASSFILE
#   Man page: a comment line `.\" runnable` (or `.\" runnable with-ca`)
#             right before an `.EX` ... `.EE` example.
# Each block runs with `bash -eu -o pipefail` in a fresh temporary directory
# ($tmp, also the working directory) with:
#   PINCA_DIR=$tmp/ca        the CA directory
#   PASSFILE=$tmp/passphrase a passphrase file, mode 0600
#   pinca on PATH            the built binary ($PINCA, default ./pinca)
# A block passes when it exits 0 within 120 seconds.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PINCA=${PINCA:-$ROOT/pinca}
W=$(mktemp -d /tmp/pinca-docs.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" && ln -s "$PINCA" "$W/bin/pinca"
PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED+1)); echo "ok   $1"; }
bad()  { FAILED=$((FAILED+1)); echo "FAIL $1"; [ -n "${2:-}" ] && [ -s "$2" ] && tail -n 8 "$2" | sed 's/^/     /'; return 0; }
skip() { echo "skip $1"; }

# extract_md FILE: writes each runnable block of FILE to $W/blocks/N.sh and
# lists "N LINE FIXTURE" on stdout.
extract_md() {
  awk -v dir="$W/blocks" -v base="$(basename "$1")" '
    /^```sh runnable/ && !inblk { inblk=1; n++; fix=$3; if (fix=="") fix="fresh";
      f=sprintf("%s/%s.%d.sh", dir, base, n); printf "" >f; print n, NR, fix; next }
    /^```/ && inblk { inblk=0; close(f); next }
    inblk { print >f }' "$1"
}

# extract_man FILE: the same for `.\" runnable` + .EX/.EE in a man page,
# turning roff escapes back into the characters a reader would type.
extract_man() {
  awk -v dir="$W/blocks" -v base="$(basename "$1")" '
    /^\.\\" runnable/ { want=1; fix=$3; if (fix=="") fix="fresh"; next }
    /^\.EX/ && want { want=0; inblk=1; n++; f=sprintf("%s/%s.%d.sh", dir, base, n);
      printf "" >f; print n, NR, fix; next }
    /^\.EE/ && inblk { inblk=0; close(f); next }
    inblk { gsub(/\\-/, "-"); gsub(/\\\(aq/, "\047"); gsub(/\\&/, ""); gsub(/\\e/, "\\"); print >f }' "$1"
}

# fixture DIR KIND: prepares DIR for a block.
fixture() { local d=$1 kind=$2
  mkdir -p "$d" && printf 'docs-test-passphrase-0123456789\n' >"$d/passphrase" && chmod 600 "$d/passphrase"
  case $kind in
  fresh) ;;
  with-ca)
    PINCA_DIR=$d/ca "$PINCA" init >/dev/null &&
    PINCA_DIR=$d/ca "$PINCA" ca root --cn "Example Root R1" --standby-cn "Example Root R2" \
      --pass-file "$d/passphrase" >/dev/null &&
    PINCA_DIR=$d/ca "$PINCA" ca intermediate --cn "Example Issuing CA 1" \
      --pass-file "$d/passphrase" >/dev/null ;;
  *) echo "unknown fixture '$kind'" >&2; return 1 ;;
  esac
}

# run_block FILE N LINE FIXTURE: runs one extracted block and reports it.
run_block() { local src=$1 n=$2 line=$3 kind=$4 d="$W/run.$RANDOM$RANDOM"
  local name="$src:$line (block $n, $kind)"
  if ! fixture "$d" "$kind" >"$W/fixture.log" 2>&1; then bad "$name: fixture" "$W/fixture.log"; return; fi
  if (cd "$d" && env PATH="$W/bin:$PATH" PINCA_DIR="$d/ca" PASSFILE="$d/passphrase" \
        timeout 120 bash -eu -o pipefail "$W/blocks/$(basename "$src").$n.sh") >"$W/block.log" 2>&1; then
    ok "$name"
  else
    bad "$name (exit $?)" "$W/block.log"
  fi
  rm -rf "$d"
}

# run_in_order FILE: the runnable blocks of FILE one after another in one
# shell, as a reader following the page runs them (the first block's
# fixture; a later block sees what the earlier ones made and the directory
# they cd'ed into).
run_in_order() { local src=$1 d="$W/order.$RANDOM$RANDOM" first
  first=$(extract_md "$src" | head -n 1 | awk '{print $3}')
  [ -n "$first" ] || return 0
  : >"$W/order.sh"
  extract_md "$src" | while read -r n _ _; do cat "$W/blocks/$(basename "$src").$n.sh"; done >"$W/order.sh"
  if ! fixture "$d" "$first" >"$W/fixture.log" 2>&1; then bad "$src in order: fixture" "$W/fixture.log"; return; fi
  if (cd "$d" && env PATH="$W/bin:$PATH" PINCA_DIR="$d/ca" PASSFILE="$d/passphrase" \
        timeout 300 bash -eu -o pipefail "$W/order.sh") >"$W/order.log" 2>&1; then
    ok "$src: every runnable block in order, in one shell"
  else
    bad "$src: the runnable blocks in order, in one shell (exit $?)" "$W/order.log"
  fi
  rm -rf "$d"
}

[ -x "$PINCA" ] || { echo "FAIL no pinca binary at $PINCA (run make)"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$W/blocks"
# No file of the documentation carries merge-conflict markers.
if grep -nE '^(<<<<<<<|=======$|>>>>>>>)' README.md docs/*.md docs/pinca.1 docs/examples/* >"$W/conflict.log" 2>&1; then
  bad "merge-conflict markers in the docs" "$W/conflict.log"
else ok "no merge-conflict markers in README.md, docs/ and docs/examples/"; fi
for f in README.md docs/*.md; do
  [ -f "$f" ] || continue
  while read -r n line kind; do run_block "$f" "$n" "$line" "$kind"; done < <(extract_md "$f")
done
# The README is a tour: its blocks are also run in order, in one shell.
run_in_order README.md
if [ -f docs/pinca.1 ]; then
  while read -r n line kind; do run_block docs/pinca.1 "$n" "$line" "$kind"; done < <(extract_man docs/pinca.1)
  # The man page renders with no warning at all.
  if groff -man -Tutf8 -ww -z docs/pinca.1 >"$W/groff.log" 2>&1 && [ ! -s "$W/groff.log" ]; then
    ok "groff -man -ww renders docs/pinca.1 without warnings"
  else bad "groff -man -ww docs/pinca.1" "$W/groff.log"; fi
  if command -v man >/dev/null && MANWIDTH=80 man -l docs/pinca.1 >"$W/man.txt" 2>"$W/man.log" &&
     [ ! -s "$W/man.log" ] && grep -q 'EXIT STATUS' "$W/man.txt"; then
    ok "man ./docs/pinca.1 renders"
  else bad "man ./docs/pinca.1" "$W/man.log"; fi
fi

# Every command and every option the binary's --help lists is in the man
# page, so a flag that lands without documentation fails here.
# help_commands PREFIX...: the commands listed under "commands:" by --help.
help_commands() { "$PINCA" "$@" --help 2>/dev/null | awk '/^commands:/ { on=1; next } on && /^  [a-z]/ { print $1 }'; }
if [ -f docs/pinca.1 ]; then
  groff -man -Tutf8 -P-c -P-b -P-u docs/pinca.1 2>/dev/null >"$W/man.plain"
  # --dir, --db, --json, --help and the passphrase options are documented once.
  awk '/^COMMON OPTIONS/ { on=1; next } on && /^[A-Z]/ { exit } on' "$W/man.plain" >"$W/common-options"
  missing=""
  while read -r cmd; do
    sub=$(help_commands $cmd)
    if [ -n "$sub" ]; then
      for s in $sub; do printf '%s %s\n' "$cmd" "$s"; done
    else printf '%s\n' "$cmd"; fi
  done < <(help_commands) >"$W/commands"
  # man_section TITLE: the text of the subsection "pinca TITLE" (.SS), up to
  # the next subsection or section; options are looked up there only.
  man_section() { awk -v t="   pinca $1" '$0 == t { on=1; next } on && (/^   pinca / || /^[A-Z]/) { exit } on' "$W/man.plain"; }
  while read -r c; do
    man_section "$c" >"$W/section"
    [ -s "$W/section" ] || man_section "${c%% *}" >"$W/section"   # app add -> pinca app
    [ -s "$W/section" ] || { missing="$missing [no section 'pinca $c']"; continue; }
    cat "$W/common-options" >>"$W/section"
    for o in $("$PINCA" $c --help 2>/dev/null | grep -oE '^  --[a-z0-9-]+' | sed 's/^ *//'); do
      grep -qE -- "${o}([^a-z0-9-]|$)" "$W/section" || missing="$missing [pinca $c $o]"
    done
  done <"$W/commands"
  if [ -z "$missing" ]; then ok "man page documents every command and option of --help ($(wc -l <"$W/commands") commands)"
  else echo "$missing" >"$W/missing.log"; bad "man page lacks:" "$W/missing.log"; fi
fi

# Every option of every command's --help is in the SYNOPSIS too (the
# options of COMMON OPTIONS, those of a token's module and PIN among them,
# and --help aside): the synopsis is where a
# reader looks first.
if [ -f docs/pinca.1 ]; then
  awk '/^SYNOPSIS/ { on=1; next } on && /^[A-Z]/ { exit } on' "$W/man.plain" | tr -s ' \n' ' ' >"$W/synopsis"
  missing=""
  while read -r c; do
    for o in $("$PINCA" $c --help 2>/dev/null | grep -oE '^  --[a-z0-9-]+' | sed 's/^ *//'); do
      case $o in --dir|--db|--json|--help|--pass-file|--pass-env|--no-passphrase|--force|--module|--pin-file) continue ;; esac
      # The option must appear in this command's part of the synopsis: from
      # its words to the next "pinca " or "| GROUP " (db list ... | db show).
      python3 - "$W/synopsis" "$c" "$o" <<'PYEOF' || missing="$missing [pinca $c $o]"
import re, sys
syn, cmd, opt = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
group = cmd.split()[0]
found = False
for m in re.finditer(r'(?:pinca |\| )' + re.escape(cmd) + r'(?= |$)', syn):
    rest = syn[m.end():]
    end = re.search(r'pinca |\| ' + re.escape(group) + ' ', rest)
    seg = rest[:end.start()] if end else rest
    found |= re.search(re.escape(opt) + r'(?![a-z0-9-])', seg) is not None
sys.exit(0 if found else 1)
PYEOF
    done
  done <"$W/commands"
  if [ -z "$missing" ]; then ok "the SYNOPSIS names every option of every command's --help"
  else echo "$missing" >"$W/synopsis.log"; bad "SYNOPSIS lacks:" "$W/synopsis.log"; fi
fi

# The systemd units: verified offline against the built binary.
# (tools/deps.sh installs systemd, so a missing systemd-analyze fails.)
units=(docs/examples/*.service docs/examples/*.timer)
if [ ! -e "${units[0]}" ]; then :
elif ! command -v systemd-analyze >/dev/null; then bad "systemd-analyze verify: systemd-analyze is not installed (tools/deps.sh installs it)"
else
  mkdir -p "$W/units"
  for u in "${units[@]}"; do
    sed "s#/usr/local/bin/pinca#$PINCA#g" "$u" >"$W/units/$(basename "$u")"
  done
  if systemd-analyze verify --man=no "$W"/units/*.service "$W"/units/*.timer >"$W/sd.log" 2>&1 &&
     ! grep -Eiv '^$' "$W/sd.log" | grep -v 'Failed to connect to bus' | grep -q .; then
    ok "systemd-analyze verify docs/examples units"
  else bad "systemd-analyze verify docs/examples units" "$W/sd.log"; fi
fi

# The cron file: every job line has 5 time fields, a user, and runs pinca.
if [ -f docs/examples/pinca.cron ]; then
  if awk '/^[[:space:]]*(#|$)/ || /^[A-Z_]+=/ { next }
          NF < 7 || $6 !~ /^[a-z_][a-z0-9_-]*$/ || $7 !~ /pinca$/ { bad=1; print "bad line " NR ": " $0 }
          END { exit bad }' docs/examples/pinca.cron >"$W/cron.log" &&
     grep -q 'renew --due' docs/examples/pinca.cron; then
    ok "docs/examples/pinca.cron is well formed and runs renew --due"
  else bad "docs/examples/pinca.cron" "$W/cron.log"; fi
fi

# The cron examples agree: every crontab line shown in the docs is a line of
# docs/examples/pinca.cron, and the cron file runs the same pinca commands
# as the systemd units that a timer starts (the passphrase file aside: a
# credential there). A unit without a timer (pinca-serve.service, a daemon)
# has nothing to agree with.
if [ -f docs/examples/pinca.cron ]; then
  cron_cmds() { awk '/^[[:space:]]*(#|$)/ || /^[A-Z_]+=/ { next } NF >= 7 { $1=$2=$3=$4=$5=$6=""; print }' "$1" |
    sed 's/^ *//; s/--pass-file [^ ]*//; s/  */ /g; s/ *$//' | sort; }
  : >"$W/cron-doc.log"
  for f in README.md docs/*.md docs/pinca.1; do
    grep -nE '^[0-9*/,-]+ +[0-9*/,-]+ +[0-9*/,-]+ +[0-9*/,-]+ +[0-9*/,-]+ +[a-z_][a-z0-9_-]* +pinca ' "$f" |
    while IFS= read -r hit; do
      line=${hit#*:}
      grep -qxF -- "${line#*:}" docs/examples/pinca.cron || echo "$f:$line" >>"$W/cron-doc.log"
    done
  done
  if [ ! -s "$W/cron-doc.log" ]; then ok "every crontab line in the docs is a line of docs/examples/pinca.cron"
  else bad "crontab lines in the docs that docs/examples/pinca.cron does not have:" "$W/cron-doc.log"; fi
  for u in docs/examples/*.service; do [ -f "${u%.service}.timer" ] && cat "$u"; done |
    sed -n 's#^ExecStart=/usr/local/bin/##p' |
    sed 's/--pass-file [^ ]*//; s/"/'"'"'/g; s/  */ /g; s/ *$//' | sort >"$W/units.cmds"
  cron_cmds docs/examples/pinca.cron >"$W/cron.cmds"
  if diff "$W/units.cmds" "$W/cron.cmds" >"$W/cron-units.log"; then
    ok "docs/examples/pinca.cron and the systemd units run the same commands"
  else bad "pinca.cron and the units disagree (< units, > cron)" "$W/cron-units.log"; fi
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
