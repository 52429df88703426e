// Package emit generates OpenTelemetry traces the way production services do:
// real in-process services (HTTP, gRPC, an embedded SQL database, an
// asynchronous queue) instrumented with the OpenTelemetry Go SDK and the
// maintained contrib instrumentation, each with its own TracerProvider,
// Resource, parent-based ratio sampler, W3C TraceContext + Baggage
// propagation and a BatchSpanProcessor feeding a real exporter (OTLP/gRPC,
// OTLP/HTTP, or OTLP JSON Lines with hex ids as the Collector's file exporter
// writes them).
//
// It also owns the redacting exporter that masks, before export, what
// package pii finds (the secrets check --pii reports), the synthetic tree generator for raw throughput, and the
// --bench measurements of the SDK's per-span costs.
//
// It does not read or analyse traces; its output feeds the rest of tracectl
// (and any OTLP receiver).
package emit
