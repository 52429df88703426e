package dag

import (
	"strconv"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

var valueCmp = cmp.Comparer(func(a, b Value) bool { return a.Equal(b) })

// TestPackRoundTrip: Pack then Data gives back every field of every span,
// on the paths a block takes (16- and 32-bit attribute lists, a span with
// more attributes than Span's 16-bit count, composite values, raw ids).
func TestPackRoundTrip(t *testing.T) {
	res := &Resource{Service: "svc", SchemaURL: "https://x", Attrs: []Attr{{Key: "service.name", Value: StringValue("svc")}}}
	sc := &Scope{Name: "lib", Version: "1.0", Attrs: []Attr{{Key: "k", Value: IntValue(1)}}}
	full := SpanData{
		TraceID: TraceID{1}, SpanID: SpanID{2}, ParentSpanID: SpanID{3}, Start: 1 << 63, End: 1<<64 - 1,
		Resource: res, Scope: sc, Name: "GET /", Kind: KindServer, AsyncParent: true, Flags: 0x301,
		TraceState: "a=b", Status: Status{Code: StatusError, Message: "boom"},
		Attrs: []Attr{
			{Key: "s", Value: StringValue("v")}, {Key: "i", Value: IntValue(-7)}, {Key: "d", Value: DoubleValue(1.5)},
			{Key: "b", Value: BoolValue(true)}, {Key: "y", Value: BytesValue("\x00\x01")}, {Key: "e"},
			{Key: "a", Value: ArrayValue([]Value{StringValue("x"), IntValue(2)})},
			{Key: "m", Value: MapValue([]Attr{{Key: "n", Value: StringValue("deep")}})},
			{Key: "s", Value: StringValue("v")}, // a repeated pair
		},
		Events: []Event{{Name: "exception", Time: 5, Attrs: []Attr{{Key: "exception.type", Value: StringValue("E")}}}, {Name: "empty", Time: 6}},
		Links:  []Link{{TraceID: TraceID{9}, SpanID: SpanID{8}, TraceState: "t=s", Flags: 1, Attrs: []Attr{{Key: "l", Value: IntValue(3)}}}},
		Raw:    &RawIDs{TraceID: "abc", SpanID: "", ParentSpanID: "p-1", Invalid: FieldTraceID | FieldParentSpanID},
	}
	plain := SpanData{TraceID: TraceID{1}, SpanID: SpanID{4}, Resource: res, Name: "GET /"}
	many := SpanData{TraceID: TraceID{1}, SpanID: SpanID{5}, Resource: res, Name: "many"}
	for i := range manyAttrs + 10 {
		many.Attrs = append(many.Attrs, Attr{Key: "k" + strconv.Itoa(i%100), Value: IntValue(int64(i))})
	}
	for _, in := range [][]SpanData{{full, plain}, {plain, many, full}, {}} {
		var p Packer
		got := Unpack(p.Pack(in))
		if len(in) == 0 && len(got) != 0 {
			t.Fatalf("%d spans from none", len(got))
		}
		if len(in) == 0 {
			continue
		}
		if diff := cmp.Diff(in, got, valueCmp); diff != "" {
			t.Errorf("(-in +unpacked):\n%s", diff)
		}
	}
}

// TestPackCopies: packed spans share no memory with their input, which
// a decoder reuses, and Packer.Pack copies resources and scopes too.
func TestPackCopies(t *testing.T) {
	buf := []byte("name-key-value")
	str := func(i, j int) string { return unsafe.String(&buf[i], j-i) }
	res := &Resource{Service: str(0, 4), Attrs: []Attr{{Key: str(5, 8), Value: StringValue(str(9, 14))}}}
	in := []SpanData{{Name: str(0, 4), Resource: res, Attrs: []Attr{{Key: str(5, 8), Value: StringValue(str(9, 14))}}}}
	var p Packer
	out := p.Pack(in)
	copy(buf, "XXXXXXXXXXXXXX")
	s := &out[0]
	v, _ := s.Attr("key")
	if s.Name() != "name" || v.Str() != "value" || s.Service() != "name" || s.Resource().Attrs[0].Key != "key" {
		t.Errorf("packed span changed with its input: %q %q %q", s.Name(), v.Str(), s.Service())
	}
}

// TestMemSizeSmall pins the budget the packed form keeps to (issue 15):
// a span with eight attributes that repeat across its batch, as the SDKs
// write them, costs its record and a few bytes per attribute.
func TestMemSizeSmall(t *testing.T) {
	res := &Resource{Service: "checkout"}
	var in []SpanData
	for i := range 512 {
		d := SpanData{TraceID: TraceID{byte(i / 8)}, SpanID: SpanID{byte(i), 1}, Resource: res, Name: "oteldemo.CartService/GetCart", Kind: KindClient}
		for _, k := range []string{"rpc.system", "rpc.service", "rpc.method", "server.address", "network.peer.address", "rpc.grpc.status_code"} {
			d.Attrs = append(d.Attrs, Attr{Key: k, Value: StringValue("value of " + k)})
		}
		d.Attrs = append(d.Attrs, Attr{Key: "server.port", Value: IntValue(7070)}, Attr{Key: "client.port", Value: IntValue(int64(30000 + i))})
		in = append(in, d)
	}
	spans := Pack(in)
	if per := MemSize(spans) / int64(len(spans)); per > 120 {
		t.Errorf("%d bytes per span, want at most 120", per)
	}
	if unsafe.Sizeof(Span{}) > 80 || unsafe.Sizeof(Node{}) > 48 {
		t.Errorf("Span %d bytes, Node %d: the budget of issue 15 counts on 80 and 48", unsafe.Sizeof(Span{}), unsafe.Sizeof(Node{}))
	}
}
