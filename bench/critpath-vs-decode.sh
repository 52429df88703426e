#!/usr/bin/env bash
# critpath-vs-decode.sh — issue 4's bar: critical path + attribution take
# at most 0.3x the time of decoding the same data.
#
# Runs BenchmarkCriticalPath (internal/critpath, the tool's own module) on
# its two shapes, one 1,000,000-span trace and 10,000 traces x 100 spans:
# each round measures, in the same process and on the same spans,
#   analyze+attrib           critical path, self time and attribution by
#                            operation on one core (Analyzer + Attribution),
#   analyze+attrib-parallel  the same through Summarize on every core, as
#                            `tracectl attrib` runs it,
#   decode-ingest.DecodeProto  decoding those spans from OTLP protobuf.
# It prints benchstat's summary and, per round, the two ratios (a busy
# machine moves single runs by ±20%; rounds are comparable within
# themselves), then their medians.
#
# Usage: bench/critpath-vs-decode.sh     (COUNT=6 BENCHTIME=5x by default)
# benchstat is taken from $BENCHSTAT, then $PATH, else installed with
# `go install golang.org/x/perf/cmd/benchstat@latest` into a temporary GOBIN.
set -euo pipefail

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-5x}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=benchstat.sh
. "$here/benchstat.sh"

(cd "$here/.." && go test -run '^$' -bench 'CriticalPath/.*/(analyze\+attrib|decode-ingest)' \
	-benchtime "$BENCHTIME" -count "$COUNT" ./internal/critpath) | tee "$tmp/raw.txt" | grep -E '^Benchmark' >&2
"$benchstat" -filter '.unit:sec/op' "$tmp/raw.txt"
echo
awk '
/^BenchmarkCriticalPath\// {
	split($1, p, "/"); shape = p[2]; name = p[3]; sub(/-[0-9]+$/, "", name)
	k = shape SUBSEP name; n[k]++; v[k, n[k]] = $3; shapes[shape] = 1
}
function median(a, m,   i, j, t) {
	for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return m % 2 ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
}
END {
	for (s in shapes) {
		m = n[s SUBSEP "analyze+attrib"]
		for (i = 1; i <= m; i++) {
			d = v[s, "decode-ingest.DecodeProto", i]
			one[i] = v[s, "analyze+attrib", i] / d; all[i] = v[s, "analyze+attrib-parallel", i] / d
			printf "%-24s round %d   1 core %.2fx   all cores %.2fx\n", s, i, one[i], all[i]
		}
		printf "%-24s median    1 core %.2fx   all cores %.2fx   (bar: <= 0.30x)\n", s, median(one, m), median(all, m)
	}
}' "$tmp/raw.txt"
