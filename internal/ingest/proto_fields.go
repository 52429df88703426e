package ingest

import "google.golang.org/protobuf/encoding/protowire"

// Field numbers of the OTLP trace messages (opentelemetry/proto/trace/v1,
// common/v1, resource/v1), named so the decoder reads like the schema.
const (
	// ExportTraceServiceRequest and TracesData
	fieldRequestResourceSpans protowire.Number = 1

	// ResourceSpans
	fieldResourceSpansResource   protowire.Number = 1
	fieldResourceSpansScopeSpans protowire.Number = 2
	fieldResourceSpansSchemaURL  protowire.Number = 3
	// instrumentation_library_spans, before OTLP 1.0 renamed it
	fieldResourceSpansLibrarySpans protowire.Number = 1000

	// Resource
	fieldResourceAttributes protowire.Number = 1

	// ScopeSpans
	fieldScopeSpansScope protowire.Number = 1
	fieldScopeSpansSpans protowire.Number = 2

	// InstrumentationScope
	fieldScopeName       protowire.Number = 1
	fieldScopeVersion    protowire.Number = 2
	fieldScopeAttributes protowire.Number = 3

	// Span
	fieldSpanTraceID      protowire.Number = 1
	fieldSpanSpanID       protowire.Number = 2
	fieldSpanTraceState   protowire.Number = 3
	fieldSpanParentSpanID protowire.Number = 4
	fieldSpanName         protowire.Number = 5
	fieldSpanKind         protowire.Number = 6
	fieldSpanStart        protowire.Number = 7
	fieldSpanEnd          protowire.Number = 8
	fieldSpanAttributes   protowire.Number = 9
	fieldSpanEvents       protowire.Number = 11
	fieldSpanLinks        protowire.Number = 13
	fieldSpanStatus       protowire.Number = 15
	fieldSpanFlags        protowire.Number = 16

	// Status
	fieldStatusMessage protowire.Number = 2
	fieldStatusCode    protowire.Number = 3

	// Span.Event
	fieldEventTime       protowire.Number = 1
	fieldEventName       protowire.Number = 2
	fieldEventAttributes protowire.Number = 3

	// Span.Link
	fieldLinkTraceID    protowire.Number = 1
	fieldLinkSpanID     protowire.Number = 2
	fieldLinkTraceState protowire.Number = 3
	fieldLinkAttributes protowire.Number = 4
	fieldLinkFlags      protowire.Number = 6

	// KeyValue
	fieldKeyValueKey   protowire.Number = 1
	fieldKeyValueValue protowire.Number = 2

	// AnyValue
	fieldAnyString protowire.Number = 1
	fieldAnyBool   protowire.Number = 2
	fieldAnyInt    protowire.Number = 3
	fieldAnyDouble protowire.Number = 4
	fieldAnyArray  protowire.Number = 5
	fieldAnyKVList protowire.Number = 6
	fieldAnyBytes  protowire.Number = 7

	// ArrayValue and KeyValueList
	fieldListValues protowire.Number = 1
)
