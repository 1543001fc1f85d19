#!/bin/bash
# noprint.sh: the "errors are values" check of issue 17. A crypto, store or
# domain file (the layers of tools/layers.sh, whose LAYER_TABLE this script
# reads) never prints: it records its error line with pinca_warnx & co.
# (common/err.c) and hands result lines to the pinca_report its caller gave
# it; only the command layer (main.c, cmd_*.c) and common/ print. Fails on a
# line of such a file, outside comments, that
#   - calls printf, puts, perror, putchar or vprintf (they write to
#     stdout or stderr by themselves),
#   - names stdout, stderr, STDOUT_FILENO or STDERR_FILENO (fprintf(stderr,
#     fputs(..., stdout), write(STDERR_FILENO...), except in fflush(stdout),
#     which prints nothing and only orders what a command printed before a
#     fork,
#   - calls a printing helper of common/: json_print, json_print_line,
#     opts_print_help, pinca_err_print,
# printing one line per finding as FILE:LINE. Run by `make lint` and by the
# test stage tests/stages/noprint.sh.
#
# ALLOW lists the exceptions still in the tree, each "FILE<TAB>TEXT  # why"
# (TEXT: a fixed string of the line). They print as "allowed:" and do not
# fail the check; an entry that no longer matches a line fails it, so the
# list can only shrink.
cd "$(dirname "$0")/.." || exit 1

ALLOW='
acme/signer_proc.c	pinca_err_print();	# the signer child process is its own outermost caller, just before _exit
issue/renew.c	pinca_err_print();	# the deploy hook'"'"'s child process, just before _exit
revoke/crl_out.c	crl_emit(stdout	# the CRL file the caller named is "-": a result file, not a message
ca/der_direct_leaf.c	fprintf(stderr, "pinca: internal error: the leaf encoder	# sanitizer builds only: the read-back mismatch is printed just before abort()
db/backup_pg.c	dup2(out_fd, STDOUT_FILENO)	# the pg_dump child: its stdout becomes the dump file
ca/authority.c	fprintf(stderr, "pinca: note: intermediate validity	# left: a note in the middle of a ceremony; intermediate_build has no report yet
'

# layer_of PATH: sets LAYER from tools/layers.sh's table (first match wins).
read -r -d '' -a LAYER_ROWS < <(sed -n "/^LAYER_TABLE='/,/^'/p" tools/layers.sh | sed '1d;$d')
layer_of() {
	local stem=${1%.[ch]} i
	LAYER=
	for ((i = 0; i + 1 < ${#LAYER_ROWS[@]}; i += 2)); do
		# shellcheck disable=SC2053
		if [[ $stem == ${LAYER_ROWS[i]} ]]; then LAYER=${LAYER_ROWS[i + 1]}; break; fi
	done
}
if [ "${#LAYER_ROWS[@]}" -lt 10 ]; then
	echo "tools/noprint.sh: cannot read LAYER_TABLE from tools/layers.sh"
	exit 1
fi

declare -A allow_seen=()
while IFS=$'\t' read -r file text; do
	[ -n "$file" ] || continue
	allow_seen["$file"$'\t'"${text%%	#*}"]=0
done <<<"$ALLOW"

# The lines that print, as "FILE:LINE:CALL:TEXT", read by one awk over
# every file with comments blanked out (CALL: the name that matched).
printing_lines() {
	awk '
	FNR == 1 { incomment = 0 }
	{
		line = $0; out = ""
		while (length(line) > 0) {
			if (incomment) {
				e = index(line, "*/")
				if (e == 0) { line = ""; break }
				line = substr(line, e + 2); incomment = 0
			} else {
				s = index(line, "/*"); d = index(line, "//")
				if (d > 0 && (s == 0 || d < s)) { out = out substr(line, 1, d - 1); line = ""; break }
				if (s == 0) { out = out line; line = ""; break }
				out = out substr(line, 1, s - 1); line = substr(line, s + 2); incomment = 1
			}
		}
		gsub(/fflush\(stdout\)/, "", out)
		if (match(out, /(^|[^a-z_0-9.>])(printf|puts|perror|putchar|vprintf|json_print|json_print_line|opts_print_help|pinca_err_print)[ \t]*\(/)) {
			call = substr(out, RSTART, RLENGTH); sub(/^[^a-z_]/, "", call); sub(/[ \t]*\($/, "", call)
		} else if (match(out, /(^|[^a-zA-Z_0-9])(stdout|stderr|STDOUT_FILENO|STDERR_FILENO)([^a-zA-Z_0-9]|$)/)) {
			call = substr(out, RSTART, RLENGTH); gsub(/[^a-zA-Z_]/, "", call)
		} else
			next
		print FILENAME ":" FNR ":" call ":" $0
	}' "$@"
}

files=()
for f in ca/*.[ch] issue/*.[ch] revoke/*.[ch] db/*.[ch] acme/*.[ch] common/*.[ch]; do
	[ -f "$f" ] || continue
	layer_of "$f"
	case $LAYER in crypto | store | domain) files+=("$f") ;; esac
done
bad=0
while IFS=: read -r f line call text; do
	hit=
	for k in "${!allow_seen[@]}"; do
		[ "${k%%$'\t'*}" = "$f" ] || continue
		[[ $text == *"${k#*$'\t'}"* ]] || continue
		allow_seen[$k]=1 hit=1
		echo "allowed: $f:$line"
		break
	done
	[ -n "$hit" ] && continue
	echo "$f:$line: prints ($call); record the error with pinca_warnx or hand the line to a pinca_report"
	bad=$((bad + 1))
done < <(printing_lines "${files[@]}")
for k in "${!allow_seen[@]}"; do
	if [ "${allow_seen[$k]}" = 0 ]; then
		echo "tools/noprint.sh: allowed line '${k/$'\t'/: }' is gone: remove it from ALLOW"
		bad=$((bad + 1))
	fi
done
echo "noprint: ${#files[@]} crypto, store and domain files read, $bad bad"
[ "$bad" -eq 0 ]
