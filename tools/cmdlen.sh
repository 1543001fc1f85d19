#!/bin/bash
# cmdlen.sh: the thin-command check of issue 17. A command file (main.c and
# every */cmd_*.c) parses options, calls a domain function and prints its
# result, so none of its functions runs past LIMIT lines (60; STYLE.md: "functions
# under ~60"), counted from the line with the function's name to its closing
# brace. Work longer than that belongs in a domain module, where the server
# and every other front end can call it. Prints one line per function over
# the limit as FILE:LINE and fails; run by `make lint` and the test stage
# tests/stages/cmdlen.sh. The functions are found by the tree's layout (the
# name at the start of a line, the body's braces at column 0).
cd "$(dirname "$0")/.." || exit 1
LIMIT=${CMDLEN_LIMIT:-60}
files=$(ls main.c ./*/cmd_*.c 2>/dev/null | sed 's|^\./||')
out=$(awk -v limit="$LIMIT" '
	FNR == 1 { cand = ""; start = 0 }
	/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { cand = $0; candline = FNR }
	/^\{/ { if (cand != "") { name = cand; from = candline; start = 1 } }
	/^\}/ {
		if (start) {
			n = FNR - from + 1
			match(name, /[A-Za-z_0-9]+\(/)
			fn = substr(name, RSTART, RLENGTH - 1)
			if (n > limit)
				printf "%s:%d: %s is %d lines (a command function: at most %d)\n", FILENAME, from, fn, n, limit
			start = 0; cand = ""
		}
	}' $files)
if [ -n "$out" ]; then
	echo "$out"
	echo "cmdlen: $(wc -l <<<"$out") command function(s) over $LIMIT lines: move the work into a domain function"
	exit 1
fi
echo "cmdlen: $(wc -w <<<"$files") command files, every function at most $LIMIT lines"
