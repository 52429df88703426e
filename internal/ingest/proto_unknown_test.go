package ingest

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// A span field the decoder does not know, numbered above 15 (a two-byte
// tag) and of every wire type, must be skipped without losing the fields
// around it. The fixed64 case once took the fast path for one-byte tags.
func TestDecodeProtoUnknownHighFields(t *testing.T) {
	for _, typ := range []protowire.Type{protowire.VarintType, protowire.Fixed64Type, protowire.Fixed32Type, protowire.BytesType} {
		var span []byte
		span = protowire.AppendTag(span, 1, protowire.BytesType)
		span = protowire.AppendBytes(span, []byte("0123456789abcdef"))
		span = protowire.AppendTag(span, 2, protowire.BytesType)
		span = protowire.AppendBytes(span, []byte("01234567"))
		for _, num := range []protowire.Number{17, 100, 20000} {
			span = protowire.AppendTag(span, num, typ)
			switch typ {
			case protowire.VarintType:
				span = protowire.AppendVarint(span, 300)
			case protowire.Fixed64Type:
				span = protowire.AppendFixed64(span, 0x0102030405060708)
			case protowire.Fixed32Type:
				span = protowire.AppendFixed32(span, 7)
			case protowire.BytesType:
				span = protowire.AppendBytes(span, []byte("xyz"))
			}
		}
		span = protowire.AppendTag(span, 5, protowire.BytesType)
		span = protowire.AppendBytes(span, []byte("name"))
		span = protowire.AppendTag(span, 7, protowire.Fixed64Type)
		span = protowire.AppendFixed64(span, 42)
		scope := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), span)
		rs := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), scope)
		req := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), rs)

		spans, err := DecodeProto(req, nil)
		if err != nil {
			t.Fatalf("%v: %v", typ, err)
		}
		if len(spans) != 1 || spans[0].Name() != "name" || spans[0].Start != 42 || spans[0].SpanID.String() != "3031323334353637" {
			t.Errorf("%v: got %+v", typ, spans)
		}
	}
}
