package receiver

import (
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

// decodeBody decodes one request body with ingest, the decoder that reads
// files: protobuf straight from the wire bytes into dag spans, no
// generated OTLP types in between.
func decodeBody(body []byte, isProto bool) ([]dag.Span, error) {
	if isProto {
		return ingest.DecodeProto(body, nil)
	}
	return ingest.DecodeJSONRequest(body)
}
