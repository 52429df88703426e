package dag

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
)

// ValueType is the type held by a Value, mirroring OTLP's AnyValue.
type ValueType uint8

// The value types of OTLP's AnyValue. ValueEmpty is an AnyValue with no
// field set.
const (
	ValueEmpty ValueType = iota
	ValueString
	ValueBool
	ValueInt
	ValueDouble
	ValueBytes
	ValueArray
	ValueMap
)

var valueTypeNames = [...]string{"empty", "string", "bool", "int", "double", "bytes", "array", "map"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return "ValueType(" + strconv.Itoa(int(t)) + ")"
}

// Value is a compact attribute value (40 bytes). Scalars live inline; arrays
// and maps sit behind one pointer so the common case stays small.
type Value struct {
	str  string // ValueString, ValueBytes (raw bytes)
	num  uint64 // ValueInt (int64 bits), ValueDouble (float64 bits), ValueBool (0/1)
	comp *composite
	typ  ValueType
}

type composite struct {
	array []Value
	kvs   []Attr
}

// Attr is one key/value attribute.
type Attr struct {
	Key   string
	Value Value
}

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{typ: ValueString, str: s} }

// IntValue returns an int Value.
func IntValue(i int64) Value { return Value{typ: ValueInt, num: uint64(i)} }

// DoubleValue returns a double Value.
func DoubleValue(f float64) Value { return Value{typ: ValueDouble, num: math.Float64bits(f)} }

// BoolValue returns a bool Value.
func BoolValue(b bool) Value {
	v := Value{typ: ValueBool}
	if b {
		v.num = 1
	}
	return v
}

// BytesValue returns a bytes Value; b is held as a string (not copied again).
func BytesValue(b string) Value { return Value{typ: ValueBytes, str: b} }

// ArrayValue returns an array Value.
func ArrayValue(vs []Value) Value { return Value{typ: ValueArray, comp: &composite{array: vs}} }

// MapValue returns a map (kvlist) Value.
func MapValue(kvs []Attr) Value { return Value{typ: ValueMap, comp: &composite{kvs: kvs}} }

// Type returns the value's type.
func (v Value) Type() ValueType { return v.typ }

// Str returns the string of a ValueString ("" otherwise). Use String for a
// display form of any type.
func (v Value) Str() string {
	if v.typ == ValueString {
		return v.str
	}
	return ""
}

// Int returns the int of a ValueInt (0 otherwise).
func (v Value) Int() int64 {
	if v.typ == ValueInt {
		return int64(v.num)
	}
	return 0
}

// Double returns the float of a ValueDouble (0 otherwise).
func (v Value) Double() float64 {
	if v.typ == ValueDouble {
		return math.Float64frombits(v.num)
	}
	return 0
}

// Bool returns the bool of a ValueBool (false otherwise).
func (v Value) Bool() bool { return v.typ == ValueBool && v.num != 0 }

// Bytes returns the raw bytes of a ValueBytes, as a string.
func (v Value) Bytes() string {
	if v.typ == ValueBytes {
		return v.str
	}
	return ""
}

// Array returns the elements of a ValueArray (nil otherwise).
func (v Value) Array() []Value {
	if v.typ == ValueArray && v.comp != nil {
		return v.comp.array
	}
	return nil
}

// Map returns the entries of a ValueMap (nil otherwise).
func (v Value) Map() []Attr {
	if v.typ == ValueMap && v.comp != nil {
		return v.comp.kvs
	}
	return nil
}

// Number returns the value as a float64 when it is an int or a double.
func (v Value) Number() (float64, bool) {
	switch v.typ {
	case ValueInt:
		return float64(int64(v.num)), true
	case ValueDouble:
		return math.Float64frombits(v.num), true
	}
	return 0, false
}

// String renders the value for display: strings as they are, bytes as
// base64 (as OTLP/JSON does), arrays and maps in a JSON-like form.
func (v Value) String() string {
	if v.typ == ValueString {
		return v.str
	}
	var b strings.Builder
	v.appendTo(&b, false)
	return b.String()
}

func (v Value) appendTo(b *strings.Builder, quote bool) {
	switch v.typ {
	case ValueString:
		if quote {
			b.WriteString(strconv.Quote(v.str))
		} else {
			b.WriteString(v.str)
		}
	case ValueBool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case ValueInt:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case ValueDouble:
		b.WriteString(strconv.FormatFloat(v.Double(), 'g', -1, 64))
	case ValueBytes:
		s := base64.StdEncoding.EncodeToString([]byte(v.str))
		if quote {
			s = strconv.Quote(s)
		}
		b.WriteString(s)
	case ValueArray:
		b.WriteByte('[')
		for i, e := range v.Array() {
			if i > 0 {
				b.WriteByte(',')
			}
			e.appendTo(b, true)
		}
		b.WriteByte(']')
	case ValueMap:
		b.WriteByte('{')
		for i, kv := range v.Map() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(kv.Key))
			b.WriteByte(':')
			kv.Value.appendTo(b, true)
		}
		b.WriteByte('}')
	}
}

// Equal reports whether two values have the same type and content.
func (v Value) Equal(w Value) bool {
	if v.typ != w.typ || v.str != w.str || v.num != w.num {
		return false
	}
	a, b := v.Array(), w.Array()
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return attrsEqual(v.Map(), w.Map())
}

func attrsEqual(a, b []Attr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || !a[i].Value.Equal(b[i].Value) {
			return false
		}
	}
	return true
}

// Lookup returns the value of the first attribute with the given key.
func Lookup(attrs []Attr, key string) (Value, bool) {
	for i := range attrs {
		if attrs[i].Key == key {
			return attrs[i].Value, true
		}
	}
	return Value{}, false
}
