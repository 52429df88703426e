package emit

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"strings"
)

// Default OTLP endpoints (the Collector's default receiver ports).
const (
	DefaultGRPCEndpoint = "127.0.0.1:4317"
	DefaultHTTPEndpoint = "127.0.0.1:4318"
)

// tracesPath is where OTLP/HTTP receivers take traces.
const tracesPath = "/v1/traces"

// Target is a resolved OTLP destination: the protocol, the full URL (for
// gRPC only scheme and host count) and the TLS settings, nil for plaintext.
type Target struct {
	Protocol string
	URL      *url.URL
	TLS      *tls.Config
}

// String is how messages name the destination: "grpc http://127.0.0.1:4317".
func (t Target) String() string {
	if t.Protocol == ProtocolGRPC {
		return t.Protocol + " " + t.URL.Scheme + "://" + t.URL.Host
	}
	return t.Protocol + " " + t.URL.String()
}

// defaultProtocol is the protocol for an endpoint when none is configured:
// grpc for no endpoint (tracectl's default, 127.0.0.1:4317) and for port
// 4317, the port IANA registered for OTLP/gRPC; otherwise http/protobuf,
// the OTLP exporter specification's default (and port 4318's protocol).
// Go services often hard-code the gRPC exporter and set only
// OTEL_EXPORTER_OTLP_ENDPOINT=http://…:4317: that must not turn into
// HTTP requests to a gRPC port.
func defaultProtocol(endpoint string) string {
	if endpoint == "" {
		return ProtocolGRPC
	}
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return ProtocolGRPC // the error is reported when the target resolves
	}
	if _, port, err := net.SplitHostPort(u.Host); err == nil && port == "4317" {
		return ProtocolGRPC
	}
	return ProtocolHTTPProtobuf
}

// parseEndpoint accepts a URL (http:// or https://) or a bare host[:port];
// a bare endpoint comes back with an empty scheme.
func parseEndpoint(ep string) (*url.URL, error) {
	if strings.Contains(ep, "://") {
		u, err := url.Parse(ep)
		if err != nil {
			return nil, fmt.Errorf("endpoint %q: %w", ep, err)
		}
		u.Scheme = strings.ToLower(u.Scheme)
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, fmt.Errorf("endpoint %q: scheme %q (want http:// or https://)", ep, u.Scheme)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("endpoint %q: no host", ep)
		}
		return u, nil
	}
	host := ep
	if h, _, err := net.SplitHostPort(ep); err == nil {
		host = h
	}
	if host == "" || strings.ContainsAny(ep, "/?# ") {
		return nil, fmt.Errorf("endpoint %q: want host:port or a URL such as http://host:4318", ep)
	}
	return &url.URL{Host: ep}, nil
}

// isLoopback reports whether host (no port) names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// target resolves c's endpoint, protocol and TLS settings. The URL scheme
// decides plaintext (http) or TLS (https). An endpoint without a scheme is
// TLS unless Insecure says otherwise, as the OTLP exporter specification
// has it, except that a loopback host (localhost, 127.0.0.1, ::1) defaults
// to plaintext: a receiver on this machine (tracectl receive, a local
// Collector) almost never has a certificate.
func (c *Config) target() (Target, error) {
	t := Target{Protocol: c.Protocol}
	ep := c.Endpoint
	if ep == "" {
		ep = DefaultHTTPEndpoint
		if c.Protocol == ProtocolGRPC {
			ep = DefaultGRPCEndpoint
		}
	}
	u, err := parseEndpoint(ep)
	if err != nil {
		return Target{}, err
	}
	wantsTLS := c.CAFile != "" || c.ClientCert != "" || c.ClientKey != ""
	if u.Scheme == "" {
		host := u.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		secure := !isLoopback(host) || wantsTLS
		if c.Insecure != nil {
			secure = !*c.Insecure
		}
		u.Scheme = "http"
		if secure {
			u.Scheme = "https"
		}
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		port := "4318"
		if c.Protocol == ProtocolGRPC {
			port = "4317"
		}
		u.Host = net.JoinHostPort(strings.Trim(u.Host, "[]"), port)
	}
	if u.Scheme == "http" && wantsTLS {
		return Target{}, fmt.Errorf("endpoint %s is plaintext, but a CA file or client certificate was given: use https:// (or drop --insecure)", u.Redacted())
	}
	if c.Protocol != ProtocolGRPC {
		switch {
		case c.EndpointMode == EndpointBase:
			u.Path = path.Join("/", u.Path, tracesPath)
		case c.EndpointMode == EndpointSignal && u.Path == "":
			u.Path = "/"
		case c.EndpointMode == EndpointFlag && (u.Path == "" || u.Path == "/"):
			u.Path = tracesPath
		}
	}
	t.URL = u
	if u.Scheme == "https" {
		if t.TLS, err = c.tlsConfig(u.Hostname()); err != nil {
			return Target{}, err
		}
	}
	return t, nil
}

// tlsConfig builds the client TLS settings: the system roots, or CAFile's;
// a client certificate for mutual TLS when ClientCert and ClientKey are set.
func (c *Config) tlsConfig(serverName string) (*tls.Config, error) {
	conf := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate in it", c.CAFile)
		}
		conf.RootCAs = pool
	}
	switch {
	case c.ClientCert != "" && c.ClientKey != "":
		cert, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	case c.ClientCert != "" || c.ClientKey != "":
		return nil, errors.New("a client certificate needs both the certificate and its key")
	}
	return conf, nil
}
