# lib.sh — what the peer benchmarks share; source it first thing from a
# bench script. It sets root (the checkout) and tmp (a scratch directory,
# removed on exit, when the processes in pids are killed too).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# find_tools sets tracectl, otlpsink and tg to the binaries under test:
# tracectl and otlpsink from $TRACECTL and $OTLPSINK, else built from this
# checkout into $tmp; telemetrygen from $TELEMETRYGEN, then $PATH, else
# installed with `go install` into a temporary GOBIN.
find_tools() {
	tracectl=${TRACECTL:-}
	if [ -z "$tracectl" ]; then
		echo "building tracectl..." >&2
		(cd "$root" && go build -o "$tmp/tracectl" ./cmd/tracectl)
		tracectl="$tmp/tracectl"
	fi
	otlpsink=${OTLPSINK:-}
	if [ -z "$otlpsink" ]; then
		echo "building otlpsink..." >&2
		(cd "$root/bench" && go build -o "$tmp/otlpsink" ./cmd/otlpsink)
		otlpsink="$tmp/otlpsink"
	fi
	tg=${TELEMETRYGEN:-$(command -v telemetrygen || true)}
	if [ -z "$tg" ]; then
		echo "installing telemetrygen..." >&2
		GOBIN="$tmp/bin" go install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@latest
		tg="$tmp/bin/telemetrygen"
	fi
}

# wait_port PORT waits (up to 10s) until something listens on PORT.
wait_port() {
	for _ in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# serve OUT ERR CMD...: start the server CMD in the background, its output
# in the files OUT and ERR, note its pid in server_pid (and pids) and wait
# until it listens on $PORT.
serve() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" &
	server_pid=$!
	pids+=("$server_pid")
	wait_port "$PORT"
}
