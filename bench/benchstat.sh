# benchstat.sh — sourced by the bench scripts: sets $benchstat to
# $BENCHSTAT, else benchstat from $PATH, else one installed with `go install`
# into "$tmp/bin" (the caller's temporary directory, removed on exit).
benchstat=${BENCHSTAT:-$(command -v benchstat || true)}
if [[ -z $benchstat ]]; then
	echo "$(basename "$0"): installing benchstat into a temporary GOBIN" >&2
	(cd "$tmp" && GOBIN="$tmp/bin" GOFLAGS= go install golang.org/x/perf/cmd/benchstat@latest)
	benchstat=$tmp/bin/benchstat
fi
