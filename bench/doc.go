// Package bench measures tracectl's OTLP decoders against the OpenTelemetry
// Collector's pdata unmarshalers on the same bytes, and cross-checks that
// both decode every field the same way. It is a separate module so that the
// tool's own go.mod does not carry the Collector's dependencies.
//
// The dataset comes from package internal/dataset (see cmd/gendata to write
// it to files); compare.sh runs the benchmarks and summarizes them with
// benchstat against the targets of issue 2. scale.sh compares whole
// processes instead — tracectl's commands against cmd/pdatadecode, pdata
// reading the same file — with peak memory and a CPU profile by stage
// (cmd/profsummary), against the bars of issue 15.
package bench
