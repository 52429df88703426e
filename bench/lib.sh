# lib.sh — what the peer benchmarks share; source it from a bench script
# after setting root (the checkout) and tmp (a scratch directory).

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
