package emit

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"
)

// The payment service speaks real gRPC. Its messages are google.protobuf.Struct
// so that no generated code is needed; the service and method names are what
// a generated stub would register.
const (
	paymentServiceName  = "shop.payment.v1.PaymentService"
	paymentChargeMethod = "/" + paymentServiceName + "/Charge"
)

// paymentServer is the handler type of the payment service.
type paymentServer interface {
	Charge(ctx context.Context, req *structpb.Struct) (*structpb.Struct, error)
}

var paymentServiceDesc = grpc.ServiceDesc{
	ServiceName: paymentServiceName,
	HandlerType: (*paymentServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Charge",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(structpb.Struct)
			if err := dec(in); err != nil {
				return nil, err
			}
			if interceptor == nil {
				return srv.(paymentServer).Charge(ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: paymentChargeMethod}
			return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
				return srv.(paymentServer).Charge(ctx, req.(*structpb.Struct))
			})
		},
	}},
	Metadata: "shop/payment/v1/payment.proto",
}
