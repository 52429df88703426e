#!/usr/bin/env bash
# compare.sh — tracectl's OTLP decoders against the OpenTelemetry Collector's
# pdata unmarshalers, side by side in one `go test -bench` run on the same
# bytes (the generated shop dataset: ~150k spans, 512-span requests), then
# summarized by benchstat with the ratios tracectl/pdata checked against the
# targets of issue 2:
#
#   proto spans/s  >= 2.0 x pdata      JSON spans/s >= 1.5 x pdata
#   B/span (bytes allocated per span) <= 0.5 x pdata, both formats
#
# Equivalent to `go test -run '^$' -bench . -count 6` in bench/, except that
# the rounds are separate runs so the two decoders alternate.
#
# The targets apply to BenchmarkDecode (one request per iteration, nothing
# but the decode on either side). BenchmarkStream (the whole file through
# tracectl's streaming reader vs a bufio framing/line loop around pdata) is
# shown for information with the same ratios.
#
# Usage: bench/compare.sh
#        COUNT=10 BENCHTIME=2s bench/compare.sh     (default COUNT=6 BENCHTIME=1s)
#        BENCH='Decode' RAW=/tmp/raw.txt bench/compare.sh
# benchstat is taken from $BENCHSTAT, then $PATH, else installed with
# `go install golang.org/x/perf/cmd/benchstat@latest` into a temporary GOBIN.
# Exits 1 when a target is missed.
set -euo pipefail

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=benchstat.sh
. "$here/benchstat.sh"

raw=${RAW:-$tmp/raw.txt}
: >"$raw"
# One test binary run per round (not -count), so that pdata and tracectl
# alternate round by round and a change in machine load hits both alike.
(cd "$here" && go test -c -o "$tmp/bench.test" .)
for ((i = 1; i <= COUNT; i++)); do
	echo "compare.sh: round $i/$COUNT: -bench '$BENCH' -benchtime $BENCHTIME" >&2
	(cd "$here" && "$tmp/bench.test" -test.run '^$' -test.bench "$BENCH" -test.benchtime "$BENCHTIME") | tee -a "$raw" >&2
done

units='.unit:(spans/s OR B/span OR allocs/span)'
echo
"$benchstat" -col /decoder -filter "$units" "$raw"
echo
"$benchstat" -col /decoder -filter "$units" -format csv "$raw" 2>/dev/null | awk -F, '
	function target(name, unit) {
		if (name !~ /^Decode\//) return ""
		if (unit == "spans/s") return name ~ /format=proto/ ? ">=2.0" : ">=1.5"
		if (unit == "B/span") return "<=0.5"
		return ""
	}
	function num(x, unit) {
		if (x == "") return "-"
		if (unit == "spans/s") return sprintf("%.0fk", x / 1000)
		if (unit == "B/span") return sprintf("%.0f", x)
		return sprintf("%.2f", x)
	}
	/^,pdata/ { next }
	/^,/      { unit = $2; next }
	/^$/ || /^geomean/ { next }
	{
		name = $1; sub(/-[0-9]+$/, "", name)
		if (!(name in seen)) { seen[name] = 1; names[++n] = name }
		pd[name, unit] = $2; tc[name, unit] = $4
	}
	END {
		printf "%-22s %-12s %10s %10s %9s %7s\n", "benchmark", "metric", "pdata", "tracectl", "ratio", "target"
		split("spans/s B/span allocs/span", us, " ")
		for (i = 1; i <= n; i++) for (j = 1; j <= 3; j++) {
			name = names[i]; unit = us[j]; p = pd[name, unit]; c = tc[name, unit]
			if (p == "" && c == "") continue
			t = target(name, unit); ratio = "n/a"; verdict = ""
			if (p != "" && c != "" && p + 0 != 0) {
				r = c / p; ratio = sprintf("%.2fx", r)
				if (t != "") {
					lim = substr(t, 3) + 0
					ok = (substr(t, 1, 2) == ">=") ? (r >= lim) : (r <= lim)
					verdict = ok ? "ok" : "MISSED"
					if (!ok) missed++
				}
			} else if (t != "") { verdict = "NOT RUN"; missed++ }
			printf "%-22s %-12s %10s %10s %9s %7s %s\n", name, unit, num(p, unit), num(c, unit), ratio, t, verdict
		}
		if (!("Decode/format=proto" in seen) || !("Decode/format=json" in seen)) { print "BenchmarkDecode did not run for both formats"; missed++ }
		if (missed) { printf "\n%d target(s) missed or not run\n", missed; exit 1 }
		print "\nall targets met"
	}
'
