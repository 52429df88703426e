package ingest

// Telling OTLP metrics and logs messages from trace messages. A Collector
// file exporter used in several pipelines writes every signal to the same
// file; in JSON the top-level key says which, but in protobuf the three
// requests have the same outer shape (field 1 → resource → scope → record),
// so only the wire types of the records' fields tell them apart.

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tracectl/tracectl/internal/dag"
)

// wireSchema lists the fields of a message with their wire types; sub
// schemas are checked recursively. Unknown field numbers fail the check.
type wireSchema map[protowire.Number]wireField

type wireField struct {
	typ protowire.Type
	sub wireSchema
}

var (
	bytesField = wireField{typ: protowire.BytesType}

	metricSchema = wireSchema{
		1: bytesField, 2: bytesField, 3: bytesField, // name, description, unit
		5: bytesField, 7: bytesField, 9: bytesField, 10: bytesField, 11: bytesField, // gauge … summary
		12: bytesField, // metadata
	}
	metricsSchema = wireSchema{1: {protowire.BytesType, wireSchema{ // resource_metrics
		1: bytesField, 3: bytesField, // resource, schema_url
		2: {protowire.BytesType, wireSchema{ // scope_metrics
			1: bytesField, 3: bytesField,
			2: {protowire.BytesType, metricSchema},
		}},
	}}}

	logRecordSchema = wireSchema{
		1: {typ: protowire.Fixed64Type}, 2: {typ: protowire.VarintType}, 3: bytesField, // time, severity
		5: bytesField, 6: bytesField, 7: {typ: protowire.VarintType}, 8: {typ: protowire.Fixed32Type}, // body, attributes, dropped, flags
		9: bytesField, 10: bytesField, 11: {typ: protowire.Fixed64Type}, 12: bytesField, // ids, observed time, event_name
	}
	logsSchema = wireSchema{1: {protowire.BytesType, wireSchema{ // resource_logs
		1: bytesField, 3: bytesField,
		2: {protowire.BytesType, wireSchema{ // scope_logs
			1: bytesField, 3: bytesField,
			2: {protowire.BytesType, logRecordSchema},
		}},
	}}}
)

// matches reports whether d.b[s:e] is well-formed with only the fields of
// schema, and counts the innermost records (those of a schema with no sub
// schemas) in *leaves.
func (d *protoDecoder) matches(s, e int, schema wireSchema, leaves *int, depth int) bool {
	if depth > 8 {
		return false
	}
	for p := s; p < e; {
		num, typ, v, next, err := d.field(p, e)
		if err != nil {
			return false
		}
		f, ok := schema[num]
		if !ok || f.typ != typ {
			return false
		}
		if f.sub != nil {
			if !d.matches(int(v), next, f.sub, leaves, depth+1) {
				return false
			}
			if isLeafSchema(f.sub) {
				*leaves++
			}
		}
		p = next
	}
	return true
}

func isLeafSchema(s wireSchema) bool {
	for _, f := range s {
		if f.sub != nil {
			return false
		}
	}
	return true
}

// otherSignal reports whether msg is an OTLP metrics or logs message
// ("metrics", "logs") rather than trace data ("").
func (d *protoDecoder) otherSignal(msg []byte) string {
	d.b = msg
	defer func() { d.b = nil }()
	for _, c := range [...]struct {
		kind   string
		schema wireSchema
	}{{"logs", logsSchema}, {"metrics", metricsSchema}} {
		leaves := 0
		if d.matches(0, len(msg), c.schema, &leaves, 0) && leaves > 0 {
			return c.kind
		}
	}
	return ""
}

// decodeMessage decodes one message of an input: trace data is appended to
// dst; a metrics or logs message is skipped with a notice.
func (d *protoDecoder) decodeMessage(msg []byte, dst []dag.Span) ([]dag.Span, error) {
	out, err := d.decode(msg, dst)
	defer func() {
		if d.badIDs > 0 && len(out) > len(dst) {
			d.notice("invalid ids", fmt.Sprintf("%s: %s; left %d invalid id(s) empty", d.whereAt(d.badIDOff), d.badIDMsg, d.badIDs))
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
	if len(out) > len(dst) && d.badIDs > 0 && allZeroTraceIDs(out[len(dst):]) {
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

func allZeroTraceIDs(spans []dag.Span) bool {
	for i := range spans {
		if !spans[i].TraceID.IsZero() {
			return false
		}
	}
	return true
}
