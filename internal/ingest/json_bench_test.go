package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
)

// genOTLPJSON writes a realistic ExportTraceServiceRequest the way the
// Collector's pdata JSONMarshaler does (hex ids, 64-bit integers as strings,
// kind as a number): spans split over a few services, 8 attributes per span
// of mixed types, two events on most spans, a link on some, an error status
// on some. The same seed gives the same bytes.
func genOTLPJSON(spans int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 42))
	services := []string{"frontend", "cart", "checkout", "payment", "shipping", "currency", "email", "recommendation"}
	routes := []string{"/api/v1/cart/{id}", "/api/v1/checkout", "/api/v1/products/{sku}", "/healthz", "/api/v1/recommendations", "/api/v1/currency/convert"}
	var b bytes.Buffer
	hexID := func(n int) string {
		const digits = "0123456789abcdef"
		buf := make([]byte, 2*n)
		for i := range buf {
			buf[i] = digits[rng.IntN(16)]
		}
		return string(buf)
	}
	str := func(k, v string) string {
		return `{"key":` + strconv.Quote(k) + `,"value":{"stringValue":` + strconv.Quote(v) + `}}`
	}
	intv := func(k string, v int64) string {
		return `{"key":` + strconv.Quote(k) + `,"value":{"intValue":"` + strconv.FormatInt(v, 10) + `"}}`
	}
	b.WriteString(`{"resourceSpans":[`)
	perResource := 128
	start := int64(1795537925789897985)
	trace := hexID(16)
	parent := ""
	for r := 0; r*perResource < spans; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		svc := services[(r+int(seed))%len(services)]
		b.WriteString(`{"resource":{"attributes":[` + str("service.name", svc) + `,` + str("service.version", "1.4.2") +
			`,` + str("deployment.environment.name", "production") + `,` + str("host.name", "node-"+strconv.Itoa(r%3)) +
			`,` + str("telemetry.sdk.language", "go") + `]},"scopeSpans":[{"scope":{"name":"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp","version":"0.72.0"},"spans":[`)
		for i := 0; i < perResource && r*perResource+i < spans; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if rng.IntN(6) == 0 {
				trace, parent = hexID(16), ""
			}
			id := hexID(8)
			route := routes[rng.IntN(len(routes))]
			st := start + rng.Int64N(1e9)
			en := st + rng.Int64N(5e8)
			status := 200
			if rng.IntN(20) == 0 {
				status = 500
			}
			fmt.Fprintf(&b, `{"traceId":"%s","spanId":"%s","parentSpanId":"%s","flags":257,"name":"%s %s","kind":%d,"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[`,
				trace, id, parent, []string{"GET", "POST"}[rng.IntN(2)], route, 2+rng.IntN(2), st, en)
			b.WriteString(str("http.request.method", "GET") + `,` + str("http.route", route) + `,` +
				str("url.full", "https://shop.example.com"+route+"?session="+hexID(6)) + `,` +
				intv("http.response.status_code", int64(status)) + `,` + str("server.address", svc+".shop.svc.cluster.local") + `,` +
				intv("server.port", 8080) + `,` + str("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36") + `,` +
				`{"key":"app.cache_hit","value":{"boolValue":` + strconv.FormatBool(rng.IntN(2) == 0) + `}}]`)
			if rng.IntN(4) != 0 {
				fmt.Fprintf(&b, `,"events":[{"timeUnixNano":"%d","name":"message","attributes":[%s,%s]},{"timeUnixNano":"%d","name":"message","attributes":[%s,%s]}]`,
					st+1000, str("message.type", "SENT"), intv("message.id", 1), en-1000, str("message.type", "RECEIVED"), intv("message.id", 2))
			}
			if rng.IntN(8) == 0 {
				fmt.Fprintf(&b, `,"links":[{"traceId":"%s","spanId":"%s","attributes":[%s]}]`, hexID(16), hexID(8), str("link.type", "follows_from"))
			}
			if status == 500 {
				b.WriteString(`,"status":{"code":2,"message":"internal error"}}`)
			} else {
				b.WriteString(`,"status":{}}`)
			}
			if rng.IntN(3) != 0 {
				parent = id
			}
		}
		b.WriteString(`]}],"schemaUrl":"https://opentelemetry.io/schemas/1.26.0"}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkDecodeJSON decodes one realistic 512-span request per iteration
// (a fresh batch each time, as the stream hands out) and reports spans/s and
// bytes allocated per span. It cycles through distinct requests so that the
// string cache sees new values as it would on real data. Compare against the
// Collector's pdata in bench/.
func BenchmarkDecodeJSON(b *testing.B) {
	benchDecodeJSON(b, func(i int) []byte { return genOTLPJSON(512, uint64(i)) })
}

// benchDecodeJSON decodes 16 messages of 512 spans each, message i made by
// msg(i), round robin, and reports spans/s and B/span.
func benchDecodeJSON(b *testing.B, msg func(i int) []byte) {
	const spans = 512
	var msgs [][]byte
	size := 0
	for i := range 16 {
		msgs = append(msgs, msg(i))
		size += len(msgs[i])
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		out, err := decodeJSONMessage(msgs[i%len(msgs)], nil, nil, "bench")
		if err != nil || len(out) != spans {
			b.Fatalf("%d spans, %v", len(out), err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(spans*b.N)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(spans*b.N), "B/span")
}

// genOTLPJSONLines is lines requests of spans realistic spans each, one
// per line, as the Collector file exporter writes them.
func genOTLPJSONLines(lines, spans int) []byte {
	var in bytes.Buffer
	for i := range lines {
		in.Write(genOTLPJSON(spans, uint64(i)))
		in.WriteByte('\n')
	}
	return in.Bytes()
}

// BenchmarkReadJSONStream reads JSON Lines of realistic requests, as the
// Collector file exporter writes them, through readJSONStream.
func BenchmarkReadJSONStream(b *testing.B) {
	const lines, spans = 16, 512
	data := genOTLPJSONLines(lines, spans)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	for b.Loop() {
		total := 0
		err := readJSONStream(bytes.NewReader(data), "bench", DefaultMaxFrame, nil, func(s []dag.SpanData) error {
			total += len(s)
			return nil
		})
		if err != nil || total != lines*spans {
			b.Fatalf("%d spans, %v", total, err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(lines*spans*b.N)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(lines*spans*b.N), "B/span")
}

// benchDecodeConverted decodes, per iteration, one of 16 requests of 512
// realistic spans that genOTLPJSON wrote and encode re-encoded in another
// format: the same spans as BenchmarkDecodeJSON, so spans/s compare.
func benchDecodeConverted(b *testing.B, encode func([]byte, []dag.Span) []byte) {
	benchDecodeJSON(b, func(i int) []byte {
		in, err := decodeJSONMessage(genOTLPJSON(512, uint64(i)), nil, nil, "gen")
		if err != nil {
			b.Fatal(err)
		}
		return encode(nil, dag.Pack(in))
	})
}

// BenchmarkDecodeJaegerJSON decodes BenchmarkDecodeJSON's spans written as
// Jaeger JSON (query API v2).
func BenchmarkDecodeJaegerJSON(b *testing.B) { benchDecodeConverted(b, AppendJaegerJSON) }

// BenchmarkDecodeZipkinJSON decodes BenchmarkDecodeJSON's spans written as
// a Zipkin v2 span array.
func BenchmarkDecodeZipkinJSON(b *testing.B) { benchDecodeConverted(b, AppendZipkinJSON) }

// BenchmarkDecodeJSONLines reads 32 MB of JSON Lines (64 requests of 512
// realistic spans, one per line, as the Collector file exporter writes
// them) through Decode, on one goroutine and cut into chunks on every
// core, and reports spans/s, the CPU time per span of all threads
// (cpu-ns/span: the cost of the parallelism, and what to compare on a
// busy machine) and bytes allocated per span.
func BenchmarkDecodeJSONLines(b *testing.B) {
	const lines, spans = 64, 512
	data := genOTLPJSONLines(lines, spans)
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			cpu0 := cpuTime()
			for b.Loop() {
				total := 0
				err := Decode(bytes.NewReader(data), "bench", Options{parallel: workers}, func(s []dag.Span) error {
					total += len(s)
					return nil
				})
				if err != nil || total != lines*spans {
					b.Fatalf("%d spans, %v", total, err)
				}
			}
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&ms1)
			n := float64(lines * spans * b.N)
			b.ReportMetric(n/b.Elapsed().Seconds(), "spans/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/span")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/n, "B/span")
		})
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
