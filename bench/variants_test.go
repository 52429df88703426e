package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tracectl/tracectl/bench/internal/dataset"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestCrossCheckVariants feeds tracectl the dataset re-encoded the way other
// (legal) producers may write it, which pdata's marshaler never does, and
// requires the same spans pdata decodes from the original:
//   - proto: every message's fields in reverse field-number order and
//     unknown fields of every wire type in every message;
//   - JSON: keys in reverse order, unknown keys (with nested values) in every
//     object, 64-bit integers as bare numbers, enums as names, indented
//     over many lines, encoding/json's escaping (\u003c for <);
//   - JSON: snake_case keys (the proto field names).
//
// Each variant is first checked against pdata itself, so a failure here is
// tracectl's, not the rewriter's.
func TestCrossCheckVariants(t *testing.T) {
	ds, err := dataset.Generate(dataset.Config{Spans: 3000, Seed: 5, EdgeCases: true})
	if err != nil {
		t.Fatal(err)
	}
	protoU, jsonU := &ptrace.ProtoUnmarshaler{}, &ptrace.JSONUnmarshaler{}
	variants := []struct {
		name    string
		msgs    [][]byte
		u       ptrace.Unmarshaler
		rewrite func([]byte) ([]byte, error)
		isJSON  bool
	}{
		{"proto/reordered+unknown", ds.Proto, protoU, func(m []byte) ([]byte, error) { return reorderProto(m, "request") }, false},
		{"json/reordered+unknown+numbers+enum-names+indented", ds.JSON, jsonU, func(m []byte) ([]byte, error) {
			return rewriteJSON(m, jsonStyle{reorder: true, unknown: true, numbers: true, enumNames: true, indent: true})
		}, true},
		{"json/snake_case", ds.JSON, jsonU, func(m []byte) ([]byte, error) { return rewriteJSON(m, jsonStyle{snake: true}) }, true},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			decode := tracectlProto
			if v.isJSON {
				decode = tracectlJSON
			}
			if decode == nil {
				t.Skip("tracectl's decoder is not wired in yet")
			}
			var want, got []flatSpan
			for i, m := range v.msgs {
				td, err := v.u.UnmarshalTraces(m)
				if err != nil {
					t.Fatal(err)
				}
				w := flattenPdata(td)
				vm, err := v.rewrite(m)
				if err != nil {
					t.Fatalf("request %d: rewrite: %v", i, err)
				}
				td2, err := v.u.UnmarshalTraces(vm)
				if err != nil {
					t.Fatalf("request %d: pdata rejects the variant: %v", i, err)
				}
				if !slices.EqualFunc(w, flattenPdata(td2), func(a, b flatSpan) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
					t.Fatalf("request %d: pdata reads the variant differently: the rewriter is wrong", i)
				}
				spans, err := decode(vm)
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					continue
				}
				want = append(want, w...)
				got = append(got, flattenDag(spans)...)
			}
			compareSpans(t, want, got)
		})
	}
}

// ---- protobuf ----

// protoMessages maps an OTLP trace message to its message-typed fields.
var protoMessages = map[string]map[protowire.Number]string{
	"request":       {1: "resourceSpans"},
	"resourceSpans": {1: "resource", 2: "scopeSpans"},
	"resource":      {1: "keyValue"},
	"scopeSpans":    {1: "scope", 2: "span"},
	"scope":         {3: "keyValue"},
	"span":          {9: "keyValue", 11: "event", 13: "link", 15: "status"},
	"event":         {3: "keyValue"},
	"link":          {4: "keyValue"},
	"status":        {},
	"keyValue":      {2: "anyValue"},
	"anyValue":      {5: "arrayValue", 6: "keyValueList"},
	"arrayValue":    {1: "anyValue"},
	"keyValueList":  {1: "keyValue"},
}

// reorderProto re-encodes msg (of the named type) with its fields in
// reverse field-number order (repeated fields keep their relative order)
// and unknown fields of every wire type appended, recursively. (Not 1000:
// ResourceSpans field 1000 is the deprecated instrumentation_library_spans.)
func reorderProto(msg []byte, typ string) ([]byte, error) {
	sub, ok := protoMessages[typ]
	if !ok {
		return nil, fmt.Errorf("unknown message type %q", typ)
	}
	type field struct {
		num protowire.Number
		enc []byte
	}
	var fields []field
	for len(msg) > 0 {
		num, wt, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, wt, msg[n:])
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		enc := msg[:n+m]
		if st, ok := sub[num]; ok && wt == protowire.BytesType {
			val, _ := protowire.ConsumeBytes(msg[n:])
			inner, err := reorderProto(val, st)
			if err != nil {
				return nil, err
			}
			enc = protowire.AppendTag(nil, num, protowire.BytesType)
			enc = protowire.AppendBytes(enc, inner)
		}
		fields = append(fields, field{num, enc})
		msg = msg[n+m:]
	}
	slices.SortStableFunc(fields, func(a, b field) int { return int(b.num) - int(a.num) })
	var out []byte
	for _, f := range fields {
		out = append(out, f.enc...)
	}
	out = protowire.AppendTag(out, 5000, protowire.VarintType)
	out = protowire.AppendVarint(out, 1<<40)
	out = protowire.AppendTag(out, 5001, protowire.BytesType)
	out = protowire.AppendBytes(out, []byte("\x0a\x03not a field of ours"))
	out = protowire.AppendTag(out, 5002, protowire.Fixed32Type)
	out = protowire.AppendFixed32(out, 7)
	out = protowire.AppendTag(out, 5003, protowire.Fixed64Type)
	out = protowire.AppendFixed64(out, 8)
	return out, nil
}

// ---- JSON ----

type jsonStyle struct {
	reorder, unknown, numbers, enumNames, snake, indent bool
}

// jnode is a JSON value that keeps object key order and exact numbers.
type jnode struct {
	kind  byte // '{' '[' 's' 'n' 'b' 'z'
	keys  []string
	vals  []*jnode
	str   string
	b     bool
	elems []*jnode
}

func parseJSON(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			n := &jnode{kind: '{'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseJSON(dec)
				if err != nil {
					return nil, err
				}
				n.keys, n.vals = append(n.keys, k.(string)), append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &jnode{kind: '['}
			for dec.More() {
				v, err := parseJSON(dec)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			_, err := dec.Token()
			return n, err
		}
	case string:
		return &jnode{kind: 's', str: x}, nil
	case json.Number:
		return &jnode{kind: 'n', str: string(x)}, nil
	case bool:
		return &jnode{kind: 'b', b: x}, nil
	case nil:
		return &jnode{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

var (
	intAsStringKeys = map[string]bool{"intValue": true, "startTimeUnixNano": true, "endTimeUnixNano": true, "timeUnixNano": true}
	kindNames       = []string{"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"}
	statusNames     = []string{"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}
)

func snakeCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func rewriteJSON(msg []byte, st jsonStyle) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.UseNumber()
	root, err := parseJSON(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the object")
	}
	var buf bytes.Buffer
	writeJSON(&buf, root, "", st)
	if !st.indent {
		return buf.Bytes(), nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func writeJSON(w *bytes.Buffer, n *jnode, key string, st jsonStyle) {
	switch n.kind {
	case '{':
		w.WriteByte('{')
		order := make([]int, len(n.keys))
		for i := range order {
			order[i] = i
		}
		if st.reorder {
			slices.Reverse(order)
		}
		for j, i := range order {
			if j > 0 {
				w.WriteByte(',')
			}
			k := n.keys[i]
			if st.snake {
				k = snakeCase(k)
			}
			writeString(w, k)
			w.WriteByte(':')
			writeJSON(w, n.vals[i], n.keys[i], st)
		}
		if st.unknown {
			if len(order) > 0 {
				w.WriteByte(',')
			}
			w.WriteString(`"futureField":{"list":[1,-2.5e3,"three",{"four":null,"five":[true,false]}],"s":"}]\"{["}`)
		}
		w.WriteByte('}')
	case '[':
		w.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				w.WriteByte(',')
			}
			writeJSON(w, e, "", st)
		}
		w.WriteByte(']')
	case 's':
		if st.numbers && intAsStringKeys[key] {
			w.WriteString(n.str)
			return
		}
		writeString(w, n.str)
	case 'n':
		switch {
		case st.enumNames && key == "kind":
			writeString(w, kindNames[n.str[0]-'0'])
		case st.enumNames && key == "code":
			writeString(w, statusNames[n.str[0]-'0'])
		default:
			w.WriteString(n.str)
		}
	case 'b':
		fmt.Fprint(w, n.b)
	case 'z':
		w.WriteString("null")
	}
}

func writeString(w *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	w.Write(b)
}
