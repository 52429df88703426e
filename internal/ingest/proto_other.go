package ingest

// Telling OTLP metrics and logs messages from trace messages. A Collector
// file exporter used in several pipelines writes every signal to the same
// file; in JSON the top-level key says which, but in protobuf the three
// requests have the same outer shape (field 1 → resource → scope → record),
// so only the wire types of the records' fields tell them apart.

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tracectl/tracectl/internal/dag"
)

// wireSchema lists the fields of a message with their wire types; sub
// schemas are checked recursively. Unknown field numbers fail the check,
// and so does a message that has none of oneOf (when given): detection is
// positive, so a broken trace message is an error, not "metrics" merely
// because its fields happen to have metric-compatible wire types.
type wireSchema struct {
	fields map[protowire.Number]wireField
	oneOf  []protowire.Number
	record bool // a metric or a log record: counted by matches
}

type wireField struct {
	typ protowire.Type
	sub *wireSchema
}

var (
	bytesField   = wireField{typ: protowire.BytesType}
	varintField  = wireField{typ: protowire.VarintType}
	fixed64Field = wireField{typ: protowire.Fixed64Type}

	// numberPointSchema is a gauge's or sum's NumberDataPoint.
	numberPointSchema = &wireSchema{fields: map[protowire.Number]wireField{
		2: fixed64Field, 3: fixed64Field, 4: fixed64Field, 6: fixed64Field, // times, as_double, as_int
		5: bytesField, 7: bytesField, 8: varintField, // exemplars, attributes, flags
	}}
	// points is the shape of every metric data field: repeated data
	// points (1), at least one, with the aggregation fields beside them.
	points = func(point *wireSchema) wireField {
		return wireField{protowire.BytesType, &wireSchema{
			fields: map[protowire.Number]wireField{1: {protowire.BytesType, point}, 2: varintField, 3: varintField},
			oneOf:  []protowire.Number{1},
		}}
	}
	anyPoint = &wireSchema{} // histogram and summary points: not looked into

	metricSchema = &wireSchema{
		fields: map[protowire.Number]wireField{
			1: bytesField, 2: bytesField, 3: bytesField, // name, description, unit
			5: points(numberPointSchema), 7: points(numberPointSchema), // gauge, sum
			9: points(anyPoint), 10: points(anyPoint), 11: points(anyPoint), // histogram, exponential histogram, summary
			12: bytesField, // metadata
		},
		oneOf:  []protowire.Number{5, 7, 9, 10, 11}, // a metric has data
		record: true,
	}
	metricsSchema = topLevel(metricSchema)

	logRecordSchema = &wireSchema{
		fields: map[protowire.Number]wireField{
			1: fixed64Field, 2: varintField, 3: bytesField, // time, severity
			5: bytesField, 6: bytesField, 7: varintField, 8: {typ: protowire.Fixed32Type}, // body, attributes, dropped, flags
			9: bytesField, 10: bytesField, 11: fixed64Field, 12: bytesField, // ids, observed time, event_name
		},
		oneOf:  []protowire.Number{1, 11}, // a log record has a time
		record: true,
	}
	logsSchema = topLevel(logRecordSchema)
)

// topLevel is the request around records: resource_X (1) → scope_X (2) →
// records (2), with resource, scope and schema_url beside them.
func topLevel(record *wireSchema) *wireSchema {
	scoped := &wireSchema{fields: map[protowire.Number]wireField{1: bytesField, 3: bytesField, 2: {protowire.BytesType, record}}}
	resource := &wireSchema{fields: map[protowire.Number]wireField{1: bytesField, 3: bytesField, 2: {protowire.BytesType, scoped}}}
	return &wireSchema{fields: map[protowire.Number]wireField{1: {protowire.BytesType, resource}}}
}

// matches reports whether d.b[s:e] is well-formed with only the fields of
// schema, and counts the records in it in *records.
func (d *protoDecoder) matches(s, e int, schema *wireSchema, records *int, depth int) bool {
	if depth > 8 {
		return false
	}
	found := len(schema.oneOf) == 0
	for p := s; p < e; {
		num, typ, v, next, err := d.field(p, e)
		if err != nil {
			return false
		}
		f, ok := schema.fields[num]
		if !ok || f.typ != typ {
			return false
		}
		if f.sub != nil && !d.matches(int(v), next, f.sub, records, depth+1) {
			return false
		}
		found = found || slices.Contains(schema.oneOf, num)
		p = next
	}
	if found && schema.record {
		*records++
	}
	return found
}

// otherSignal reports whether msg is an OTLP metrics or logs message
// ("metrics", "logs") rather than trace data ("").
func (d *protoDecoder) otherSignal(msg []byte) string {
	d.b = msg
	defer func() { d.b = nil }()
	for _, c := range [...]struct {
		kind   string
		schema *wireSchema
	}{{"logs", logsSchema}, {"metrics", metricsSchema}} {
		records := 0
		if d.matches(0, len(msg), c.schema, &records, 0) && records > 0 {
			return c.kind
		}
	}
	return ""
}

// decodeMessage decodes one message of an input: trace data is appended to
// dst; a metrics or logs message is skipped with a notice.
func (d *protoDecoder) decodeMessage(msg []byte, dst []dag.SpanData) ([]dag.SpanData, error) {
	out, err := d.decode(msg, dst)
	defer func() {
		if d.badIDs > 0 && len(out) > len(dst) {
			d.notice("invalid ids", fmt.Sprintf("%s: %s; kept %d invalid id(s) as written (check reports them)", d.whereAt(d.badIDOff), d.badIDMsg, d.badIDs))
		}
	}()
	if err != nil {
		if kind := d.otherSignal(msg); kind != "" {
			d.skipped(kind)
			return dst, nil
		}
		return dst, err
	}
	// A metrics message whose metrics are all gauges parses as trace data
	// (every Metric field has a Span field of the same wire type) but gives
	// only spans without a valid trace id.
	if len(out) > len(dst) && d.badIDs > 0 && noValidTraceIDs(out[len(dst):]) {
		if kind := d.otherSignal(msg); kind != "" {
			d.skipped(kind)
			out = dst
		}
	}
	return out, nil
}

func (d *protoDecoder) skipped(kind string) {
	if d.n != nil {
		d.n.skipped(d.whereAt(0), kind)
	}
}

func noValidTraceIDs(spans []dag.SpanData) bool {
	for i := range spans {
		s := &spans[i]
		if !s.TraceID.IsZero() && (s.Raw == nil || s.Raw.Invalid&dag.FieldTraceID == 0) {
			return false
		}
	}
	return true
}
