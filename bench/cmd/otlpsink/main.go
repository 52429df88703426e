// Command otlpsink is a discard OTLP/gRPC trace sink: it accepts
// ExportTraceServiceRequest the way the OpenTelemetry Collector's OTLP
// receiver does (pdata's ptraceotlp gRPC server, which unmarshals every
// request), counts the spans and drops them. bench/receive-vs-sink.sh uses
// it as the baseline `tracectl receive` is measured against.
//
// On SIGINT or SIGTERM it prints "otlpsink: N spans" to stderr and exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

type sink struct {
	ptraceotlp.UnimplementedGRPCServer
	spans atomic.Int64
}

func (s *sink) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.spans.Add(int64(req.Traces().SpanCount()))
	return ptraceotlp.NewExportResponse(), nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:4317", "OTLP/gRPC listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "otlpsink:", err)
		os.Exit(1)
	}
	srv := grpc.NewServer()
	s := &sink{}
	ptraceotlp.RegisterGRPCServer(srv, s)
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		srv.GracefulStop()
	}()
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "otlpsink:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "otlpsink: %d spans\n", s.spans.Load())
}
