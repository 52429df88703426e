package spill

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/testenv"
)

// allFields compares spans field by field (in the long form), unexported
// ones (attribute values) included.
var allFields = cmp.Options{
	cmp.Transformer("Data", func(s dag.Span) dag.SpanData { return s.Data() }),
	cmp.Exporter(func(reflect.Type) bool { return true }),
}

// oddSpans are spans with everything the model can hold: invalid raw ids,
// an async parent, events, links, every value type, nested values, shared
// and absent resources and scopes.
func oddSpans() []dag.Span {
	res := &dag.Resource{Service: "cart", SchemaURL: "https://opentelemetry.io/schemas/1.21.0",
		Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue("cart")}, {Key: "host", Value: dag.StringValue("h\x1b1")}}}
	scope := &dag.Scope{Name: "lib", Version: "1.2", Attrs: []dag.Attr{{Key: "k", Value: dag.BoolValue(true)}}}
	nested := dag.MapValue([]dag.Attr{
		{Key: "a", Value: dag.ArrayValue([]dag.Value{dag.IntValue(-7), dag.DoubleValue(2.5), dag.BytesValue("\x00\xff"), {}})},
		{Key: "m", Value: dag.MapValue([]dag.Attr{{Key: "deep", Value: dag.StringValue("x")}})},
	})
	tid := dag.TraceID{1, 2, 3}
	bad := dag.DeriveTraceID([]byte("not-hex"), true)
	return dag.Pack([]dag.SpanData{
		{TraceID: tid, SpanID: dag.SpanID{1}, Start: 10, End: 1<<64 - 1, Resource: res, Scope: scope, Name: "GET /cart",
			Kind: dag.KindServer, Flags: 0x301, TraceState: "a=b", Status: dag.Status{Code: dag.StatusError, Message: "boom"},
			Attrs:  []dag.Attr{{Key: "n", Value: nested}, {Key: "empty", Value: dag.Value{}}},
			Events: []dag.Event{{Name: "exception", Time: 12, Attrs: []dag.Attr{{Key: "exception.type", Value: dag.StringValue("E")}}}, {Name: "bare"}},
			Links:  []dag.Link{{TraceID: dag.TraceID{9}, SpanID: dag.SpanID{8}, TraceState: "x=y", Flags: 1, Attrs: []dag.Attr{{Key: "l", Value: dag.IntValue(1)}}}}},
		{TraceID: tid, SpanID: dag.SpanID{2}, ParentSpanID: dag.SpanID{1}, Start: 11, End: 12, Resource: res, Name: "consume",
			Kind: dag.KindConsumer, AsyncParent: true},
		{TraceID: bad, SpanID: dag.DeriveSpanID([]byte("span-1"), true), ParentSpanID: dag.DeriveSpanID([]byte{0xab}, false),
			Name: "raw", Raw: &dag.RawIDs{TraceID: "not-hex", SpanID: "span-1", ParentSpanID: "ab", Invalid: dag.FieldTraceID | dag.FieldSpanID | dag.FieldParentSpanID}},
		{TraceID: tid, SpanID: dag.SpanID{1}, Start: 10, End: 11, Name: "duplicate id, other content"},
	})
}

// conformanceSpans reads every trace file of the shared conformance data.
func conformanceSpans(t *testing.T) [][]dag.Span {
	t.Helper()
	dir := testenv.MustHaveConformance(t)
	var batches [][]dag.Span
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !slices.Contains([]string{".json", ".jsonl", ".pb"}, filepath.Ext(path)) {
			return err
		}
		// Files that are not traces (metrics, logs, invalid on purpose) just add nothing.
		_ = ingest.ReadFiles([]string{path}, nil, ingest.Options{}, func(b []dag.Span) error {
			batches = append(batches, b)
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return batches
}

// byTrace groups spans by trace id, in arrival order.
func byTrace(batches [][]dag.Span) map[dag.TraceID][]dag.Span {
	m := map[dag.TraceID][]dag.Span{}
	for _, b := range batches {
		for _, s := range b {
			m[s.TraceID] = append(m[s.TraceID], s)
		}
	}
	return m
}

func roundTrip(t *testing.T, batches [][]dag.Span, budget int64) (map[dag.TraceID][]dag.Span, *Spill) {
	t.Helper()
	return roundTripOpts(t, batches, Options{Dir: t.TempDir(), Budget: budget})
}

func roundTripOpts(t *testing.T, batches [][]dag.Span, opts Options) (map[dag.TraceID][]dag.Span, *Spill) {
	t.Helper()
	sp, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Remove() })
	for _, b := range batches {
		if err := sp.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	var got [][]dag.Span
	seen := map[dag.TraceID]int{} // partition of each trace: every trace in one
	err = sp.Partitions(func(bs [][]dag.Span, k, n int) error {
		if k < 1 || k > n {
			t.Errorf("partition %d of %d", k, n)
		}
		for _, b := range bs {
			for _, s := range b {
				if p, ok := seen[s.TraceID]; ok && p != k {
					t.Errorf("trace %s in partitions %d and %d", s.TraceID, p, k)
				}
				seen[s.TraceID] = k
			}
		}
		got = append(got, bs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return byTrace(got), sp
}

func TestRoundTrip(t *testing.T) {
	batches := append(conformanceSpans(t), oddSpans())
	want := byTrace(batches)
	for _, budget := range []int64{1 << 30, 64 << 10, 4 << 10} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			got, sp := roundTrip(t, batches, budget)
			if diff := cmp.Diff(want, got, allFields); diff != "" {
				t.Errorf("spans after the round trip (-want +got):\n%s", diff)
			}
			if budget == 4<<10 && sp.Split() == 0 {
				t.Errorf("a 4 KiB budget split no partition again")
			}
			left, _ := os.ReadDir(sp.Dir())
			if len(left) != 0 {
				t.Errorf("partition files left after reading: %d", len(left))
			}
		})
	}
}

// TestReread: with Options.Reread a second pass reads the same partitions,
// split the same way, in the same order; Remove then deletes them.
func TestReread(t *testing.T) {
	batches := append(conformanceSpans(t), oddSpans())
	want := byTrace(batches)
	first, sp := roundTripOpts(t, batches, Options{Dir: t.TempDir(), Budget: 4 << 10, Reread: true})
	if diff := cmp.Diff(want, first, allFields); diff != "" {
		t.Fatalf("first pass (-want +got):\n%s", diff)
	}
	var order [2][]dag.TraceID
	var again [][]dag.Span
	for pass := range order {
		err := sp.Partitions(func(bs [][]dag.Span, k, n int) error {
			order[pass] = append(order[pass], bs[0][0].TraceID)
			if pass == 1 {
				again = append(again, bs...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(order[0], order[1]); diff != "" {
		t.Errorf("partition order between passes (-second +third):\n%s", diff)
	}
	if diff := cmp.Diff(want, byTrace(again), allFields); diff != "" {
		t.Errorf("another pass (-want +got):\n%s", diff)
	}
	if err := sp.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sp.Dir()); !os.IsNotExist(err) {
		t.Errorf("spill directory left after Remove: %v", err)
	}
}

// TestDictionaryStartsOver: past its bound the dictionary of resources and
// scopes starts over, and files define again what they use.
func TestDictionaryStartsOver(t *testing.T) {
	defer func(n int) { maxDictBytes = n }(maxDictBytes)
	maxDictBytes = 200
	var batches [][]dag.Span
	for i := range 50 {
		res := &dag.Resource{Service: fmt.Sprint("svc", i%7), Attrs: []dag.Attr{{Key: "i", Value: dag.IntValue(int64(i % 7))}}}
		scope := &dag.Scope{Name: fmt.Sprint("scope", i%5)}
		var b []dag.SpanData
		for j := range 20 {
			b = append(b, dag.SpanData{TraceID: dag.TraceID{byte(j), byte(i)}, SpanID: dag.SpanID{byte(j + 1)}, Resource: res, Scope: scope, Name: "op"})
		}
		batches = append(batches, dag.Pack(b))
	}
	got, _ := roundTrip(t, batches, 1<<20)
	if diff := cmp.Diff(byTrace(batches), got, allFields); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMergeRuns(t *testing.T) {
	sp, err := New(Options{Dir: t.TempDir(), Budget: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Remove()
	spans := oddSpans()
	keys := [][]Key{
		{{Start: 1, TraceID: dag.TraceID{2}}, {Start: 5, TraceID: dag.TraceID{1}}, {Start: 5, TraceID: dag.TraceID{3}}},
		{{Start: 1, TraceID: dag.TraceID{1}}, {Start: 9}},
		{},
	}
	var want []Key
	for _, ks := range keys {
		w, err := sp.NewRun()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if err := w.Add(k, []*dag.Span{&spans[0], &spans[1]}); err != nil {
				t.Fatal(err)
			}
			want = append(want, k)
		}
		if err := sp.CloseRun(w); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(want, Key.Compare)
	var got []Key
	err = sp.Merge(func(k Key, ss []dag.Span) error {
		got = append(got, k)
		if diff := cmp.Diff(spans[:2], ss, allFields); diff != "" {
			t.Errorf("spans of %v (-want +got):\n%s", k, diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merge order (-want +got):\n%s", diff)
	}
	w, _ := sp.NewRun()
	if err := w.Add(Key{Start: 2}, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(Key{Start: 1}, nil); err == nil {
		t.Error("a run written out of order was accepted")
	}
}

// TestCorruptFile: a damaged spill file is an error naming it, never a panic.
func TestCorruptFile(t *testing.T) {
	sp, err := New(Options{Dir: t.TempDir(), Budget: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Remove()
	if err := sp.Add(oddSpans()); err != nil {
		t.Fatal(err)
	}
	parts, err := sp.p.finish()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(parts[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	// Any damage: an error or spans, never a panic.
	for i := range len(b) {
		damaged := slices.Clone(b)
		damaged[i] ^= 0xff
		os.WriteFile(parts[0].Path, damaged, 0o600)
		readAll(parts[0].Path)
	}
	// Cut inside the last record: an error naming the file.
	os.WriteFile(parts[0].Path, b[:len(b)-1], 0o600)
	if _, err := readAll(parts[0].Path); err == nil || !strings.Contains(err.Error(), parts[0].Path) {
		t.Errorf("truncated file: error %v, want one naming %s", err, parts[0].Path)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"512MiB", 512 << 20}, {"2GiB", 2 << 30}, {"2gib", 2 << 30}, {"1.5G", 3 << 29}, {"100MB", 100e6},
		{"64k", 64 << 10}, {"1000", 1000}, {"10 B", 10}, {" 1TiB ", 1 << 40},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "lots", "5 parsecs", "-1G", "1e30", "99999999TiB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q): no error", bad)
		}
	}
}

func TestDefaultBudget(t *testing.T) {
	if b := DefaultBudget(); b < 64<<20 {
		t.Errorf("DefaultBudget() = %d: below any machine this runs on", b)
	}
}
