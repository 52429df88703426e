#!/usr/bin/env bash
# receive-vs-sink.sh — is `tracectl receive` ever the bottleneck?
#
# In one run, telemetrygen (--rate 0, 2 workers, OTLP/gRPC) sends as fast as
# it can for $DURATION against
#   1. a discard OTLP/gRPC sink (bench/cmd/otlpsink: the Collector's own
#      pdata gRPC server, which unmarshals and drops), and
#   2. `tracectl receive --out FILE` (decode, write Collector-file-exporter
#      JSON lines, assemble traces; --quiet so the terminal is not measured).
# It reports spans/s received both ways, the ratio (target >= 0.9), peak RSS
# of each server (GNU time's "Maximum resident set size") and its CPU time.
# The two servers take turns, ROUNDS times each, so load from other
# processes on the machine falls on both alike.
#
# With --rate 0 telemetrygen generates far more spans than its SDK batch
# processor can export, and drops the rest: "spans/s" is what reached the
# server, which is what the server's speed (its answer latency, and the CPU
# it takes away from the sender on a small machine) decides.
#
# Even on an idle 2-core machine one 10s run of either server varies by
# about ±10%, so the script also prints each round's ratio and their median.
#
# Usage: bench/receive-vs-sink.sh     (DURATION=10s WORKERS=2 ROUNDS=4 by default)
#        TELEMETRYGEN=/path/to/telemetrygen DURATION=30s bench/receive-vs-sink.sh
#        TRACECTL=bin/tracectl OTLPSINK=/tmp/otlpsink bench/receive-vs-sink.sh
# telemetrygen is taken from $TELEMETRYGEN, then $PATH, else installed with
# `go install` into a temporary GOBIN.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-4}
WORKERS=${WORKERS:-2}
PORT=${PORT:-14317}
find_tools

# run NAME CMD...: start the server under GNU time, drive telemetrygen
# against it, stop it with SIGINT, print "spans seconds rss_kib cpu_seconds".
run() {
	local name=$1
	shift
	serve "$tmp/$name.out" "$tmp/$name.err" /usr/bin/time -v -o "$tmp/$name.time" "$@"
	local start end
	start=$(date +%s.%N)
	"$tg" traces --otlp-insecure --otlp-endpoint "127.0.0.1:$PORT" --rate 0 --workers "$WORKERS" \
		--duration "$DURATION" >"$tmp/$name.tg" 2>&1
	end=$(date +%s.%N)
	# GNU time forwards nothing: signal its child, the server.
	local spid
	spid=$(pgrep -P "$server_pid" | head -1)
	kill -INT "$spid"
	wait "$server_pid" || true
	local spans rss
	case $name in
	sink) spans=$(sed -n 's/^otlpsink: \([0-9]*\) spans$/\1/p' "$tmp/$name.err") ;;
	receive) spans=$(sed -n 's/.*received \([0-9]*\) spans.*/\1/p' "$tmp/$name.err") ;;
	esac
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/$name.time")
	cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$tmp/$name.time")
	echo "${spans:-0} $(echo "$end - $start" | bc -l) ${rss:-0} ${cpu:-0}"
}

s_spans=0 s_secs=0 s_rss=0 s_cpu=0 r_spans=0 r_secs=0 r_rss=0 r_cpu=0 ratios=()
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq 1 "$ROUNDS"); do
	read -r n secs rss cpu <<<"$(run sink "$otlpsink" -addr "127.0.0.1:$PORT")"
	sink_rate=$(echo "$n / $secs" | bc -l)
	echo "round $round: sink    $n spans in $secs s" >&2
	s_spans=$((s_spans + n)) s_secs=$(echo "$s_secs + $secs" | bc -l) s_cpu=$(echo "$s_cpu + $cpu" | bc -l)
	s_rss=$((rss > s_rss ? rss : s_rss))
	rm -f "$tmp/out.json"
	read -r n secs rss cpu <<<"$(run receive "$tracectl" receive --quiet --grpc-addr "127.0.0.1:$PORT" --http-addr '' --out "$tmp/out.json")"
	echo "round $round: receive $n spans in $secs s ($(wc -l <"$tmp/out.json") requests in --out)" >&2
	r_spans=$((r_spans + n)) r_secs=$(echo "$r_secs + $secs" | bc -l) r_cpu=$(echo "$r_cpu + $cpu" | bc -l)
	r_rss=$((rss > r_rss ? rss : r_rss))
	ratios+=("$(echo "($n / $secs) / $sink_rate" | bc -l)")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
out_bytes=$(stat -c %s "$tmp/out.json")

s_rate=$(echo "$s_spans / $s_secs" | bc -l)
r_rate=$(echo "$r_spans / $r_secs" | bc -l)
printf 'telemetrygen --rate 0 --workers %s, OTLP/gRPC, %s rounds of %s per server\n' "$WORKERS" "$ROUNDS" "$DURATION"
printf '%-30s %10s %10s %12s %14s\n' "server" "spans" "spans/s" "peak RSS" "CPU µs/span"
printf '%-30s %10d %10.0f %8.1f MiB %14.2f\n' "discard sink (pdata gRPC)" "$s_spans" "$s_rate" "$(echo "$s_rss / 1024" | bc -l)" "$(echo "$s_cpu * 1000000 / $s_spans" | bc -l)"
printf '%-30s %10d %10.0f %8.1f MiB %14.2f\n' "tracectl receive --out FILE" "$r_spans" "$r_rate" "$(echo "$r_rss / 1024" | bc -l)" "$(echo "$r_cpu * 1000000 / $r_spans" | bc -l)"
printf 'ratio receive/sink: %.3f overall, median of rounds %.3f (rounds: %s) (target >= 0.9)\n' \
	"$(echo "$r_rate / $s_rate" | bc -l)" "$median" "$(printf '%.2f ' "${ratios[@]}")"
printf 'last --out file: %s bytes\n' "$out_bytes"
