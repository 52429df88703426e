package bench

import (
	"bytes"
	"testing"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/tracectl/tracectl/bench/internal/dataset"
)

// TestReadFile: pdatadecode's reader finds every span of a dump in each
// form scale.sh times — framed proto, JSON Lines, framed proto as one zstd
// stream — and fails on a dump cut short.
func TestReadFile(t *testing.T) {
	ds, err := dataset.Generate(dataset.Config{Spans: 2000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	framed := ds.FramedProto()
	for name, file := range map[string][]byte{
		"proto": framed,
		"json":  ds.JSONLines(),
		"zstd":  enc.EncodeAll(framed, nil),
	} {
		msgs := 0
		n, err := ReadFile(bytes.NewReader(file), func(ptrace.Traces) { msgs++ })
		if err != nil || n != ds.Spans || msgs != len(ds.Proto) {
			t.Errorf("%s: %d spans in %d messages, %v; want %d in %d", name, n, msgs, err, ds.Spans, len(ds.Proto))
		}
	}
	if _, err := ReadFile(bytes.NewReader(framed[:len(framed)-3]), func(ptrace.Traces) {}); err == nil {
		t.Error("a dump cut short read without error")
	}
}
