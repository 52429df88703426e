#!/usr/bin/env bash
# receive-vs-sink.sh — is `tracectl receive` ever the bottleneck?
#
# In one run, telemetrygen (--rate 0, 2 workers, OTLP/gRPC) sends as fast as
# it can for $DURATION against
#   1. a discard OTLP/gRPC sink (bench/cmd/otlpsink: the Collector's own
#      pdata gRPC server, which unmarshals and drops), and
#   2. `tracectl receive --out FILE` (decode, write Collector-file-exporter
#      JSON lines, assemble traces; --quiet so the terminal is not measured).
# It reports spans/s received both ways, the ratio (target >= 0.9), and peak
# RSS of each server (GNU time's "Maximum resident set size").
#
# Usage: bench/receive-vs-sink.sh            (DURATION=10s WORKERS=2 by default)
#        TELEMETRYGEN=/path/to/telemetrygen DURATION=30s bench/receive-vs-sink.sh
# telemetrygen is taken from $TELEMETRYGEN, then $PATH, else installed with
# `go install` into a temporary GOBIN.
set -euo pipefail

DURATION=${DURATION:-10s}
WORKERS=${WORKERS:-2}
PORT=${PORT:-14317}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building tracectl and otlpsink..." >&2
(cd "$root" && go build -o "$tmp/tracectl" ./cmd/tracectl)
(cd "$root/bench" && go build -o "$tmp/otlpsink" ./cmd/otlpsink)

tg=${TELEMETRYGEN:-$(command -v telemetrygen || true)}
if [ -z "$tg" ]; then
	echo "installing telemetrygen..." >&2
	GOBIN="$tmp/bin" go install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@latest
	tg="$tmp/bin/telemetrygen"
fi

wait_port() {
	for _ in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# run NAME CMD...: start the server under GNU time, drive telemetrygen
# against it, stop it with SIGINT, print "NAME spans seconds rss_kib".
run() {
	local name=$1
	shift
	/usr/bin/time -v -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	local tpid=$!
	pids+=("$tpid")
	wait_port "$PORT"
	local start end
	start=$(date +%s.%N)
	"$tg" traces --otlp-insecure --otlp-endpoint "127.0.0.1:$PORT" --rate 0 --workers "$WORKERS" \
		--duration "$DURATION" >"$tmp/$name.tg" 2>&1
	end=$(date +%s.%N)
	# GNU time forwards nothing: signal its child, the server.
	local spid
	spid=$(pgrep -P "$tpid" | head -1)
	kill -INT "$spid"
	wait "$tpid" || true
	local spans rss
	case $name in
	sink) spans=$(sed -n 's/^otlpsink: \([0-9]*\) spans$/\1/p' "$tmp/$name.err") ;;
	receive) spans=$(sed -n 's/.*received \([0-9]*\) spans.*/\1/p' "$tmp/$name.err") ;;
	esac
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/$name.time")
	echo "$name ${spans:-0} $(echo "$end - $start" | bc -l) ${rss:-0}"
}

sink=$(run sink "$tmp/otlpsink" -addr "127.0.0.1:$PORT")
recv=$(run receive "$tmp/tracectl" receive --quiet --grpc-addr "127.0.0.1:$PORT" --http-addr '' --out "$tmp/out.json")
out_spans=$(wc -l <"$tmp/out.json")

read -r _ s_spans s_secs s_rss <<<"$sink"
read -r _ r_spans r_secs r_rss <<<"$recv"
s_rate=$(echo "$s_spans / $s_secs" | bc -l)
r_rate=$(echo "$r_spans / $r_secs" | bc -l)
printf 'telemetrygen --rate 0 --workers %s --duration %s, OTLP/gRPC\n' "$WORKERS" "$DURATION"
printf '%-34s %12s %10s %12s\n' "server" "spans" "spans/s" "peak RSS"
printf '%-34s %12d %10.0f %9.1f MiB\n' "discard sink (pdata gRPC)" "$s_spans" "$s_rate" "$(echo "$s_rss / 1024" | bc -l)"
printf '%-34s %12d %10.0f %9.1f MiB\n' "tracectl receive --out FILE" "$r_spans" "$r_rate" "$(echo "$r_rss / 1024" | bc -l)"
printf 'ratio receive/sink: %.3f (target >= 0.9); --out: %s lines, %s bytes\n' \
	"$(echo "$r_rate / $s_rate" | bc -l)" "$out_spans" "$(stat -c %s "$tmp/out.json")"
