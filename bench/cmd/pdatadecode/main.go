// Command pdatadecode is the peer of bench/scale.sh's whole-process
// comparisons: it decodes a file exporter dump (framed proto or JSON Lines,
// plain or one zstd stream) with the OpenTelemetry Collector's pdata, as a
// Collector-based tool would, and does nothing else: each message is
// dropped once decoded. It prints the number of spans.
//
// Usage:
//
//	pdatadecode FILE
package main

import (
	"fmt"
	"os"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/tracectl/tracectl/bench"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pdatadecode FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pdatadecode:", err)
		os.Exit(2)
	}
	defer f.Close()
	n, err := bench.ReadFile(f, func(ptrace.Traces) {})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pdatadecode: %s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
	fmt.Println(n, "spans")
}
