package ingest

import (
	"github.com/tracectl/tracectl/internal/dag"
)

// This file is the entry point for the OTLP receiver (package receiver):
// one request body at a time, from memory, with the same decoders that read
// files.

// DecodeJSONRequest decodes one OTLP/HTTP JSON request body, an
// ExportTraceServiceRequest in OTLP/JSON, into spans. An empty body is an
// empty request (the OTLP spec asks servers to accept it). Notices that a
// file read would print (base64 ids, skipped metrics) are dropped: a
// receiver answers per request, it has no stderr to report to.
func DecodeJSONRequest(body []byte) ([]dag.Span, error) {
	if len(body) == 0 {
		return nil, nil
	}
	var n notices
	spans, err := decodeJSONMessage(body, nil, &n, "request body")
	if err != nil || len(spans) == 0 {
		return nil, err
	}
	return dag.Pack(spans), nil
}
