#!/usr/bin/env bash
# bounded-memory.sh — issue 15's bar for dumps larger than memory: a
# 10M-span file through `tracectl ls`, `attrib` and `check` in at most
# 1 GiB peak RSS, with the same output as the in-memory path.
#
# 1. Generates the big file once into a cache directory (framed OTLP proto
#    as the Collector's file exporter writes it: SPANS/1M runs of the
#    benchmark dataset generator with seeds 1, 2, …, concatenated, so trace
#    ids do not repeat), and reuses it on later runs.
# 2. Checks on a smaller file (SMALL spans) that every file command prints
#    the same bytes spilled (--max-memory 8MiB: dozens of partitions) as in
#    memory (--max-memory 8GiB).
# 3. Runs each command of BIG_CMDS on the big file under /usr/bin/time -v
#    with --max-memory $MAXMEM and prints peak RSS, wall, user and system
#    time; exits 1 when a peak passes LIMIT. BIG stands for the big file
#    again (diff's candidate).
#
# Usage: bench/bounded-memory.sh
#        SPANS=10000000 MAXMEM=1GiB LIMIT_MIB=1024 CACHE=~/.cache/tracectl-bench bench/bounded-memory.sh
#        BIG_CMDS='assert --every-trace -e {kind=server} --absent {name="nope"};graph;diff BIG' bench/bounded-memory.sh
#        KEEP=0 removes the big file at the end (default: kept for the next run)
# Spill files go to $TMPDIR (or SPILL_DIR); the big file is ~430 bytes a span.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

SPANS=${SPANS:-10000000}
SMALL=${SMALL:-200000}
MAXMEM=${MAXMEM:-1GiB}
LIMIT_MIB=${LIMIT_MIB:-1024}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracectl-bench}
KEEP=${KEEP:-1}
SPILL_DIR=${SPILL_DIR:-${TMPDIR:-/tmp}}
BIG_CMDS=${BIG_CMDS:-ls;attrib;check}
mkdir -p "$CACHE"

echo "building tracectl and gendata..." >&2
(cd "$root" && go build -o "$tmp/tracectl" ./cmd/tracectl)
(cd "$root/bench" && go build -o "$tmp/gendata" ./cmd/gendata)
tracectl=$tmp/tracectl

big=$CACHE/spans-$SPANS.pb
if [ ! -s "$big" ]; then
	echo "generating $big (once)..." >&2
	per=1000000
	runs=$(( (SPANS + per - 1) / per ))
	: >"$big.part"
	for seed in $(seq 1 "$runs"); do
		"$tmp/gendata" -o "$tmp/gen" -spans "$(( SPANS < per ? SPANS : per ))" -seed "$seed" 2>/dev/null
		cat "$tmp/gen/traces.pb" >>"$big.part"
		rm -rf "$tmp/gen"
	done
	mv "$big.part" "$big"
fi
[ "$KEEP" = 1 ] || trap 'cleanup; rm -f "$big"' EXIT
echo "big file: $big, $(du -h "$big" | cut -f1)" >&2

# Same output spilled as in memory, on a smaller file.
"$tmp/gendata" -o "$tmp/small" -spans "$SMALL" -seed 7 2>/dev/null
small=$tmp/small/traces.pb
"$tmp/gendata" -o "$tmp/small2" -spans "$SMALL" -seed 8 2>/dev/null
small2=$tmp/small2/traces.pb # diff's candidate
same=0
for cmd in "ls" "ls -o json --sort duration" "attrib" "attrib -o json --by service" "attrib -o folded" \
	"check" "check -o json" "critpath -o json" "critpath" "tree -o json" "tree" "query -o json {status=error}" "query --traces {kind=consumer}" \
	"assert --every-trace -e {kind=server} -e {name=\"nope\"&&duration>1s} -e {kind=client}|count()>9" "graph" "graph -o json" \
	"diff -o json SMALL" "diff --by service SMALL2"; do
	read -r -a argv <<<"${cmd//SMALL2/$small2}"
	argv=("${argv[@]//SMALL/$small}")
	# The input right after the command name: a query goes last.
	"$tracectl" "${argv[0]}" "$small" --max-memory 8GiB "${argv[@]:1}" >"$tmp/mem.out" 2>"$tmp/mem.err" || true
	"$tracectl" "${argv[0]}" "$small" --max-memory 8MiB --spill-dir "$SPILL_DIR" "${argv[@]:1}" >"$tmp/spill.out" 2>"$tmp/spill.err" || true
	if cmp -s "$tmp/mem.out" "$tmp/spill.out" && cmp -s "$tmp/mem.err" "$tmp/spill.err"; then
		printf 'same output in memory and spilled: tracectl %s (%s bytes)\n' "$cmd" "$(wc -c <"$tmp/mem.out")"
	else
		printf 'DIFFERENT output spilled: tracectl %s\n' "$cmd"
		same=1
	fi
done

printf '\n%-28s %10s %10s %10s %10s %12s\n' "$(basename "$big")" "peak RSS" "wall" "user" "sys" "B RSS/span"
over=0
IFS=';' read -r -a big_cmds <<<"$BIG_CMDS"
for cmd in "${big_cmds[@]}"; do
	read -r -a argv <<<"$cmd"
	argv=("${argv[@]//BIG/$big}")
	/usr/bin/time -v "$tracectl" "${argv[@]}" --max-memory "$MAXMEM" --spill-dir "$SPILL_DIR" "$big" \
		>"$tmp/big.out" 2>"$tmp/time.txt" || { tail -5 "$tmp/time.txt" >&2; exit 2; }
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time.txt")
	user=$(awk -F': ' '/User time/ {print $2}' "$tmp/time.txt")
	sys=$(awk -F': ' '/System time/ {print $2}' "$tmp/time.txt")
	printf '%-28s %7d MiB %10s %9ss %9ss %12d\n' "tracectl $cmd" $((rss / 1024)) "$wall" "$user" "$sys" $((rss * 1024 / SPANS))
	[ $((rss / 1024)) -le "$LIMIT_MIB" ] || over=1
done
[ $same = 0 ] || { echo "FAIL: spilled output differs from the in-memory output" >&2; exit 1; }
[ $over = 0 ] || { echo "FAIL: a peak RSS is above $LIMIT_MIB MiB" >&2; exit 1; }
echo "ok: every peak RSS within $LIMIT_MIB MiB, spilled output identical"
