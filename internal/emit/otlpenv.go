package emit

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// Env is what the OpenTelemetry SDK environment variables ask of an
// exporter (https://opentelemetry.io/docs/specs/otel/protocol/exporter/ and
// the SDK environment variable specification), read the way every SDK reads
// them: an OTEL_EXPORTER_OTLP_TRACES_* variable wins over its generic
// OTEL_EXPORTER_OTLP_* one; an unset or empty variable means "not set".
// Zero fields were not set. Command-line flags override all of it.
type Env struct {
	// Endpoint and EndpointMode: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as
	// is) or OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: /v1/traces is
	// appended for OTLP/HTTP). EndpointVar names the variable it came from.
	Endpoint     string
	EndpointMode EndpointMode
	EndpointVar  string
	Protocol     string
	Headers      map[string]string
	// Insecure is nil when neither INSECURE variable is set.
	Insecure    *bool
	CAFile      string
	ClientCert  string
	ClientKey   string
	Compression string
	Timeout     time.Duration

	// ResourceAttrs are OTEL_RESOURCE_ATTRIBUTES in the order given, without
	// service.name, which goes to ServiceName (OTEL_SERVICE_NAME wins).
	ResourceAttrs []attribute.KeyValue
	ServiceName   string
	// Sampler is OTEL_TRACES_SAMPLER; SamplerArg its argument when set.
	Sampler    string
	SamplerArg *float64
}

// EndpointMode says how an OTLP/HTTP endpoint URL's path is treated.
type EndpointMode int

const (
	// EndpointFlag is --endpoint: a URL without a path gets /v1/traces; a
	// URL with one is used as given.
	EndpointFlag EndpointMode = iota
	// EndpointBase is OTEL_EXPORTER_OTLP_ENDPOINT: /v1/traces is appended
	// to whatever path the URL has.
	EndpointBase
	// EndpointSignal is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: used as is,
	// with "/" for an empty path.
	EndpointSignal
)

// Protocols accepted by Config.Protocol, named as OTEL_EXPORTER_OTLP_PROTOCOL
// names them. ProtocolHTTP ("http") is accepted as http/protobuf.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
	ProtocolHTTPJSON     = "http/json"
	ProtocolHTTP         = "http"
)

// Protocols lists the protocol names Config.Protocol accepts.
var Protocols = []string{ProtocolGRPC, ProtocolHTTPProtobuf, ProtocolHTTPJSON}

// Samplers are the OTEL_TRACES_SAMPLER values emit implements (the
// specification's built-in samplers; jaeger_remote and xray need a remote
// service and are not offered).
var Samplers = []string{
	"always_on", "always_off", "traceidratio",
	"parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio",
}

// normalizeProtocol maps accepted spellings to one of Protocols.
func normalizeProtocol(p string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case ProtocolGRPC:
		return ProtocolGRPC, nil
	case ProtocolHTTP, ProtocolHTTPProtobuf:
		return ProtocolHTTPProtobuf, nil
	case ProtocolHTTPJSON:
		return ProtocolHTTPJSON, nil
	}
	return "", fmt.Errorf("unknown protocol %q (want %s)", p, strings.Join(Protocols, ", "))
}

// ReadEnv reads the OTel SDK variables through lookup (os.LookupEnv in the
// command). A malformed value is an error naming the variable: a CI job
// that sets one wants to hear that it was not understood, not to export
// somewhere else without a word.
func ReadEnv(lookup func(string) (string, bool)) (Env, error) {
	get := func(name string) (string, bool) {
		v, ok := lookup(name)
		v = strings.TrimSpace(v)
		return v, ok && v != ""
	}
	// pick returns the traces-specific variable if set, else the generic one.
	pick := func(suffix string) (val, name string, ok bool) {
		for _, n := range []string{"OTEL_EXPORTER_OTLP_TRACES_" + suffix, "OTEL_EXPORTER_OTLP_" + suffix} {
			if v, ok := get(n); ok {
				return v, n, true
			}
		}
		return "", "", false
	}
	var e Env
	if v, ok := get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); ok {
		e.Endpoint, e.EndpointMode, e.EndpointVar = v, EndpointSignal, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	} else if v, ok := get("OTEL_EXPORTER_OTLP_ENDPOINT"); ok {
		e.Endpoint, e.EndpointMode, e.EndpointVar = v, EndpointBase, "OTEL_EXPORTER_OTLP_ENDPOINT"
	}
	if e.Endpoint != "" {
		if _, err := parseEndpoint(e.Endpoint); err != nil {
			return Env{}, fmt.Errorf("%s: %w", e.EndpointVar, err)
		}
	}
	if v, name, ok := pick("PROTOCOL"); ok {
		p, err := normalizeProtocol(v)
		if err != nil {
			return Env{}, fmt.Errorf("%s: %w", name, err)
		}
		e.Protocol = p
	}
	if v, name, ok := pick("HEADERS"); ok {
		h, err := ParseHeaders(v)
		if err != nil {
			return Env{}, fmt.Errorf("%s: %w", name, err)
		}
		e.Headers = h
	}
	if v, name, ok := pick("INSECURE"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Env{}, fmt.Errorf("%s: %q is not true or false", name, v)
		}
		e.Insecure = &b
	}
	e.CAFile, _, _ = pick("CERTIFICATE")
	e.ClientCert, _, _ = pick("CLIENT_CERTIFICATE")
	e.ClientKey, _, _ = pick("CLIENT_KEY")
	if v, name, ok := pick("COMPRESSION"); ok {
		switch c := strings.ToLower(v); c {
		case "gzip", "none":
			e.Compression = c
		default:
			return Env{}, fmt.Errorf("%s: unknown compression %q (want gzip or none)", name, v)
		}
	}
	if v, name, ok := pick("TIMEOUT"); ok {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 {
			return Env{}, fmt.Errorf("%s: %q is not a positive number of milliseconds", name, v)
		}
		e.Timeout = time.Duration(ms) * time.Millisecond
	}
	if v, ok := get("OTEL_RESOURCE_ATTRIBUTES"); ok {
		attrs, err := ParseAttributes(v, ",")
		if err != nil {
			return Env{}, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
		}
		for _, kv := range attrs {
			if kv.Key == "service.name" {
				e.ServiceName = kv.Value.AsString()
				continue
			}
			e.ResourceAttrs = append(e.ResourceAttrs, kv)
		}
	}
	if v, ok := get("OTEL_SERVICE_NAME"); ok {
		e.ServiceName = v
	}
	if v, ok := get("OTEL_TRACES_SAMPLER"); ok {
		s := strings.ToLower(v)
		if !contains(Samplers, s) {
			return Env{}, fmt.Errorf("OTEL_TRACES_SAMPLER: unknown sampler %q (want %s)", v, strings.Join(Samplers, ", "))
		}
		e.Sampler = s
	}
	if v, ok := get("OTEL_TRACES_SAMPLER_ARG"); ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 1 {
			return Env{}, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG: %q is not a ratio in [0,1]", v)
		}
		e.SamplerArg = &r
	}
	return e, nil
}

// ParseHeaders parses the OTEL_EXPORTER_OTLP_HEADERS format: comma-separated
// key=value pairs (W3C Baggage's syntax), values percent-decoded, keys
// lowercased as gRPC metadata and HTTP/2 want them.
func ParseHeaders(s string) (map[string]string, error) {
	attrs, err := ParseAttributes(s, ",")
	if err != nil {
		return nil, err
	}
	h := make(map[string]string, len(attrs))
	for _, kv := range attrs {
		h[strings.ToLower(string(kv.Key))] = kv.Value.AsString()
	}
	return h, nil
}

// ParseAttributes parses key=value pairs separated by sep, as
// OTEL_RESOURCE_ATTRIBUTES writes them: keys trimmed, values trimmed and
// percent-decoded, every value a string. Later keys replace earlier ones
// in place.
func ParseAttributes(s, sep string) ([]attribute.KeyValue, error) {
	var out []attribute.KeyValue
	index := map[string]int{}
	for _, pair := range strings.Split(s, sep) {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		kv, err := ParseAttribute(pair)
		if err != nil {
			return nil, err
		}
		if i, ok := index[string(kv.Key)]; ok {
			out[i] = kv
			continue
		}
		index[string(kv.Key)] = len(out)
		out = append(out, kv)
	}
	return out, nil
}

// ParseAttribute parses one key=value pair (the value percent-decoded).
func ParseAttribute(pair string) (attribute.KeyValue, error) {
	k, v, ok := strings.Cut(pair, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return attribute.KeyValue{}, fmt.Errorf("%q: want key=value", strings.TrimSpace(pair))
	}
	dv, err := url.PathUnescape(strings.TrimSpace(v))
	if err != nil {
		return attribute.KeyValue{}, fmt.Errorf("%q: bad percent-encoding in the value", strings.TrimSpace(pair))
	}
	return attribute.String(k, dv), nil
}
