package bench

import (
	"io"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

// The tracectl entry points under test, in one place. A nil entry point is
// not written yet; benchmarks and checks that need it skip.
var (
	// tracectlProto decodes one unframed ExportTraceServiceRequest.
	tracectlProto = func(msg []byte) ([]dag.Span, error) { return ingest.DecodeProto(msg, nil) }
	// tracectlJSON decodes one OTLP/JSON ExportTraceServiceRequest.
	tracectlJSON = ingest.DecodeJSONRequest
	// tracectlStream reads a whole file (framed proto or JSON Lines, the
	// format forced as --format does) and calls fn with each batch of spans.
	tracectlStream = func(r io.Reader, format ingest.Format, fn func([]dag.Span) error) error {
		return ingest.Decode(r, "bench", ingest.Options{Format: format}, fn)
	}
)
