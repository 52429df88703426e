package emit

import (
	"fmt"
	"strings"

	"github.com/tracectl/tracectl/internal/termstr"
)

// ExportError is an export the destination did not accept after the
// exporter's retries. It stops the run: every further batch would fail the
// same way, and a CI job wants the reason now, not after --duration.
type ExportError struct {
	Target Target
	Err    error
}

func (e *ExportError) Error() string {
	raw := termstr.Escape(e.Err.Error())
	if why := Explain(e.Target, e.Err); why != "" {
		return fmt.Sprintf("export to %s failed: %s\n  (%s)", e.Target, why, raw)
	}
	return fmt.Sprintf("export to %s failed: %s", e.Target, raw)
}

func (e *ExportError) Unwrap() error { return e.Err }

// Explain says in plain words what an export error means for this target:
// nothing listening, the other protocol, TLS on one side only, a wrong
// path, rejected credentials, no answer in time; "" for an error it does
// not recognise.
func Explain(t Target, err error) string {
	msg := strings.ToLower(err.Error())
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	other, port := "http/protobuf", "4318"
	if t.Protocol != ProtocolGRPC {
		other, port = "grpc", "4317"
	}
	switch {
	case has("connection refused"):
		return "nothing is listening there (connection refused): is the receiver running, and is this its port? (OTLP's defaults: 4317 for grpc, 4318 for http)"
	case has("no such host", "server misbehaving"):
		return "the host name does not resolve"
	case has("first record does not look like a tls handshake", "http: server gave http response to https client"):
		return "the endpoint speaks plaintext but TLS was used: use an http:// endpoint or --insecure"
	case has("tls: ", "x509: ", "certificate"):
		return "TLS failed: the server's certificate is not trusted for this host, or it wants a client certificate (--ca-file, --client-cert, --client-key)"
	case t.Protocol == ProtocolGRPC && has("error reading server preface", "http2: frame too large", "malformed header", "http2: server sent goaway"):
		return "the endpoint does not speak gRPC (it answers like an HTTP/1 server): for an OTLP/HTTP endpoint (usually port 4318) use --protocol http/protobuf"
	case t.Protocol != ProtocolGRPC && has("malformed http response", "server closed", "eof", "connection reset", "http2 preface", "readlooppeekfaillocked", "broken pipe"):
		return "the endpoint closed the connection on an HTTP request: it may be an OTLP/gRPC endpoint (usually port 4317); use --protocol grpc"
	case has("404 not found", "code = unimplemented"):
		if t.Protocol == ProtocolGRPC {
			return "the server has no OTLP trace service: is this an OTLP/gRPC receiver?"
		}
		return fmt.Sprintf("no OTLP receiver at this path (404): OTLP/HTTP takes traces at %s", tracesPath)
	case has("415 unsupported media type"):
		return "the receiver does not accept this content type: try --protocol " + other + " or http/protobuf"
	case has("401 unauthorized", "403 forbidden", "code = unauthenticated", "code = permissiondenied"):
		return "the receiver rejected the credentials: check --header and OTEL_EXPORTER_OTLP_HEADERS"
	case has("deadline exceeded", "timeout", "gave up retrying"):
		return "no successful answer within --export-timeout (the receiver is slow, overloaded, or the address drops packets)"
	case has("code = resourceexhausted", "429 too many requests"):
		return "the receiver kept refusing for lack of room (429/RESOURCE_EXHAUSTED) until --export-timeout"
	case has("code = unavailable"):
		return "the receiver is unavailable (if it listens on " + port + ", that is the port of the other protocol, " + other + ")"
	}
	return ""
}
