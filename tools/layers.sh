#!/bin/bash
# layers.sh: the include check of issue 17. Reads every `#include "dir/file.h"`
# in the project's C sources (main.c and the source folders; tests, fuzz
# targets and tools are outside the layers) and fails on an include that
# points up, from a lower layer to a higher one, printing one line per bad
# arrow as FILE:LINE. Run by `make lint` and by the test stage
# tests/stages/layers.sh. docs/architecture.md draws the same table.
#
# The layers, lowest first, and what each may include (itself and below):
#   common   common/*: errors, files, options, text. Knows nothing else.
#   crypto   the crypto and format helpers: X.509 and key parsing, DER
#            writing, the signer and PKCS#11, Shamir shares, the XML readers.
#            They may use common only: no store, no CA directory.
#   store    db/ but its commands: the only place that speaks SQL.
#            It may use common only: it parses no certificate (crypto is a
#            sibling it must not include) and knows no command line.
#   domain   what a CA does: the authority, the guard, issuing, renewing,
#            revoking, CRLs, the ceremony's transcript, verify, app builds,
#            `db check`, the ACME protocol. May use common, crypto and store.
#   command  main.c, every cmd_*.c and the cmd.h headers: argv, options,
#            --help, printing. May use everything.
# Crypto and store are siblings: neither may include the other.
#
# Files are placed by name (first match wins), not only by folder, because
# today's folders mix layers: ca/ holds crypto helpers, domain modules and
# commands side by side.
#
# KNOWN lists the upward arrows still in the tree, each with its reason.
# They are printed as "known:" and do not fail the check; an entry that no
# longer matches an include fails it, so the list can only shrink.
cd "$(dirname "$0")/.." || exit 1

# pattern (a path without .c/.h, shell glob) -> layer. First match wins.
LAYER_TABLE='
main            command
*/cmd           command
*/cmd_*         command
common/*        common
ca/cert         crypto
ca/keys         crypto
ca/csr          crypto
ca/der_direct*  crypto
ca/constraints  crypto
ca/signer       crypto
ca/signer_*     crypto
ca/pkcs11       crypto
ca/pkcs11_*     crypto
ca/shamir       crypto
ca/shares       crypto
ca/xmltree      crypto
ca/axml         crypto
ca/pin_formats  crypto
issue/lint      crypto
db/*            store
ca/*            domain
issue/*         domain
revoke/*        domain
acme/*          domain
'
# Why the helpers sit in crypto: cert, csr, keys parse and write X.509, CSRs
# and keys, and der_direct* (one header, ca/der_direct.h) are their direct DER
# readers and the leaf encoder; signer* and pkcs11* hold the one signing
# interface and its token backend; shamir and shares split a backup secret;
# xmltree and axml parse Android XML; constraints builds and reads X.509
# nameConstraints (choosing them from the store is constraints_choice, domain); pin_formats only formats a pin set;
# lint checks a certificate's extensions against the profile (X.509 only, no CA state).
# db/ (but its cmd files) is the store, whole: db/list_row formats a row the
# store returns and uses nothing above it.

# layer -> the layers it may include.
declare -A MAY=(
	[common]="common"
	[crypto]="common crypto"
	[store]="common store"
	[domain]="common crypto store domain"
	[command]="common crypto store domain command"
)

# Known upward arrows: one "FROM -> TO  # why" per line, FROM a file, TO
# the header it includes. Empty: the last ones (the guard in ca/cmd.h, db
# check in db/, the CA-name lint in the authority, the constraints choice
# beside the X.509 code, the signer taking a store record) were fixed.
# Add one only with its reason, as a debt to pay, never to pass lint.
KNOWN='
'

# layer_of PATH: sets LAYER to the layer of a source or header path (empty:
# none), remembered per path.
declare -A LAYER_MEMO=()
read -r -d '' -a LAYER_ROWS <<<"$LAYER_TABLE"
layer_of() {
	local stem=${1%.[ch]} i
	LAYER=${LAYER_MEMO[$1]-}
	[ -n "${LAYER_MEMO[$1]+x}" ] && return
	LAYER=
	for ((i = 0; i + 1 < ${#LAYER_ROWS[@]}; i += 2)); do
		# shellcheck disable=SC2053
		if [[ $stem == ${LAYER_ROWS[i]} ]]; then LAYER=${LAYER_ROWS[i + 1]}; break; fi
	done
	LAYER_MEMO[$1]=$LAYER
}

declare -A known_seen=()
while read -r from _ to _; do
	[ -n "$from" ] && known_seen["$from -> $to"]=0
done <<<"$KNOWN"

bad=0 arrows=0
files=$(ls main.c common/*.[ch] ca/*.[ch] issue/*.[ch] revoke/*.[ch] db/*.[ch] acme/*.[ch] 2>/dev/null)
for f in $files; do
	layer_of "$f"; lf=$LAYER
	if [ -z "$lf" ]; then
		echo "$f:1: not in any layer (add it to LAYER_TABLE in tools/layers.sh)"
		bad=$((bad + 1))
		continue
	fi
	while IFS=: read -r line inc; do
		inc=${inc#*\"}; inc=${inc%%\"*}
		arrows=$((arrows + 1))
		layer_of "$inc"; lt=$LAYER
		if [ -z "$lt" ]; then
			echo "$f:$line: includes $inc, which is in no layer"
			bad=$((bad + 1))
			continue
		fi
		[[ " ${MAY[$lf]} " == *" $lt "* ]] && continue
		if [ -n "${known_seen["$f -> $inc"]+x}" ]; then
			known_seen["$f -> $inc"]=1
			echo "known: $f:$line: $lf includes $lt ($inc)"
			continue
		fi
		echo "$f:$line: $lf includes $lt ($inc): an arrow that points up"
		bad=$((bad + 1))
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_0-9]*/[a-z_0-9]*\.h"' "$f" |
	    sed 's/^\([0-9]*\):/\1:/')
done
for k in "${!known_seen[@]}"; do
	if [ "${known_seen[$k]}" = 0 ]; then
		echo "tools/layers.sh: known arrow '$k' is gone: remove it from KNOWN"
		bad=$((bad + 1))
	fi
done
echo "layers: $arrows includes read, $bad bad"
[ "$bad" -eq 0 ]
