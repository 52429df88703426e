#!/usr/bin/env bash
# stream.sh — what --stream buys: the time to the first line of output and
# the peak RSS, with and without --stream, on framed-proto dumps; and a
# whole run of `ls -o json` both ways. Rounds are interleaved (the machine
# is shared: compare within a round, and prefer CPU time and RSS).
#
# Usage: bench/stream.sh [FILE...]
#        ROUNDS=3 bench/stream.sh /tmp/tracectl-bench-data/1000000/traces.pb ~/.cache/tracectl-bench/spans-10000000.pb
# Default files: the 1M-span dump of `make bench-scale` and the 10M-span one
# of bench/bounded-memory.sh, where they exist. TRACECTL=path skips the build.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ROUNDS=${ROUNDS:-2}
tracectl=${TRACECTL:-}
if [ -z "$tracectl" ]; then
	(cd "$root" && go build -o "$tmp/tracectl" ./cmd/tracectl)
	tracectl=$tmp/tracectl
fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	for f in /tmp/tracectl-bench-data/1000000/traces.pb "${XDG_CACHE_HOME:-$HOME/.cache}/tracectl-bench/spans-10000000.pb"; do
		[ -s "$f" ] && files+=("$f")
	done
fi
[ ${#files[@]} -gt 0 ] || { echo "no input: give framed-proto dumps (bench/cmd/gendata writes them)" >&2; exit 2; }

# measure LABEL CMD… prints wall, user and system CPU and peak RSS of CMD
# run by bash (a pipeline: its processes' largest RSS).
measure() {
	local label=$1
	shift
	/usr/bin/time -f "$label	%e s wall	%U s user	%S s sys	%M KiB peak" bash -o pipefail -c "$*" 2>&1 >/dev/null | tail -1
}

for f in "${files[@]}"; do
	echo "== $f ($(du -h "$f" | cut -f1))"
	for r in $(seq 1 "$ROUNDS"); do
		measure "round $r tree --stream | head -1" "'$tracectl' tree --stream '$f' | head -1"
		measure "round $r tree | head -1         " "'$tracectl' tree '$f' | head -1"
		measure "round $r ls --stream -o json    " "'$tracectl' ls --stream -o json '$f'"
		measure "round $r ls -o json             " "'$tracectl' ls -o json '$f'"
	done
done
