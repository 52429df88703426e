package dataset

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

const schemaURL = "https://opentelemetry.io/schemas/1.34.0"

// The shop's services, indexes into gen.svcs.
const (
	frontend = iota
	checkout
	cart
	catalog
	currency
	payment
	shipping
	email
)

type service struct {
	name, lang, version string
	port                int64
	ip                  string
	scopeName           string
	scopeVersion        string
	resource            []kv
	// stack is a language-typical stack trace for this service's exceptions.
	stack string
}

type serviceDef struct {
	name, version, lang, sdkVersion, runtime, runtimeVersion string
	port                                                     int64
	scopeName, scopeVersion                                  string
	command                                                  []any
}

var serviceDefs = [...]serviceDef{
	frontend: {"frontend", "2.4.1", "nodejs", "1.30.1", "nodejs", "22.11.0", 8080,
		"@opentelemetry/instrumentation-http", "0.57.2", []any{"/usr/local/bin/node", "--require", "./Instrumentation.js", "server.js"}},
	checkout: {"checkout", "1.9.3", "go", "1.38.0", "go", "go1.25.4", 5050,
		"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc", "0.63.0", []any{"/usr/src/app/checkout"}},
	cart: {"cart", "1.9.3", "dotnet", "1.12.0", ".NET", "8.0.11", 7070,
		"OpenTelemetry.Instrumentation.AspNetCore", "1.12.0", []any{"/app/cart", "--urls", "http://+:7070"}},
	catalog: {"product-catalog", "1.9.3", "go", "1.38.0", "go", "go1.25.4", 3550,
		"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc", "0.63.0", []any{"/usr/src/app/product-catalog"}},
	currency: {"currency", "1.9.3", "cpp", "1.21.0", "cpp", "13.2.0", 7001,
		"currency", "1.21.0", []any{"/usr/local/bin/currency", "7001"}},
	payment: {"payment", "1.9.3", "nodejs", "1.30.1", "nodejs", "22.11.0", 50051,
		"@opentelemetry/instrumentation-grpc", "0.57.2", []any{"/usr/local/bin/node", "--require", "./opentelemetry.js", "index.js"}},
	shipping: {"shipping", "1.9.3", "rust", "0.29.0", "rust", "1.83.0", 50050,
		"shipping", "0.29.0", []any{"/app/shipping"}},
	email: {"email", "1.9.3", "ruby", "1.8.0", "ruby", "3.3.6", 6060,
		"OpenTelemetry::Instrumentation::RubyKafka", "0.22.1", []any{"ruby", "email_server.rb"}},
}

func newServices(rng *rand.Rand) []*service {
	out := make([]*service, len(serviceDefs))
	for i, d := range serviceDefs {
		ip := fmt.Sprintf("10.42.%d.%d", 1+rng.IntN(3), 2+rng.IntN(250))
		node := fmt.Sprintf("ip-10-0-%d-%d.eu-west-1.compute.internal", rng.IntN(4)*16, 10+rng.IntN(240))
		pod := fmt.Sprintf("%s-%s-%s", d.name, alnum(rng, 10), alnum(rng, 5))
		out[i] = &service{
			name: d.name, lang: d.lang, version: d.version, port: d.port, ip: ip,
			scopeName: d.scopeName, scopeVersion: d.scopeVersion,
			stack: stackTrace(d.lang, d.name),
			resource: []kv{
				{"service.name", d.name},
				{"service.namespace", "opentelemetry-demo"},
				{"service.version", d.version},
				{"service.instance.id", uuid(rng)},
				{"deployment.environment.name", "production"},
				{"telemetry.sdk.name", "opentelemetry"},
				{"telemetry.sdk.language", d.lang},
				{"telemetry.sdk.version", d.sdkVersion},
				{"host.name", pod},
				{"host.arch", "amd64"},
				{"os.type", "linux"},
				{"process.pid", int64(1 + rng.IntN(60))},
				{"process.runtime.name", d.runtime},
				{"process.runtime.version", d.runtimeVersion},
				{"process.command_args", d.command},
				{"container.id", hexString(rng, 32)},
				{"k8s.namespace.name", "shop"},
				{"k8s.pod.name", pod},
				{"k8s.node.name", node},
				{"cloud.provider", "aws"},
				{"cloud.region", "eu-west-1"},
			},
		}
	}
	return out
}

func stackTrace(lang, svc string) string {
	var b strings.Builder
	switch lang {
	case "go":
		b.WriteString("goroutine 8121 [running]:\n")
		frames := []string{
			"main.(*" + svc + ")." + "handle", "google.golang.org/grpc.(*Server).processUnaryRPC",
			"google.golang.org/grpc.(*Server).handleStream", "google.golang.org/grpc.(*Server).serveStreams.func2.1",
		}
		for i, f := range frames {
			fmt.Fprintf(&b, "%s(0xc000%06x, {0x1b4e0a8, 0xc0004a2c90})\n\t/usr/src/app/%s.go:%d +0x%x\n", f, 0x1a2b30+i*0x40, svc, 120+i*37, 0x1c5+i*0x2b)
		}
		b.WriteString("created by google.golang.org/grpc.(*Server).serveStreams.func2 in goroutine 74\n\t/go/pkg/mod/google.golang.org/grpc@v1.75.1/server.go:1029 +0x139")
	case "nodejs":
		b.WriteString("Error: Payment request failed. Invalid token. app.loyalty.level=gold\n")
		for _, f := range []string{"charge (/usr/src/app/charge.js:37:13)", "Object.chargeServiceHandler [as charge] (/usr/src/app/index.js:21:28)",
			"/usr/src/app/node_modules/@grpc/grpc-js/build/src/server.js:1105:13", "Http2ServerCallStream.handleUnary (/usr/src/app/node_modules/@grpc/grpc-js/build/src/server-call.js:411:9)",
			"process.processTicksAndRejections (node:internal/process/task_queues:105:5)"} {
			b.WriteString("    at " + f + "\n")
		}
	case "dotnet":
		b.WriteString("StackExchange.Redis.RedisTimeoutException: Timeout performing HGETALL (5000ms), inst: 0, qu: 0, qs: 1, aw: False, bw: SpinningDown, rs: ReadAsync, ws: Idle, in: 0, serverEndpoint: valkey-cart:6379, mc: 1/1/0, mgr: 10 of 10 available\n")
		for _, f := range []string{"StackExchange.Redis.ConnectionMultiplexer.ExecuteSyncImpl[T](Message message, ResultProcessor`1 processor, ServerEndPoint server, T defaultValue)",
			"cart.cartstore.ValkeyCartStore.GetCartAsync(String userId) in /src/cart/src/cartstore/ValkeyCartStore.cs:line 244",
			"cart.services.CartService.GetCart(GetCartRequest request, ServerCallContext context) in /src/cart/src/services/CartService.cs:line 39",
			"Grpc.Shared.Server.UnaryServerMethodInvoker`3.Invoke(HttpContext httpContext, ServerCallContext serverCallContext, TRequest request)"} {
			b.WriteString("   at " + f + "\n")
		}
	case "rust":
		b.WriteString("thread 'actix-rt|system:0|arbiter:1' panicked at src/shipping_service/quote.rs:48:14:\nconnection reset by peer\nstack backtrace:\n")
		for i, f := range []string{"shipping::shipping_service::quote::create_quote_from_count", "shipping::shipping_service::get_quote", "actix_web::handler::handler_service::{{closure}}", "tokio::runtime::task::harness::Harness<T,S>::poll"} {
			fmt.Fprintf(&b, "  %d: %s\n", i, f)
		}
	default:
		fmt.Fprintf(&b, "%s: internal error\n  /app/%s.rb:42:in `call'\n", svc, svc)
	}
	return strings.TrimRight(b.String(), "\n")
}

const hexDigits = "0123456789abcdef"

func hexString(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[rng.IntN(16)]
	}
	return string(b)
}

func alnum(rng *rand.Rand, n int) string {
	const chars = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rng.IntN(len(chars))]
	}
	return string(b)
}

func uuid(rng *rand.Rand) string {
	h := hexString(rng, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}
