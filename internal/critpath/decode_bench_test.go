// This file compares the analysis with tracectl's own JSON decoder on the
// same data:
//
//	go test -run '^$' -bench . ./internal/critpath/

package critpath

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

// otlpJSONMessages encodes spans as OTLP/JSON ExportTraceServiceRequest
// bodies (hex ids, as the spec says) of at most batch spans each.
func otlpJSONMessages(spans []dag.SpanData, batch int) [][]byte {
	var msgs [][]byte
	for lo := 0; lo < len(spans); lo += batch {
		hi := min(lo+batch, len(spans))
		byRes := map[*dag.Resource][]int{}
		var order []*dag.Resource
		for i := lo; i < hi; i++ {
			r := spans[i].Resource
			if _, ok := byRes[r]; !ok {
				order = append(order, r)
			}
			byRes[r] = append(byRes[r], i)
		}
		var b strings.Builder
		b.WriteString(`{"resourceSpans":[`)
		for k, r := range order {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":` + strconv.Quote(r.Service) + `}}]},"scopeSpans":[{"scope":{"name":"bench"},"spans":[`)
			for j, i := range byRes[r] {
				s := &spans[i]
				if j > 0 {
					b.WriteByte(',')
				}
				parent := ""
				if !s.ParentSpanID.IsZero() {
					parent = hex.EncodeToString(s.ParentSpanID[:])
				}
				b.WriteString(`{"traceId":"` + hex.EncodeToString(s.TraceID[:]) + `","spanId":"` + hex.EncodeToString(s.SpanID[:]) +
					`","parentSpanId":"` + parent + `","name":` + strconv.Quote(s.Name) + `,"kind":2,"startTimeUnixNano":"` +
					strconv.FormatUint(s.Start, 10) + `","endTimeUnixNano":"` + strconv.FormatUint(s.End, 10) + `","attributes":[` +
					`{"key":"http.request.method","value":{"stringValue":"GET"}},` +
					`{"key":"http.response.status_code","value":{"intValue":"200"}},` +
					`{"key":"server.address","value":{"stringValue":"checkout.internal"}}]}`)
			}
			b.WriteString(`]}]}`)
		}
		b.WriteString(`]}`)
		msgs = append(msgs, []byte(b.String()))
	}
	return msgs
}

// BenchmarkDecodeJSONSameData decodes the data BenchmarkCriticalPath
// analyses, as OTLP/JSON, with ingest's decoder.
func BenchmarkDecodeJSONSameData(b *testing.B) {
	for _, shape := range benchShapes {
		d := makeBenchData(b, shape.name, shape.traces, shape.perTrace)
		var all []dag.SpanData
		for _, tr := range d.trees {
			for i := range tr.Nodes {
				all = append(all, tr.Nodes[i].Span.Data())
			}
		}
		msgs := otlpJSONMessages(all, 10_000)
		size := 0
		for _, m := range msgs {
			size += len(m)
		}
		b.Run(shape.name+"/ingest.DecodeJSONRequest", func(b *testing.B) {
			benchDecode(b, msgs, size, d.spans, ingest.DecodeJSONRequest)
		})
	}
}
