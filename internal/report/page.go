package report

import "github.com/tracectl/tracectl/internal/graph"

// The Page and its parts are the JSON the page's script reads. Durations
// and times are integer nanoseconds (offsets from the trace's start, so
// they stay exact in JavaScript's doubles); names are as the input wrote
// them: the script only ever inserts them as text.

// Page is everything one report shows.
type Page struct {
	Title     string   `json:"title"`
	Generated string   `json:"generated"` // UTC, as render.Timestamp writes it
	Version   string   `json:"version"`
	Inputs    []string `json:"inputs"`
	Base      []string `json:"base,omitempty"` // with a diff: the base inputs (Inputs are the candidate)
	Async     string   `json:"async"`
	Where     string   `json:"where,omitempty"`
	// Services lists every service of the traces shown, with its colour:
	// spans, rows and frames refer to them by index.
	Services    []Service     `json:"services"`
	Summary     Summary       `json:"summary"`
	Attribution Attribution   `json:"attribution"`
	Flame       Flame         `json:"flame"`
	Traces      []Waterfall   `json:"traces"`
	Selection   Selection     `json:"selection"`
	Resources   [][][2]string `json:"resources"` // resource attributes, shared by the waterfalls' spans
	Check       Check         `json:"check"`
	// Graph is the service graph (`tracectl graph -o json`'s form) with
	// its MaxRows most called edges; GraphOmitted counts the others.
	// Write draws the whole graph (Drawing) with graph's SVG.
	Graph        *graph.Graph `json:"graph"`
	GraphOmitted int          `json:"graphOmitted,omitempty"`
	Drawing      *graph.Graph `json:"-"`
	Diff         *Diff        `json:"diff,omitempty"`
}

// Service is a service name and the colour the terminal commands give it.
type Service struct {
	Name  string `json:"name"`
	Color string `json:"color"` // #rrggbb
}

// Summary counts what was read and shows the latency distribution.
type Summary struct {
	Traces      int    `json:"traces"`
	Spans       int    `json:"spans"`
	ErrorSpans  int    `json:"errorSpans"`
	ErrorTraces int    `json:"errorTraces"`
	Start       string `json:"start"` // the earliest span's start, UTC
	End         string `json:"end"`
	// Latency is the end-to-end latency per trace (critpath.Analysis
	// Duration: the root's duration), as `tracectl attrib` reports it.
	Latency   Percentiles `json:"latency"`
	Histogram Histogram   `json:"histogram"`
}

// Percentiles of a latency distribution.
type Percentiles struct {
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// Histogram counts traces by end-to-end latency in bins evenly spaced on a
// log scale (latency is long-tailed: a linear axis hides the mass or the
// tail): bin k holds Edges[k] ≤ latency < Edges[k+1], the last bin its
// upper edge too.
type Histogram struct {
	Edges  []int64 `json:"edges"`
	Counts []int   `json:"counts"`
	// BaseCounts are the base's traces in the same bins (with a diff).
	BaseCounts []int `json:"baseCounts,omitempty"`
}

// Attribution is `tracectl attrib` by operation and by service.
type Attribution struct {
	Traces     int       `json:"traces"`
	EndToEnd   int64     `json:"endToEnd"` // the sum of every trace's latency
	Operations []AttrRow `json:"operations"`
	Services   []AttrRow `json:"services"`
	// Omitted counts the rows left out (beyond MaxRows), per table.
	OmittedOperations int `json:"omittedOperations,omitempty"`
	OmittedServices   int `json:"omittedServices,omitempty"`
}

// AttrRow is one critpath.Row.
type AttrRow struct {
	Label     string  `json:"label"` // critpath.Key.String()
	Service   int     `json:"svc"`   // index into Page.Services, -1 for the missing-span group
	Spans     int     `json:"spans"`
	Traces    int     `json:"traces"`
	Self      int64   `json:"self"`
	SelfShare float64 `json:"selfShare"`
	Crit      int64   `json:"crit"`
	CritShare float64 `json:"critShare"`
	P50       int64   `json:"p50"`
	P90       int64   `json:"p90"`
	P99       int64   `json:"p99"`
}

// Flame is the flame graph: frames are stacks of operations from a root
// (critpath.Folded), merged over every trace, one tree for both weights.
// Frames are listed parents first; Crit and Self are inclusive (a frame's
// own time plus its descendants').
type Flame struct {
	Label   []string `json:"label"`
	Service []int    `json:"svc"`
	Parent  []int32  `json:"parent"` // -1 for the top frames
	Queue   []bool   `json:"queue"`  // a queue wait (--async follow)
	Crit    []int64  `json:"crit"`
	Self    []int64  `json:"self"`
	// Omitted counts frames too narrow to draw that were left out.
	Omitted int `json:"omitted,omitempty"`
}

// Selection says which traces are drawn as waterfalls, out of how many.
type Selection struct {
	Slowest  int `json:"slowest"`  // the N slowest traces
	Erroring int `json:"erroring"` // up to N traces with error spans, one per kind of error first
	Of       int `json:"of"`
	MaxSpans int `json:"maxSpans"` // spans drawn per waterfall
}

// Waterfall is one trace drawn span by span.
type Waterfall struct {
	TraceID  string   `json:"id"`
	Root     string   `json:"root"` // "service name" of the root span, or the placeholder
	Start    string   `json:"start"`
	Duration int64    `json:"duration"` // end-to-end latency (critical time in total)
	Extent   int64    `json:"extent"`   // first start to last end
	Spans    int      `json:"spans"`
	Errors   int      `json:"errors"`
	Reasons  []string `json:"reasons"` // "slowest", "error"
	Joined   []string `json:"joined,omitempty"`
	// Nodes are the spans in tree order (pre-order), up to MaxSpans;
	// Omitted counts the rest.
	Nodes   []Span `json:"nodes"`
	Omitted int    `json:"omitted,omitempty"`
	// Segments are the critical path, in time order.
	Segments []Segment `json:"segments"`
}

// Span is one node of a waterfall. Parent indexes Nodes (-1 for a root).
type Span struct {
	Parent  int32  `json:"p"`
	Depth   int32  `json:"d"`
	ID      string `json:"id"`
	Service int    `json:"s"` // index into Page.Services, -1 for a placeholder
	Name    string `json:"n"`
	Kind    string `json:"k,omitempty"`
	Start   int64  `json:"t"`  // offset from the trace's start
	Dur     int64  `json:"du"` // the span's own duration
	Self    int64  `json:"sf"`
	Crit    int64  `json:"c"`
	Queue   int64  `json:"q,omitempty"`
	Error   bool   `json:"e,omitempty"`
	Status  string `json:"st,omitempty"` // the status code, when set
	Message string `json:"m,omitempty"`
	Missing bool   `json:"x,omitempty"` // a placeholder for an absent parent
	Async   bool   `json:"as,omitempty"`
	// TraceID is set on a span of a trace joined into this one.
	TraceID  string      `json:"tid,omitempty"`
	Attrs    [][2]string `json:"a,omitempty"`
	Resource int         `json:"r"` // index into Page.Resources, -1 for none
	Scope    string      `json:"sc,omitempty"`
	Events   []Event     `json:"ev,omitempty"`
	Links    []Link      `json:"l,omitempty"`
}

// Event is a span event, timed from the trace's start.
type Event struct {
	Time  int64       `json:"t"`
	Name  string      `json:"n"`
	Attrs [][2]string `json:"a,omitempty"`
}

// Link is a span link.
type Link struct {
	TraceID string      `json:"tid"`
	SpanID  string      `json:"id"`
	Attrs   [][2]string `json:"a,omitempty"`
}

// Segment is a stretch of the critical path: node Node owns [Start, End).
type Segment struct {
	Node  int32 `json:"n"`
	Start int64 `json:"t"`
	End   int64 `json:"e"`
	Queue bool  `json:"q,omitempty"`
}

// Check is `tracectl check`, findings grouped by rule.
type Check struct {
	Traces       int         `json:"traces"`
	Spans        int         `json:"spans"`
	Findings     int         `json:"findings"`
	WithFindings int         `json:"withFindings"`
	PII          bool        `json:"pii"`
	Rules        []CheckRule `json:"rules"`
	Skew         []Skew      `json:"skew,omitempty"`
}

// CheckRule is one rule's findings, up to MaxFindings of them.
type CheckRule struct {
	Rule     string    `json:"rule"`
	Severity string    `json:"severity"`
	Count    int       `json:"count"`
	Findings []Finding `json:"findings"`
}

// Finding is one check finding.
type Finding struct {
	TraceID string `json:"trace"`
	SpanID  string `json:"span"`
	Message string `json:"message"`
}

// Skew is a clock offset estimated between two services (dag.SkewPair).
type Skew struct {
	Parent    string `json:"parent"`
	Child     string `json:"child"`
	Offset    int64  `json:"offset"`
	Spans     int    `json:"spans"`
	Explained int    `json:"explained"`
}

// Diff is `tracectl diff` of the base against the candidate: groups with
// many traces per side, aligned spans with one.
type Diff struct {
	By         string    `json:"by"`
	Alpha      float64   `json:"alpha"`
	MinChange  float64   `json:"minChange"`
	BaseTraces int       `json:"baseTraces"`
	CandTraces int       `json:"candTraces"`
	Rows       []DiffRow `json:"rows,omitempty"`
	// Notes are the text below `tracectl diff`'s table: what the data
	// cannot tell, tails that grew, why each regression happened, and the
	// verdict line.
	Notes string `json:"notes,omitempty"`
	// One trace per side.
	BaseTrace string     `json:"baseTrace,omitempty"`
	CandTrace string     `json:"candTrace,omitempty"`
	Spans     []DiffSpan `json:"spans,omitempty"`
	Omitted   int        `json:"omitted,omitempty"`
}

// DiffRow is one diff.Row.
type DiffRow struct {
	Group    string   `json:"group"`
	Service  int      `json:"svc"` // -1 for the end to end and the missing spans
	EndToEnd bool     `json:"e2e,omitempty"`
	Verdict  string   `json:"verdict"`
	Base     DiffSide `json:"base"`
	Cand     DiffSide `json:"cand"`
	Shift    int64    `json:"shift"`
	Low      int64    `json:"low"`
	High     int64    `json:"high"`
	P        float64  `json:"p"`
	Share    float64  `json:"share"`
}

// DiffSide is one side of a DiffRow.
type DiffSide struct {
	Traces    int     `json:"traces"`
	Calls     float64 `json:"calls"`
	ErrorRate float64 `json:"errorRate"`
	P50       int64   `json:"p50"`
	P90       int64   `json:"p90"`
	P99       int64   `json:"p99"`
}

// DiffSpan is one span of the aligned trees (diff.SpanDiff).
type DiffSpan struct {
	Depth    int    `json:"d"`
	Service  int    `json:"s"`
	Name     string `json:"n"`
	Change   string `json:"ch"`
	BaseDur  int64  `json:"bd"`
	CandDur  int64  `json:"cd"`
	BaseCrit int64  `json:"bc"`
	CandCrit int64  `json:"cc"`
}
