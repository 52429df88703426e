package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/termstr"
)

const demo = "../../testdata/demo/shop.jsonl"

// readTrees reads OTLP/JSON (a file, or "-" with stdin) into trees in
// start order.
func readTrees(t testing.TB, input, stdin string) []*dag.Tree {
	t.Helper()
	var ts dag.Traces
	err := ingest.ReadFiles([]string{input}, strings.NewReader(stdin), ingest.Options{}, func(b []dag.Span) error {
		ts.Add(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var trees []*dag.Tree
	for _, tr := range ts.List() {
		trees = append(trees, dag.Build(tr))
	}
	slices.SortStableFunc(trees, func(a, b *dag.Tree) int { return int(dag.Sub(a.Start, b.Start)) })
	return trees
}

var fixed = Options{Title: "test", Version: "test", Inputs: []string{"in.json"}, Generated: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)}

// TestBuildDemo checks the page of the bundled demo against the analyses
// it reports: the numbers must be the ones `tracectl attrib` and `ls` print.
func TestBuildDemo(t *testing.T) {
	trees := readTrees(t, demo, "")
	p := Build(trees, nil, fixed)
	sum := critpath.Summarize(trees, critpath.SummaryOptions{})
	total, lat := sum.Attribution.EndToEnd()

	s := p.Summary
	if s.Traces != 90 || s.Spans != 2171 || s.ErrorSpans != 24 || s.ErrorTraces != 5 {
		t.Errorf("summary counts = %d traces, %d spans, %d error spans in %d traces; want 90, 2171, 24 in 5", s.Traces, s.Spans, s.ErrorSpans, s.ErrorTraces)
	}
	if diff := cmp.Diff(Percentiles{lat.P50, lat.P90, lat.P99, s.Latency.Max}, s.Latency); diff != "" {
		t.Errorf("latency percentiles differ from attrib's (-want +got):\n%s", diff)
	}
	if got := sumInts(s.Histogram.Counts); got != 90 {
		t.Errorf("histogram holds %d traces, want 90", got)
	}
	if !slices.IsSorted(s.Histogram.Edges) || s.Histogram.Edges[len(s.Histogram.Edges)-1] != s.Latency.Max {
		t.Errorf("histogram edges %v: want increasing up to the max %d", s.Histogram.Edges, s.Latency.Max)
	}

	rows := sum.Attribution.Rows()
	if len(p.Attribution.Operations) != len(rows) || p.Attribution.EndToEnd != total {
		t.Fatalf("attribution: %d rows, end to end %d; want %d rows, %d", len(p.Attribution.Operations), p.Attribution.EndToEnd, len(rows), total)
	}
	for k, r := range rows {
		got := p.Attribution.Operations[k]
		if got.Label != r.Key.String() || got.Crit != r.Critical || got.Self != r.Self || got.P99 != r.PerTrace.P99 {
			t.Errorf("row %d = %+v, want attrib's %+v", k, got, r)
		}
	}

	// The flame graph's top frames add up to the totals of both weights.
	var crit, self, allSelf int64
	for k := range p.Flame.Label {
		if p.Flame.Parent[k] < 0 {
			crit += p.Flame.Crit[k]
			self += p.Flame.Self[k]
		} else if p.Flame.Parent[k] >= int32(k) {
			t.Errorf("frame %d comes before its parent %d", k, p.Flame.Parent[k])
		}
	}
	for _, r := range rows {
		allSelf += r.Self
	}
	if crit != total || self != allSelf {
		t.Errorf("flame totals: critical %d, self %d; want %d and %d", crit, self, total, allSelf)
	}

	// The 10 slowest, slowest first, then the erroring ones.
	if len(p.Traces) != 15 {
		t.Fatalf("%d waterfalls, want the 10 slowest and 5 erroring", len(p.Traces))
	}
	for k, w := range p.Traces {
		slow := slices.Contains(w.Reasons, "slowest")
		if slow != (k < 10) || (k >= 10 && w.Errors == 0) {
			t.Errorf("waterfall %d: reasons %v with %d errors", k, w.Reasons, w.Errors)
		}
		if k > 0 && k < 10 && w.Duration > p.Traces[k-1].Duration {
			t.Errorf("waterfall %d (%d) is slower than %d (%d)", k, w.Duration, k-1, p.Traces[k-1].Duration)
		}
		checkWaterfall(t, w)
	}
	if p.Traces[0].Duration != s.Latency.Max {
		t.Errorf("first waterfall lasts %d, want the slowest trace's %d", p.Traces[0].Duration, s.Latency.Max)
	}
	if p.Check.Traces != 90 || p.Check.Findings != 0 {
		t.Errorf("check: %d traces, %d findings; want 90 and none", p.Check.Traces, p.Check.Findings)
	}
	if p.Graph == nil || len(p.Graph.Nodes) != 8 {
		t.Errorf("graph: %+v, want the shop's 6 services and 2 untraced peers", p.Graph)
	}
}

// checkWaterfall checks that nodes come in tree order and the critical
// path tiles the root: segments in time order, end to end, over the
// trace's duration.
func checkWaterfall(t *testing.T, w Waterfall) {
	t.Helper()
	for k, n := range w.Nodes {
		if n.Parent >= int32(k) || (n.Parent < 0) != (n.Depth == 0) {
			t.Errorf("trace %s node %d: parent %d, depth %d", w.TraceID, k, n.Parent, n.Depth)
		}
	}
	var covered int64
	for k, sg := range w.Segments {
		if k > 0 && sg.Start != w.Segments[k-1].End {
			t.Errorf("trace %s: segment %d starts at %d, the previous ends at %d", w.TraceID, k, sg.Start, w.Segments[k-1].End)
		}
		if sg.Node < 0 || int(sg.Node) >= len(w.Nodes) {
			t.Errorf("trace %s: segment %d on node %d of %d", w.TraceID, k, sg.Node, len(w.Nodes))
		}
		covered += sg.End - sg.Start
	}
	if covered != w.Duration {
		t.Errorf("trace %s: the critical path covers %d of %d", w.TraceID, covered, w.Duration)
	}
}

func sumInts(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// TestWaterfallBound cuts a waterfall at MaxSpans: the spans left out are
// counted, and their critical time goes to the nearest span shown, so the
// path still covers the trace.
func TestWaterfallBound(t *testing.T) {
	trees := readTrees(t, demo, "")
	opts := fixed
	opts.Slowest, opts.Erroring, opts.MaxSpans = 1, 1, 5
	p := Build(trees, nil, opts)
	w := p.Traces[0]
	if len(w.Nodes) != 5 || w.Omitted != w.Spans-5 {
		t.Fatalf("%d nodes, %d omitted of %d spans; want 5 and the rest", len(w.Nodes), w.Omitted, w.Spans)
	}
	checkWaterfall(t, w)
}

// TestSelectErrorKinds: the erroring traces drawn show one of each kind
// of error before a second of any kind.
func TestSelectErrorKinds(t *testing.T) {
	tr := &dag.Tree{}
	infos := []traceInfo{
		{tr: tr, duration: 50, errors: 1, signature: "a"},
		{tr: tr, duration: 40, errors: 1, signature: "a"},
		{tr: tr, duration: 30, errors: 1, signature: "a"},
		{tr: tr, duration: 20, errors: 2, signature: "b"},
		{tr: tr, duration: 10},
	}
	var got []string
	for _, s := range selectTraces(infos, 1, 3) {
		got = append(got, fmt.Sprintf("%d %s %v", s.duration, s.signature, s.reasons))
	}
	want := []string{"50 a [slowest error]", "20 b [error]", "40 a [error]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("selection (-want +got):\n%s", diff)
	}
}

func TestHistogram(t *testing.T) {
	h := histogram([]int64{0, 10, 100, 1000}, []int64{1000, 5000})
	if h.Edges[0] != 1 || h.Edges[len(h.Edges)-1] != 5000 || !slices.IsSorted(h.Edges) {
		t.Errorf("edges %v: want 1 (0 is clamped) to 5000, increasing", h.Edges)
	}
	if sumInts(h.Counts) != 4 || sumInts(h.BaseCounts) != 2 || h.BaseCounts[len(h.BaseCounts)-1] != 1 {
		t.Errorf("counts %v, base %v", h.Counts, h.BaseCounts)
	}
	one := histogram([]int64{7, 7}, nil)
	if diff := cmp.Diff(Histogram{Edges: []int64{7, 7}, Counts: []int{2}}, one); diff != "" {
		t.Errorf("equal values (-want +got):\n%s", diff)
	}
}

// hostile is span text that would break out of the page's data if it were
// not escaped: the end of the script element, a comment opener, the
// separators JavaScript once treated as line ends, and a control
// character.
const hostile = "</script><script>alert(1)</script><!--\u2028\u2029\x1b[31m"

// hostileTrace is one OTLP/JSON trace with hostile text in every place
// the page shows: service, span name, attribute key and value, status
// message, event name.
func hostileTrace() string {
	h, _ := json.Marshal(hostile)
	return fmt.Sprintf(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":%[1]s}}]},
"scopeSpans":[{"spans":[
{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":%[1]s,"kind":2,
"startTimeUnixNano":"1000000000","endTimeUnixNano":"1005000000","status":{"code":2,"message":%[1]s},
"attributes":[{"key":%[1]s,"value":{"stringValue":%[1]s}}],"events":[{"timeUnixNano":"1001000000","name":%[1]s}]},
{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203332","parentSpanId":"b7ad6b7169203331","name":"child","kind":3,
"startTimeUnixNano":"1001000000","endTimeUnixNano":"1004000000","attributes":[{"key":"peer.service","value":{"stringValue":%[1]s}}]}
]}]}]}`, h)
}

// TestEscape: hostile span text reaches the page's data as every text
// output shows it (termstr: control characters and separators visible as
// \x1b, \u2028), and cannot end the data's script element or add markup
// anywhere in the page.
func TestEscape(t *testing.T) {
	trees := readTrees(t, "-", hostileTrace())
	opts := fixed
	opts.Title, opts.Inputs, opts.Where = hostile, []string{hostile}, hostile
	var buf bytes.Buffer
	if err := Write(&buf, Build(trees, nil, opts)); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if n := strings.Count(html, "<script"); n != 2 {
		t.Errorf("the page has %d <script elements, want 2 (the data and the page's script)", n)
	}
	if n := strings.Count(html, "</script>"); n != 2 {
		t.Errorf("the page has %d </script>, want 2", n)
	}
	if strings.Contains(html, "<!--") || strings.ContainsAny(html, "\u2028\u2029\x1b") {
		t.Error("a comment opener, U+2028/U+2029 or ESC reached the page unescaped")
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no data element")
	}
	var p Page
	if err := json.Unmarshal([]byte(m[1]), &p); err != nil {
		t.Fatalf("the data does not parse: %v", err)
	}
	n := p.Traces[0].Nodes[0]
	got := []string{p.Title, p.Inputs[0], p.Where, p.Services[n.Service].Name, n.Name, n.Message, n.Attrs[0][0], n.Attrs[0][1], n.Events[0].Name}
	for k, s := range got {
		if s != termstr.Escape(hostile) {
			t.Errorf("field %d = %q, want the span's text %q, escaped as every text output escapes it", k, s, hostile)
		}
	}
}

// TestFlameBound keeps the widest MaxFrames frames of a trace with more
// operations than that, every kept frame with its parent.
func TestFlameBound(t *testing.T) {
	var spans strings.Builder
	const kids = MaxFrames + 50
	spans.WriteString(`{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"0000000000000001","name":"root","startTimeUnixNano":"1000","endTimeUnixNano":"100000000"}`)
	for k := range kids {
		fmt.Fprintf(&spans, `,{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"%016x","parentSpanId":"0000000000000001","name":"op%d","startTimeUnixNano":"%d","endTimeUnixNano":"%d"}`,
			k+2, k, 1000+k*10, 1000+k*10+1+k%7)
	}
	trees := readTrees(t, "-", `{"resourceSpans":[{"scopeSpans":[{"spans":[`+spans.String()+`]}]}]}`)
	p := Build(trees, nil, fixed)
	f := p.Flame
	if len(f.Label) != MaxFrames || f.Omitted != kids+1-MaxFrames {
		t.Fatalf("%d frames, %d omitted; want %d and %d", len(f.Label), f.Omitted, MaxFrames, kids+1-MaxFrames)
	}
	if f.Parent[0] != -1 || f.Label[0] != "unknown_service/root" {
		t.Errorf("first frame %q (parent %d), want the root", f.Label[0], f.Parent[0])
	}
	for k := 1; k < len(f.Label); k++ {
		if f.Parent[k] != 0 {
			t.Errorf("frame %d has parent %d, want the root", k, f.Parent[k])
		}
	}
}

// TestDiff: with a base, one trace per side is aligned span by span, and
// many traces per side are compared per operation, end to end first.
func TestDiff(t *testing.T) {
	trees := readTrees(t, demo, "")
	one := Build(trees[1:2], trees[:1], fixed).Diff
	if one == nil || len(one.Spans) == 0 || one.Rows != nil || one.BaseTrace != trees[0].TraceIDText() {
		t.Fatalf("one trace per side: %+v", one)
	}
	many := Build(trees[45:], trees[:45], fixed).Diff
	if many == nil || len(many.Rows) < 2 || !many.Rows[0].EndToEnd || many.BaseTraces != 45 || !strings.Contains(many.Notes, "regressed") {
		t.Fatalf("many traces per side: %+v", many)
	}
}
