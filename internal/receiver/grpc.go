package receiver

import (
	"context"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/gzip" // senders may gzip; grpc bounds the decompressed size by MaxRecvMsgSize
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/types/known/durationpb"
)

// The gRPC side serves the OTLP TraceService under its real name and
// method, but with its own service description whose handler decodes into
// rawRequest: the codec hands over the request's wire bytes untouched, and
// ingest's fast decoder turns them into dag spans. Going through
// ExportTraceServiceRequest (proto.Unmarshal) would build a wire-type tree
// only to copy it again. Responses are ordinary protobuf messages.

// rawRequest holds an ExportTraceServiceRequest's wire bytes.
type rawRequest struct{ body []byte }

// rawCodec is the "proto" codec with one exception: a *rawRequest receives
// the message bytes as they are.
type rawCodec struct{ proto encoding.CodecV2 }

func (c rawCodec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }

func (c rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if r, ok := v.(*rawRequest); ok {
		// Materialize copies out of grpc's pooled buffers, which are
		// reused once Unmarshal returns; the spans keep pointing into it.
		r.body = data.Materialize()
		return nil
	}
	return c.proto.Unmarshal(data, v)
}

func (rawCodec) Name() string { return "proto" }

// traceExporter is the handler type of traceServiceDesc.
type traceExporter interface {
	exportRaw(ctx context.Context, req *rawRequest) (*coltracepb.ExportTraceServiceResponse, error)
}

var traceServiceDesc = grpc.ServiceDesc{
	ServiceName: coltracepb.TraceService_ServiceDesc.ServiceName,
	HandlerType: (*traceExporter)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: coltracepb.TraceService_ServiceDesc.Methods[0].MethodName, // "Export"
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			req := new(rawRequest)
			if err := dec(req); err != nil {
				return nil, err
			}
			return srv.(traceExporter).exportRaw(ctx, req)
		},
	}},
	Metadata: coltracepb.TraceService_ServiceDesc.Metadata,
}

func (s *Server) newGRPCServer() *grpc.Server {
	gs := grpc.NewServer(
		grpc.ForceServerCodecV2(rawCodec{proto: encoding.GetCodecV2("proto")}),
		grpc.MaxRecvMsgSize(int(min(s.opts.MaxRequestSize, 1<<31-1))),
		// grpc reads a whole message before the handler sees it; while the
		// budget is full, refuse new calls before their bodies are read.
		grpc.InTapHandle(func(ctx context.Context, _ *tap.Info) (context.Context, error) {
			if s.budget.full() {
				return ctx, s.busyStatus(s.busy()).Err()
			}
			return ctx, nil
		}),
	)
	gs.RegisterService(&traceServiceDesc, s)
	return gs
}

// exportRaw is TraceService.Export on raw bytes.
func (s *Server) exportRaw(ctx context.Context, req *rawRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	rejected, why, fail := s.accept(req.body, true, 0)
	if fail != nil {
		switch fail.kind {
		case failBadData:
			st, _ := status.New(codes.InvalidArgument, fail.msg).WithDetails(
				&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "request", Description: fail.msg}}})
			return nil, st.Err()
		case failBusy:
			return nil, s.busyStatus(fail).Err()
		default:
			return nil, status.Error(codes.Unavailable, fail.msg)
		}
	}
	resp := &coltracepb.ExportTraceServiceResponse{}
	if rejected > 0 {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: int64(rejected), ErrorMessage: why}
	}
	return resp, nil
}

// busyStatus is RESOURCE_EXHAUSTED with RetryInfo: retryable, as OTLP/gRPC
// throttling asks.
func (s *Server) busyStatus(fail *failure) *status.Status {
	st := status.New(codes.ResourceExhausted, fail.msg)
	if d, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(s.opts.RetryAfter)}); err == nil {
		return d
	}
	return st
}
