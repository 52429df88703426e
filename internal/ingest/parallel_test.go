package ingest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
)

// decodeWith decodes in with the given number of frame decoders and
// returns the batches (unpacked), the warnings and the error, as text.
func decodeWith(t *testing.T, in []byte, parallel int) (batches [][]dag.SpanData, warnings []string, err string) {
	t.Helper()
	opts := Options{parallel: parallel, Warn: func(m string) { warnings = append(warnings, m) }}
	e := Decode(bytes.NewReader(in), "in.pb", opts, func(b []dag.Span) error {
		batches = append(batches, dag.Unpack(b))
		return nil
	})
	if e != nil {
		err = e.Error()
	}
	return batches, warnings, err
}

// TestParallelFramesMatchSequential decodes framed inputs on one
// goroutine and on several: the batches (order, content, strings), the
// warnings and the errors must be the same.
func TestParallelFramesMatchSequential(t *testing.T) {
	var msgs [][]byte
	for i := range 40 {
		msgs = append(msgs, genMessage(t, uint64(i), fmt.Sprintf("svc-%d", i%5), 5+i%37))
	}
	// Frames with notices: an invalid (3-byte) span id, twice, in
	// different frames, so which one is "first" matters.
	for _, k := range []int{7, 23} {
		req := genRequest(uint64(100+k), "bad", 3)
		req.ResourceSpans[0].ScopeSpans[0].Spans[1].SpanId = []byte{1, 2, 3}
		b, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		msgs[k] = b
	}
	empty, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{}}})
	if err != nil {
		t.Fatal(err)
	}
	msgs[11] = empty
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	zmsgs := make([][]byte, len(msgs))
	for i, m := range msgs {
		zmsgs[i] = enc.EncodeAll(m, nil)
	}
	corrupt := append([][]byte(nil), msgs...)
	corrupt[30] = []byte{0x0a, 0x05, 0xff} // resource_spans runs past its end
	// Legacy zstd frames are decompressed on the workers: a frame that does
	// not decompress, and one that decompresses to a bad message, fail
	// where they are, after the frames before them are delivered.
	zbad := append([][]byte(nil), zmsgs...)
	zbad[30] = append(append([]byte(nil), zmsgs[30][:len(zmsgs[30])/2]...), 0xde, 0xad, 0xbe, 0xef)
	zcorrupt := append([][]byte(nil), zmsgs...)
	zcorrupt[30] = enc.EncodeAll(corrupt[30], nil)

	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr bool
	}{
		{"framed", frame(msgs...), false},
		{"zstd frames", frame(zmsgs...), false},
		{"zstd frame 30 corrupt", frame(zbad...), true},
		{"zstd frame 30 a bad message", frame(zcorrupt...), true},
		{"one zstd stream", enc.EncodeAll(frame(msgs...), nil), false},
		{"error in frame 30", frame(corrupt...), true},
		{"truncated", frame(msgs...)[:len(frame(msgs...))-10], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seqB, seqW, seqE := decodeWith(t, tc.in, 1)
			if (seqE != "") != tc.wantErr {
				t.Fatalf("sequential error %q, want error %v", seqE, tc.wantErr)
			}
			if len(seqB) < 20 {
				t.Fatalf("only %d batches: the test checks little", len(seqB))
			}
			for _, workers := range []int{2, 3, 8} {
				parB, parW, parE := decodeWith(t, tc.in, workers)
				if diff := cmp.Diff(seqB, parB, cmp.Comparer(func(a, b dag.Value) bool { return a.Equal(b) })); diff != "" {
					t.Errorf("%d workers: batches (-sequential +parallel):\n%s", workers, diff)
				}
				if diff := cmp.Diff(seqW, parW); diff != "" {
					t.Errorf("%d workers: warnings (-sequential +parallel):\n%s", workers, diff)
				}
				if seqE != parE {
					t.Errorf("%d workers: error %q, sequential %q", workers, parE, seqE)
				}
			}
		})
	}
}
