#!/usr/bin/env bash
# scale.sh — issue 15's bars, whole process against whole process:
#
#   tracectl ls, attrib and critpath -o json on a file exporter dump, each
#   timed as the user runs it (start to exit), against pdatadecode, the
#   Collector's pdata decoding the same file and doing nothing else;
#   framed proto, JSON Lines and zstd (framed proto as one zstd stream),
#   at 156k and 1M spans (the generated shop dataset, bench/cmd/gendata).
#
#   bars: whole-process wall time below pdata's decode-only time (ratio < 1)
#         for every format; peak RSS <= 300 B per span; a 10M-span file
#         through attrib/check/ls in <= 1 GiB (bench/bounded-memory.sh,
#         run when it exists).
#
# Runs are interleaved (pdata, ls, attrib, critpath, pdata, ls, …), so a
# change in machine load hits every command alike; ratios are per round
# (tracectl / pdata of the same round), reported as min and median. Wall
# and CPU (user+sys) time and peak RSS come from GNU time. A CPU profile of
# one run of each command on the largest proto file ($TRACECTL_CPUPROFILE)
# is summarized by stage (bench/cmd/profsummary).
#
# Writes a markdown report to $OUT (default bench/results/scale-DATE-COMMIT.md)
# and prints it. Exits 1 when a bar is missed.
#
# Usage: bench/scale.sh                          (make bench-scale)
#        SIZES=156000 ROUNDS=3 bench/scale.sh    a quick look
#   SIZES        spans per file (default "156000 1000000")
#   ROUNDS       rounds for files under 500k spans (default 5)
#   ROUNDS_LARGE rounds for larger files (default 3)
#   FORMATS      default "proto json zstd"
#   DATA         where generated files are kept between runs
#                (default ${TMPDIR:-/tmp}/tracectl-bench-data)
#   TRACECTL     the binary under test (default: built from this checkout)
#   SKIP_10M=1   skip bench/bounded-memory.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

SIZES=${SIZES:-156000 1000000}
ROUNDS=${ROUNDS:-5}
ROUNDS_LARGE=${ROUNDS_LARGE:-3}
FORMATS=${FORMATS:-proto json zstd}
DATA=${DATA:-${TMPDIR:-/tmp}/tracectl-bench-data}
commit=$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$root" && git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+dirty"; fi
OUT=${OUT:-$root/bench/results/scale-$(date -u +%Y%m%dT%H%MZ)-$commit.md}

tracectl=${TRACECTL:-}
under_test="tracectl ${TRACECTL:-} (given as \$TRACECTL)"
if [ -z "$tracectl" ]; then
	echo "scale.sh: building tracectl..." >&2
	(cd "$root" && go build -o "$tmp/tracectl" ./cmd/tracectl)
	tracectl=$tmp/tracectl
	under_test="tracectl built from this checkout"
fi
echo "scale.sh: building pdatadecode, gendata, profsummary..." >&2
(cd "$here" && go build -o "$tmp/pdatadecode" ./cmd/pdatadecode &&
	go build -o "$tmp/gendata" ./cmd/gendata && go build -o "$tmp/profsummary" ./cmd/profsummary)

file_of() { # SIZE FORMAT
	case $2 in
	proto) echo "$DATA/$1/traces.pb" ;;
	json) echo "$DATA/$1/traces.jsonl" ;;
	zstd) echo "$DATA/$1/traces.pb.zst" ;;
	esac
}

for n in $SIZES; do
	if [ ! -s "$DATA/$n/traces.pb.zst" ]; then
		echo "scale.sh: generating $n spans into $DATA/$n..." >&2
		"$tmp/gendata" -o "$DATA/$n" -spans "$n" 2>&1 | sed 's/^/  /' >&2
	fi
done

# run LABEL CMD...: runs CMD once, output to /dev/null, and appends
# "LABEL wall_s cpu_s maxrss_kb" to $tmp/runs.
run() {
	local label=$1 t0 t1
	shift
	t0=$(date +%s%N)
	if ! /usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr"; then
		echo "scale.sh: failed: $*" >&2
		cat "$tmp/stderr" >&2
		exit 2
	fi
	t1=$(date +%s%N)
	read -r user sys rss <"$tmp/time"
	printf '%s %.3f %.2f %d\n' "$label" "$(((t1 - t0) / 1000))e-6" "$(echo "$user + $sys" | bc)" "$rss" >>"$tmp/runs"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%FT%TZ)
: >"$tmp/runs"
for n in $SIZES; do
	rounds=$ROUNDS
	if [ "$n" -ge 500000 ]; then rounds=$ROUNDS_LARGE; fi
	for ((r = 1; r <= rounds; r++)); do
		for f in $FORMATS; do
			file=$(file_of "$n" "$f")
			echo "scale.sh: $n spans, $f, round $r/$rounds (load $(cut -d' ' -f1 /proc/loadavg))" >&2
			spans=$("$tmp/pdatadecode" "$file" | cut -d' ' -f1) # also warms the page cache
			run "$n $f pdata $r $spans" "$tmp/pdatadecode" "$file"
			run "$n $f ls $r $spans" "$tracectl" ls "$file"
			run "$n $f attrib $r $spans" "$tracectl" attrib "$file"
			run "$n $f critpath-json $r $spans" "$tracectl" critpath -o json "$file"
		done
	done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

largest=${SIZES##* }
echo "scale.sh: profiling on $largest spans, proto..." >&2
file=$(file_of "$largest" proto)
# $TRACECTL_GCSTATS: the runtime's own estimate of the GC's share, beside
# the profile's.
for c in ls attrib critpath-json; do
	args=("$c")
	if [ "$c" = critpath-json ]; then args=(critpath -o json); fi
	TRACECTL_CPUPROFILE=$tmp/$c.prof TRACECTL_GCSTATS=1 "$tracectl" "${args[@]}" "$file" >/dev/null 2>"$tmp/$c.gc"
done
{
	(cd "$tmp" && "$tmp/profsummary" ls.prof attrib.prof critpath-json.prof)
	echo "runtime/metrics' GC share (ls, attrib, critpath -o json; busy = GOMAXPROCS x wall - idle, so a loaded machine inflates it):"
	grep -h '^tracectl: gc' "$tmp"/ls.gc "$tmp"/attrib.gc "$tmp"/critpath-json.gc || echo '  (not reported: this tracectl has no TRACECTL_GCSTATS)'
} >"$tmp/profile.txt"

bounded=""
if [ -z "${SKIP_10M:-}" ] && [ -x "$here/bounded-memory.sh" ]; then
	echo "scale.sh: bench/bounded-memory.sh (10M spans)..." >&2
	bounded=$(TRACECTL=$tracectl "$here/bounded-memory.sh" 2>&1) || bounded="$bounded
(bounded-memory.sh exited $?)"
fi

mkdir -p "$(dirname "$OUT")"
{
	echo "# bench/scale.sh — $started, commit $commit"
	echo
	echo "Under test: $under_test."
	echo
	echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(go version | cut -d' ' -f3);" \
		"load average $load_start at the start, $load_end at the end (shared machine: wall times move with it; CPU and RSS much less)."
	echo
	echo "Each cell: the median over rounds; ratios are tracectl / pdata decode-only of the same round, min–median."
	echo "Bars: wall ratio < 1.00; peak RSS <= 300 B/span."
	echo
	awk '
	function median(a, m,   i, j, t) {
		for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return m % 2 ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
	}
	function minimum(a, m,   i, x) { x = a[1]; for (i = 2; i <= m; i++) if (a[i] < x) x = a[i]; return x }
	function spanfmt(n) { return n >= 1e6 ? sprintf("%.1fM", n/1e6) : sprintf("%.0fk", n/1e3) }
	{
		size = $1; fmt = $2; cmd = $3; r = $4
		spans[size] = $5; wall[size, fmt, cmd, r] = $6; cpu[size, fmt, cmd, r] = $7; rss[size, fmt, cmd, r] = $8
		if (!((size, fmt) in seen)) { seen[size, fmt] = 1; cells[++ncell] = size SUBSEP fmt }
		if (!((size, fmt, cmd) in seenc) && cmd != "pdata") { seenc[size, fmt, cmd] = 1 }
		if (r > rounds[size]) rounds[size] = r
	}
	END {
		printf "| spans | format | command | wall | wall ratio | CPU | CPU ratio | peak RSS | B/span |\n"
		printf "|---|---|---|---|---|---|---|---|---|\n"
		split("pdata ls attrib critpath-json", cmds, " ")
		for (c = 1; c <= ncell; c++) {
			split(cells[c], k, SUBSEP); size = k[1]; fmt = k[2]; m = rounds[size]
			for (j = 1; j <= 4; j++) {
				cmd = cmds[j]
				delete w; delete u; delete s; delete wr; delete ur
				for (r = 1; r <= m; r++) {
					w[r] = wall[size, fmt, cmd, r]; u[r] = cpu[size, fmt, cmd, r]; s[r] = rss[size, fmt, cmd, r]
					wr[r] = w[r] / wall[size, fmt, "pdata", r]
					ur[r] = wall[size, fmt, "pdata", r] > 0 && cpu[size, fmt, "pdata", r] > 0 ? u[r] / cpu[size, fmt, "pdata", r] : 0
				}
				bps = median(s, m) * 1024 / spans[size]
				name = cmd == "critpath-json" ? "critpath -o json" : cmd
				if (cmd == "pdata") name = "pdata decode-only"
				if (cmd == "pdata") { wratio = "—"; uratio = "—" }
				else {
					wmed = median(wr, m)
					wratio = sprintf("%.2f–%.2f×%s", minimum(wr, m), wmed, wmed < 1 ? "" : " **MISSED**")
					if (wmed >= 1) missed++
					uratio = sprintf("%.2f–%.2f×", minimum(ur, m), median(ur, m))
				}
				bar = ""
				if (cmd != "pdata" && bps > 300) { bar = " **MISSED**"; missed++ }
				printf "| %s | %s | %s | %.2fs | %s | %.2fs | %s | %.0f MiB | %.0f%s |\n", spanfmt(spans[size]), fmt, name,
					median(w, m), wratio, median(u, m), uratio, median(s, m) / 1024, bps, bar
			}
		}
		printf "\n%s\n", missed ? missed " bar(s) missed (wall ratio or B/span)." : "Every wall-time and B/span bar met."
		exit missed ? 1 : 0
	}' "$tmp/runs" >"$tmp/table.md" && verdict=0 || verdict=$?
	cat "$tmp/table.md"
	echo
	echo "## Where the CPU goes (one run each, $largest spans, framed proto)"
	echo
	echo '```'
	cat "$tmp/profile.txt"
	echo '```'
	echo
	echo "## 10M spans in bounded memory"
	echo
	if [ -n "$bounded" ]; then
		echo '```'
		echo "$bounded"
		echo '```'
	else
		echo "Not run (bench/bounded-memory.sh absent, or SKIP_10M set)."
	fi
	echo
	echo "## Runs (size format command round spans wall_s cpu_s maxrss_kb)"
	echo
	echo '```'
	cat "$tmp/runs"
	echo '```'
} >"$OUT"
cat "$OUT"
echo "scale.sh: wrote $OUT" >&2
exit "$verdict"
