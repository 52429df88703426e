package ingest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
)

// protoSeeds are the conformance files' messages (when present) and
// generated ones.
func protoSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"telemetrygen/traces.pb", "otelcol-fileexporter/traces.pb", "otelcol-fileexporter/traces-zstd.pb"} {
		if _, err := os.Stat(filepath.Join(conformanceDir, name)); err != nil {
			continue // seeds only; the fuzz target works without them
		}
		msgs := conformanceMessages(f, name)
		seeds = append(seeds, msgs[0], msgs[len(msgs)-1])
	}
	return append(seeds,
		genMessage(f, 1, "svc", 3),
		marshal(f, genRequest(2, "svc", 1)),
		deepValue(3),
		metricsMessage(f, false),
		logsMessage(f),
		nil,
	)
}

// FuzzDecodeProto checks that no message panics the decoder, that errors
// are *Error with an offset inside the message, and that when both it
// and the reference library (proto.Unmarshal) accept a message, they read
// the same ids, names, times and attribute keys.
func FuzzDecodeProto(f *testing.F) {
	for _, s := range protoSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		got, err := DecodeProto(msg, nil)
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error %T: %v", err, err)
			}
			if ie.Offset < 0 || ie.Offset > int64(len(msg)) {
				t.Fatalf("error offset %d outside the %d-byte message: %v", ie.Offset, len(msg), err)
			}
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if proto.Unmarshal(msg, &req) != nil {
			return // e.g. invalid UTF-8, which the reference rejects and tracectl keeps
		}
		want := fromOTLP(&req)
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if diff := cmp.Diff(fuzzSummary(want), fuzzSummary(dag.Unpack(got))); diff != "" {
			t.Fatalf("differs from proto.Unmarshal (-want +got):\n%s", diff)
		}
	})
}

type fuzzSpan struct {
	Trace         dag.TraceID
	Span, Parent  dag.SpanID
	Name          string
	Start, End    uint64
	Keys          []string
	Events, Links int
}

func fuzzSummary(spans []dag.SpanData) []fuzzSpan {
	out := make([]fuzzSpan, len(spans))
	for i := range spans {
		s := &spans[i]
		f := fuzzSpan{Trace: s.TraceID, Span: s.SpanID, Parent: s.ParentSpanID, Name: s.Name,
			Start: s.Start, End: s.End, Events: len(s.Events), Links: len(s.Links)}
		for _, a := range s.Attrs {
			f.Keys = append(f.Keys, a.Key)
		}
		out[i] = f
	}
	return out
}

// FuzzDecode runs the whole path (sniffing, decompression, framing, JSON
// and protobuf) over arbitrary input: no panic, errors are *Error, and
// memory stays bounded by the frame limit.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"telemetrygen/traces.pb", "otelcol-fileexporter/traces-zstd.pb", "otelcol-fileexporter/traces-zstd.json", "otlp-proto-examples/trace.json"} {
		data, err := os.ReadFile(filepath.Join(conformanceDir, name))
		if err != nil {
			continue
		}
		f.Add(data[:min(len(data), 8<<10)])
	}
	for _, s := range protoSeeds(f) {
		f.Add(s)
		f.Add(frame(s, s))
	}
	a := genMessage(f, 1, "svc", 2)
	f.Add(zstdCompress(f, frame(a)))
	f.Add(gzipCompress(f, a))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte("{\"resourceSpans\":[]}\n{}\n"))
	// A protobuf message that starts like JSON ("\n{"), framed.
	{
		req := genRequest(5, "svc", 1)
		req.ResourceSpans[0].Resource, req.ResourceSpans[0].ScopeSpans[0].Scope = nil, nil
		sp := req.ResourceSpans[0].ScopeSpans[0].Spans[0]
		sp.Attributes, sp.Events, sp.Links, sp.TraceState = nil, nil, nil, ""
		for n := 0; n < 120 && proto.Size(req.ResourceSpans[0]) < 123; n++ {
			sp.Name += "n"
		}
		f.Add(frame(marshal(f, req)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spans := 0
		err := Decode(bytes.NewReader(data), "fuzz", Options{MaxFrame: 1 << 20}, func(packed []dag.Span) error {
			b := dag.Unpack(packed)
			if len(b) == 0 {
				t.Fatal("empty batch")
			}
			spans += len(b)
			return nil
		})
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error %T: %v", err, err)
			}
		}
	})
}
