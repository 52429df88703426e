#!/usr/bin/env bash
# emit-vs-telemetrygen.sh — does `tracectl emit --scenario synthetic` keep up
# with telemetrygen, the Collector project's load generator?
#
# Both send OTLP/gRPC, unthrottled (--rate 0), with the same number of
# workers, for $DURATION, to the same discard sink (bench/cmd/otlpsink: the
# Collector's pdata gRPC server, which unmarshals every request and counts
# the spans). Both build the same trace shape: a root and one child, two
# string attributes per span (telemetrygen's default; emit --depth 2
# --fanout 1 --attributes 2). Both use the OTel Go SDK's batch span
# processor. telemetrygen's never blocks: a worker that outruns the exporter
# makes spans only for the queue to drop them. emit --scenario synthetic
# blocks by default (span End waits for queue room), so no CPU goes into
# spans that would be dropped; --block-on-full-queue=false gives
# telemetrygen's behaviour. What counts is what the sink received, over each
# tool's wall time (start to exit, the final flush included).
#
# telemetrygen runs with its default batch size (100) and with emit's (512);
# emit runs as shipped (redaction on, blocking), with --no-redact, and with
# --block-on-full-queue=false (dropping, as telemetrygen does).
# Target: emit >= 1x telemetrygen's spans/s at equal workers.
#
# Usage: bench/emit-vs-telemetrygen.sh           (DURATION=10s WORKERS=2)
#        TRACECTL=/path/to/tracectl TELEMETRYGEN=/path/to/telemetrygen WORKERS=4 bench/emit-vs-telemetrygen.sh
# tracectl and otlpsink are built from this checkout unless $TRACECTL and
# $OTLPSINK name binaries; telemetrygen
# is taken from $TELEMETRYGEN, then $PATH, else installed with `go install`
# into a temporary GOBIN.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-10s}
WORKERS=${WORKERS:-2}
PORT=${PORT:-14318}
find_tools

# run NAME CMD...: start a fresh sink, run CMD against it, stop the sink and
# print "NAME spans seconds".
run() {
	local name=$1
	shift
	serve /dev/null "$tmp/$name.sink" "$otlpsink" -addr "127.0.0.1:$PORT"
	local start end
	start=$(date +%s.%N)
	"$@" >"$tmp/$name.out" 2>&1 || { echo "$name failed:" >&2; tail -5 "$tmp/$name.out" >&2; }
	end=$(date +%s.%N)
	kill -INT "$server_pid"
	wait "$server_pid" || true
	local spans
	spans=$(sed -n 's/^otlpsink: \([0-9]*\) spans$/\1/p' "$tmp/$name.sink")
	echo "$name ${spans:-0} $(echo "$end - $start" | bc -l)"
}

ep="127.0.0.1:$PORT"
results=()
results+=("$(run telemetrygen "$tg" traces --otlp-insecure --otlp-endpoint "$ep" --rate 0 \
	--workers "$WORKERS" --duration "$DURATION" --child-spans 1)")
results+=("$(run telemetrygen-512 "$tg" traces --otlp-insecure --otlp-endpoint "$ep" --rate 0 \
	--workers "$WORKERS" --duration "$DURATION" --child-spans 1 --batch-size 512)")
results+=("$(run emit "$tracectl" emit --scenario synthetic --endpoint "$ep" --rate 0 \
	--workers "$WORKERS" --duration "$DURATION" --depth 2 --fanout 1 --attributes 2)")
emit_summary=$(grep '^spans:' "$tmp/emit.out" || true)
results+=("$(run emit-no-redact "$tracectl" emit --scenario synthetic --endpoint "$ep" --rate 0 \
	--workers "$WORKERS" --duration "$DURATION" --depth 2 --fanout 1 --attributes 2 --no-redact)")
noredact_summary=$(grep '^spans:' "$tmp/emit-no-redact.out" || true)
results+=("$(run emit-drop "$tracectl" emit --scenario synthetic --endpoint "$ep" --rate 0 \
	--workers "$WORKERS" --duration "$DURATION" --depth 2 --fanout 1 --attributes 2 --block-on-full-queue=false)")
drop_summary=$(grep '^spans:' "$tmp/emit-drop.out" || true)

printf 'OTLP/gRPC to a discard pdata sink, --rate 0, --workers %s, --duration %s, 2 spans/trace\n' "$WORKERS" "$DURATION"
printf '%-46s %12s %9s %12s %8s\n' "generator" "spans recvd" "seconds" "spans/s" "vs tg"
read -r _ tg_spans tg_secs <<<"${results[0]}"
tg_rate=$(echo "$tg_spans / $tg_secs" | bc -l)
for r in "${results[@]}"; do
	read -r name spans secs <<<"$r"
	rate=$(echo "$spans / $secs" | bc -l)
	label=$name
	case $name in
	telemetrygen) label="telemetrygen traces --child-spans 1" ;;
	telemetrygen-512) label="telemetrygen ... --batch-size 512" ;;
	emit) label="tracectl emit --scenario synthetic" ;;
	emit-no-redact) label="tracectl emit ... --no-redact" ;;
	emit-drop) label="tracectl emit ... --block-on-full-queue=false" ;;
	esac
	printf '%-46s %12d %9.2f %12.0f %7.2fx\n' "$label" "$spans" "$secs" "$rate" "$(echo "$rate / $tg_rate" | bc -l)"
done
echo "emit's own summary:            $emit_summary"
echo "emit --no-redact own summary:  $noredact_summary"
echo "emit, dropping when full:      $drop_summary"
