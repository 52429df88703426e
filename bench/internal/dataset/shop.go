package dataset

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// W3C trace flags as the SDKs write them in OTLP's span.flags: sampled, and
// bit 8 "parent is-remote known" with bit 9 "parent is remote".
const (
	flagsLocalParent  = 0x101
	flagsRemoteParent = 0x301
)

var traceStates = []string{
	"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
	"dd=s:1;o:rum;t.dm:-1",
	"ot=th:8;rv:9b8c2d0f1e3a4b",
}

var userAgents = []string{
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"python-requests/2.32.3",
	"k6/0.55.0 (https://k6.io/)",
}

var products = []struct{ id, name string }{
	{"OLJCESPC7Z", "National Park Foundation Explorascope"},
	{"66VCHSJNUP", "Starsense Explorer Refractor Telescope"},
	{"1YMWWN1N4O", "Eclipsmart Travel Refractor Telescope"},
	{"L9ECAV7KIM", "Lens Cleaning Kit"},
	{"2ZYFJ3GM2N", "Roof Binoculars"},
	{"0PUK6V6EV0", "Solar System Color Imager"},
	{"LS4PSXUNUM", "Red Flashlight"},
	{"9SIQT8TOJO", "Optical Tube Assembly"},
	{"6E92ZMYYFZ", "Solar Filter"},
	{"HQTGWGPNH4", "The Comet Book"},
}

var currencies = []string{"EUR", "USD", "JPY", "GBP", "CAD", "CHF", "TRY"}

type trace struct {
	g     *gen
	id    pcommon.TraceID
	state string
	user  string
}

// failure is an error travelling up a call chain.
type failure struct {
	typ, msg string
	grpc     int64 // gRPC status code the failing server returns
}

func (g *gen) traceID() pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(id[8:], g.rng.Uint64())
	return id
}

func (g *gen) spanID() pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], g.rng.Uint64()|1)
	return id
}

// dur returns a duration of at least minUS microseconds plus an
// exponentially distributed part with mean meanUS, in nanoseconds.
func (g *gen) dur(minUS, meanUS float64) int64 {
	return int64((minUS + g.rng.ExpFloat64()*meanUS) * 1e3)
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (tr *trace) open(svc, parent int, kind ptrace.SpanKind, name string, t int64) int {
	g := tr.g
	s := genSpan{trace: tr.id, id: g.spanID(), traceState: tr.state, name: name, kind: kind, start: t, svc: svc, flags: flagsLocalParent}
	if parent >= 0 {
		s.parent = g.spans[parent].id
		if g.spans[parent].svc != svc {
			s.flags = flagsRemoteParent
		}
	}
	g.spans = append(g.spans, s)
	return len(g.spans) - 1
}

func (tr *trace) set(i int, attrs ...kv) { tr.g.spans[i].attrs = append(tr.g.spans[i].attrs, attrs...) }

func (tr *trace) event(i int, name string, t int64, attrs ...kv) {
	tr.g.spans[i].events = append(tr.g.spans[i].events, genEvent{name: name, time: t, attrs: attrs})
}

func (tr *trace) close(i int, t int64) { tr.g.spans[i].end = t }

func (tr *trace) errorStatus(i int, msg string) {
	tr.g.spans[i].code = ptrace.StatusCodeError
	tr.g.spans[i].message = msg
}

// exception records f on span i as the SDKs' RecordError does, with the
// service's stack trace when stack is set.
func (tr *trace) exception(i int, f *failure, t int64, stack bool) {
	attrs := []kv{{"exception.type", f.typ}, {"exception.message", f.msg}}
	if stack {
		attrs = append(attrs, kv{"exception.stacktrace", tr.g.svcs[tr.g.spans[i].svc].stack})
	}
	tr.event(i, "exception", t, attrs...)
}

type body func(span int, t int64) (int64, *failure)

// grpc is a unary gRPC call from service from to service to: a client span
// under parent and a server span under it, in which fn runs.
func (tr *trace) grpc(parent, from, to int, rpcService, method string, t int64, fn body) (int64, *failure) {
	g := tr.g
	name := rpcService + "/" + method
	caller, callee := g.svcs[from], g.svcs[to]
	cl := tr.open(from, parent, ptrace.SpanKindClient, name, t)
	tr.set(cl, kv{"rpc.system", "grpc"}, kv{"rpc.service", rpcService}, kv{"rpc.method", method},
		kv{"server.address", callee.name}, kv{"server.port", callee.port}, kv{"network.peer.address", callee.ip},
		kv{"network.peer.port", callee.port})
	ts := t + g.dur(80, 250)
	srv := tr.open(to, cl, ptrace.SpanKindServer, name, ts)
	tr.set(srv, kv{"rpc.system", "grpc"}, kv{"rpc.service", rpcService}, kv{"rpc.method", method},
		kv{"server.address", callee.name}, kv{"server.port", callee.port}, kv{"client.address", caller.ip},
		kv{"client.port", int64(32768 + g.rng.IntN(28000))})
	end, f := fn(srv, ts+g.dur(15, 40))
	end += g.dur(10, 30)
	code := int64(0)
	if f != nil {
		code = f.grpc
		tr.errorStatus(srv, f.msg)
	}
	tr.set(srv, kv{"rpc.grpc.status_code", code})
	tr.close(srv, end)
	cend := end + g.dur(80, 250)
	tr.set(cl, kv{"rpc.grpc.status_code", code})
	if f != nil {
		tr.errorStatus(cl, "rpc error: code = "+grpcCodeName(code)+" desc = "+f.msg)
	}
	tr.close(cl, cend)
	if from == checkout {
		// otelgrpc's per-message events.
		size := int64(40 + g.rng.IntN(400))
		tr.event(cl, "message", t+1500, kv{"message.type", "SENT"}, kv{"message.id", int64(1)}, kv{"message.uncompressed_size", size})
		if f == nil {
			tr.event(cl, "message", cend-1500, kv{"message.type", "RECEIVED"}, kv{"message.id", int64(1)}, kv{"message.uncompressed_size", size * 3})
		}
	}
	return cend, f
}

func grpcCodeName(c int64) string {
	switch c {
	case 13:
		return "Internal"
	case 14:
		return "Unavailable"
	case 9:
		return "FailedPrecondition"
	}
	return "Unknown"
}

// http is an HTTP call from service from to service to.
func (tr *trace) http(parent, from, to int, method, route, path string, t int64, fn body) (int64, *failure) {
	g := tr.g
	callee := g.svcs[to]
	cl := tr.open(from, parent, ptrace.SpanKindClient, method, t)
	tr.set(cl, kv{"http.request.method", method},
		kv{"url.full", "http://" + callee.name + ":" + strconv.FormatInt(callee.port, 10) + path},
		kv{"server.address", callee.name}, kv{"server.port", callee.port}, kv{"network.peer.address", callee.ip},
		kv{"network.protocol.version", "1.1"})
	ts := t + g.dur(100, 300)
	srv := tr.open(to, cl, ptrace.SpanKindServer, method+" "+route, ts)
	tr.set(srv, kv{"http.request.method", method}, kv{"url.path", path}, kv{"url.scheme", "http"},
		kv{"http.route", route}, kv{"server.address", callee.name}, kv{"server.port", callee.port},
		kv{"client.address", g.svcs[from].ip}, kv{"network.protocol.version", "1.1"},
		kv{"user_agent.original", "Go-http-client/1.1"})
	end, f := fn(srv, ts+g.dur(20, 60))
	end += g.dur(10, 40)
	status := int64(200)
	if f != nil {
		status = 500
		tr.errorStatus(srv, "")
		tr.set(srv, kv{"error.type", "500"})
	}
	tr.set(srv, kv{"http.response.status_code", status})
	tr.close(srv, end)
	cend := end + g.dur(100, 300)
	tr.set(cl, kv{"http.response.status_code", status})
	if f != nil {
		tr.errorStatus(cl, "")
		tr.set(cl, kv{"error.type", "500"})
	}
	tr.close(cl, cend)
	return cend, f
}

func (tr *trace) internal(parent, svc int, name, fn, file string, line int64, t int64, b body) (int64, *failure) {
	sp := tr.open(svc, parent, ptrace.SpanKindInternal, name, t)
	tr.set(sp, kv{"code.function.name", fn}, kv{"code.file.path", file}, kv{"code.line.number", line})
	end, f := b(sp, t+tr.g.dur(5, 20))
	end += tr.g.dur(5, 20)
	if f != nil {
		tr.errorStatus(sp, f.msg)
	}
	tr.close(sp, end)
	return end, f
}

func (tr *trace) postgres(parent, svc int, op, table, query string, rows int64, t int64) int64 {
	sp := tr.open(svc, parent, ptrace.SpanKindClient, op+" "+table, t)
	tr.set(sp, kv{"db.system.name", "postgresql"}, kv{"db.namespace", "otel"}, kv{"db.operation.name", op},
		kv{"db.collection.name", table}, kv{"db.query.text", query}, kv{"server.address", "postgresql"},
		kv{"server.port", int64(5432)}, kv{"db.response.returned_rows", rows})
	end := t + tr.g.dur(200, 900)
	tr.close(sp, end)
	return end
}

func (tr *trace) redis(parent, svc int, cmd, key string, t int64, hit bool) (int64, *failure) {
	g := tr.g
	sp := tr.open(svc, parent, ptrace.SpanKindClient, cmd, t)
	tr.set(sp, kv{"db.system.name", "redis"}, kv{"db.operation.name", cmd}, kv{"db.query.text", cmd + " " + key},
		kv{"db.namespace", "0"}, kv{"server.address", "valkey-cart"}, kv{"server.port", int64(6379)},
		kv{"network.peer.address", "10.42.3.17"}, kv{"app.cache.hit", hit})
	if g.chance(0.004) {
		f := &failure{typ: "StackExchange.Redis.RedisTimeoutException", msg: "Timeout performing " + cmd + " (5000ms), inst: 0, qu: 0, qs: 1", grpc: 14}
		end := t + 5_000_000_000 + g.dur(0, 2000)
		tr.errorStatus(sp, f.msg)
		tr.exception(sp, f, end, true)
		tr.close(sp, end)
		return end, f
	}
	end := t + g.dur(60, 400)
	tr.close(sp, end)
	return end, nil
}

// trace generates one user request starting at t0.
func (g *gen) trace(t0 int64) {
	tr := &trace{g: g, id: g.traceID(), user: uuid(g.rng)}
	if g.chance(0.12) {
		tr.state = traceStates[g.rng.IntN(len(traceStates))]
	}
	first := len(g.spans)
	p := products[g.rng.IntN(len(products))]
	cur := currencies[g.rng.IntN(len(currencies))]
	var method, route, path, query string
	var fn body
	switch r := g.rng.IntN(100); {
	case r < 28:
		method, route, path, query = "GET", "/api/products", "/api/products", "currencyCode="+cur
		fn = tr.browse(cur)
	case r < 52:
		method, route, path, query = "GET", "/api/products/[productId]", "/api/products/"+p.id, "currencyCode="+cur
		fn = tr.productPage(p.id, p.name, cur)
	case r < 68:
		method, route, path = "POST", "/api/cart", "/api/cart"
		fn = tr.addToCart(p.id, p.name)
	case r < 84:
		method, route, path, query = "GET", "/api/cart", "/api/cart", "sessionId="+tr.user+"&currencyCode="+cur
		fn = tr.viewCart(cur)
	default:
		method, route, path, query = "POST", "/api/checkout", "/api/checkout", "currencyCode="+cur
		fn = tr.checkout(cur)
	}
	tr.root(method, route, path, query, t0, fn)
	if g.cfg.EdgeCases && g.chance(0.25) {
		tr.edge(first)
	}
}

// root is the front end's HTTP server span with Next.js's route span under it.
func (tr *trace) root(method, route, path, query string, t0 int64, fn body) {
	g := tr.g
	root := tr.open(frontend, -1, ptrace.SpanKindServer, method+" "+route, t0)
	tr.set(root, kv{"http.request.method", method}, kv{"url.path", path})
	if query != "" {
		tr.set(root, kv{"url.query", query})
	}
	tr.set(root, kv{"url.scheme", "https"}, kv{"http.route", route}, kv{"server.address", "shop.example.com"},
		kv{"server.port", int64(443)}, kv{"client.address", fmt.Sprintf("%d.%d.%d.%d", 80+g.rng.IntN(100), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))},
		kv{"user_agent.original", userAgents[g.rng.IntN(len(userAgents))]}, kv{"network.protocol.version", "2"},
		kv{"app.session.id", tr.user})
	end, f := tr.internal(root, frontend, "executing api route (pages) "+route, "apiRouteHandler", "/app/.next/server/pages"+route+".js", int64(1), t0+g.dur(50, 150), fn)
	end += g.dur(30, 100)
	status := int64(200)
	if method == "POST" && route == "/api/cart" {
		status = 204
	}
	if f != nil {
		status = 500
		tr.errorStatus(root, "")
		tr.set(root, kv{"error.type", "500"})
	}
	tr.set(root, kv{"http.response.status_code", status})
	tr.close(root, end)
	self := genLink{trace: tr.id, span: g.spans[root].id, traceState: tr.state, flags: 0x101}
	if len(g.roots) > 0 && g.chance(0.03) {
		l := g.roots[g.rng.IntN(len(g.roots))]
		l.attrs = []kv{{"app.link.reason", "previous_request"}}
		g.spans[root].links = append(g.spans[root].links, l)
	}
	if len(g.roots) < 64 {
		g.roots = append(g.roots, self)
	} else {
		g.roots[g.rng.IntN(64)] = self
	}
}

func (tr *trace) browse(cur string) body {
	g := tr.g
	return func(sp int, t int64) (int64, *failure) {
		t, f := tr.grpc(sp, frontend, catalog, "oteldemo.ProductCatalogService", "ListProducts", t, func(srv int, t int64) (int64, *failure) {
			tr.set(srv, kv{"app.products.count", int64(len(products))})
			return tr.postgres(srv, catalog, "SELECT", "products", "SELECT id, name, description, picture, price_currency_code, price_units, price_nanos FROM products", int64(len(products)), t), nil
		})
		if f != nil {
			return t, f
		}
		return tr.fanOut(sp, frontend, 2+g.rng.IntN(6), t, func(sp int, t int64) (int64, *failure) {
			return tr.convert(sp, frontend, "USD", cur, t)
		})
	}
}

// fanOut runs n calls concurrently (Promise.all, errgroup): each starts a
// little after the previous one, and the caller continues when the last
// one ends.
func (tr *trace) fanOut(parent, svc, n int, t int64, fn body) (int64, *failure) {
	end := t
	var first *failure
	for i := range n {
		e, f := fn(parent, t+int64(i)*tr.g.dur(20, 60))
		end = max(end, e)
		if f != nil && first == nil {
			first = f
		}
	}
	return end, first
}

func (tr *trace) convert(parent, from int, src, dst string, t int64) (int64, *failure) {
	g := tr.g
	return tr.grpc(parent, from, currency, "oteldemo.CurrencyService", "Convert", t, func(srv int, t int64) (int64, *failure) {
		tr.set(srv, kv{"app.currency.conversion.from", src}, kv{"app.currency.conversion.to", dst},
			kv{"app.currency.conversion.rate", 0.5 + g.rng.Float64()*1.5})
		return t + g.dur(20, 60), nil
	})
}

func (tr *trace) getProduct(parent, from int, id, name string, t int64) (int64, *failure) {
	g := tr.g
	return tr.grpc(parent, from, catalog, "oteldemo.ProductCatalogService", "GetProduct", t, func(srv int, t int64) (int64, *failure) {
		tr.set(srv, kv{"app.product.id", id}, kv{"app.product.name", name})
		t = tr.postgres(srv, catalog, "SELECT", "products", "SELECT id, name, description, picture, price_currency_code, price_units, price_nanos FROM products WHERE id = $1", 1, t)
		if id == "OLJCESPC7Z" && g.chance(0.1) {
			f := &failure{typ: "*errors.errorString", msg: "Error: Product Catalog Fail Feature Flag Enabled", grpc: 13}
			tr.exception(srv, f, t, true)
			return t, f
		}
		return t + g.dur(10, 30), nil
	})
}

func (tr *trace) getCart(parent, from int, items int, t int64) (int64, *failure) {
	return tr.grpc(parent, from, cart, "oteldemo.CartService", "GetCart", t, func(srv int, t int64) (int64, *failure) {
		tr.set(srv, kv{"app.user.id", tr.user}, kv{"app.cart.items.count", int64(items)})
		tr.event(srv, "Fetch cart", t, kv{"app.user.id", tr.user})
		t, f := tr.redis(srv, cart, "HGETALL", "cart:"+tr.user, t, items > 0)
		if f != nil {
			return t, f
		}
		return t + tr.g.dur(10, 30), nil
	})
}

func (tr *trace) productPage(id, name, cur string) body {
	g := tr.g
	return func(sp int, t int64) (int64, *failure) {
		t, f := tr.getProduct(sp, frontend, id, name, t)
		if f != nil {
			return t, f
		}
		t, f = tr.convert(sp, frontend, "USD", cur, t)
		if f != nil {
			return t, f
		}
		return tr.getCart(sp, frontend, g.rng.IntN(4), t)
	}
}

func (tr *trace) addToCart(id, name string) body {
	g := tr.g
	return func(sp int, t int64) (int64, *failure) {
		t, f := tr.getProduct(sp, frontend, id, name, t)
		if f != nil {
			return t, f
		}
		qty := int64(1 + g.rng.IntN(3))
		return tr.grpc(sp, frontend, cart, "oteldemo.CartService", "AddItem", t, func(srv int, t int64) (int64, *failure) {
			tr.set(srv, kv{"app.user.id", tr.user}, kv{"app.product.id", id}, kv{"app.product.quantity", qty})
			t, f := tr.redis(srv, cart, "HGET", "cart:"+tr.user, t, g.chance(0.6))
			if f != nil {
				return t, f
			}
			return tr.redis(srv, cart, "HSET", "cart:"+tr.user, t, true)
		})
	}
}

func (tr *trace) viewCart(cur string) body {
	g := tr.g
	return func(sp int, t int64) (int64, *failure) {
		n := g.rng.IntN(5)
		t, f := tr.getCart(sp, frontend, n, t)
		if f != nil || n == 0 {
			return t, f
		}
		return tr.fanOut(sp, frontend, n, t, func(sp int, t int64) (int64, *failure) {
			p := products[g.rng.IntN(len(products))]
			t, f := tr.getProduct(sp, frontend, p.id, p.name, t)
			if f != nil {
				return t, f
			}
			return tr.convert(sp, frontend, "USD", cur, t)
		})
	}
}

func (tr *trace) checkout(cur string) body {
	return func(sp int, t int64) (int64, *failure) {
		return tr.grpc(sp, frontend, checkout, "oteldemo.CheckoutService", "PlaceOrder", t, tr.placeOrder(cur))
	}
}

func (tr *trace) placeOrder(cur string) body {
	g := tr.g
	return func(srv int, t int64) (int64, *failure) {
		items := 1 + g.rng.IntN(4)
		tr.set(srv, kv{"app.user.id", tr.user}, kv{"app.user.currency", cur})
		t, f := tr.internal(srv, checkout, "prepareOrderItemsAndShippingQuoteFromCart", "main.(*checkout).prepareOrderItemsAndShippingQuoteFromCart", "/usr/src/app/main.go", 338, t, func(sp int, t int64) (int64, *failure) {
			t, f := tr.getCart(sp, checkout, items, t)
			for i := 0; i < items && f == nil; i++ {
				p := products[g.rng.IntN(len(products))]
				t, f = tr.getProduct(sp, checkout, p.id, p.name, t)
				if f == nil {
					t, f = tr.convert(sp, checkout, "USD", cur, t)
				}
			}
			if f != nil {
				return t, f
			}
			t, f = tr.http(sp, checkout, shipping, "POST", "/get-quote", "/get-quote", t, func(srv int, t int64) (int64, *failure) {
				return tr.internal(srv, shipping, "calculate-quote", "shipping::shipping_service::quote::create_quote_from_count", "src/shipping_service/quote.rs", 41, t, func(sp int, t int64) (int64, *failure) {
					tr.set(sp, kv{"app.shipping.items.count", int64(items)}, kv{"app.shipping.cost.total", 3.5 + float64(items)*2.25})
					if g.chance(0.01) {
						f := &failure{typ: "std::io::Error", msg: "connection reset by peer", grpc: 14}
						tr.exception(sp, f, t, true)
						return t, f
					}
					return t + g.dur(50, 100), nil
				})
			})
			if f != nil {
				return t, f
			}
			return tr.convert(sp, checkout, "USD", cur, t)
		})
		if f != nil {
			tr.exception(srv, &failure{typ: "*fmt.wrapError", msg: "failed to prepare order: " + f.msg}, t, false)
			return t, &failure{typ: f.typ, msg: "failed to prepare order: " + f.msg, grpc: 13}
		}
		tr.event(srv, "prepared", t)
		amount := float64(items)*(9.99+float64(g.rng.IntN(20000))/100) + 0.01
		t, f = tr.grpc(srv, checkout, payment, "oteldemo.PaymentService", "Charge", t, func(srv int, t int64) (int64, *failure) {
			loyalty := []string{"platinum", "gold", "silver", "bronze"}[g.rng.IntN(4)]
			tr.set(srv, kv{"app.payment.card_type", "visa"}, kv{"app.payment.card_valid", true},
				kv{"app.loyalty.level", loyalty}, kv{"app.payment.amount", amount})
			return tr.internal(srv, payment, "charge", "charge", "/usr/src/app/charge.js", 37, t, func(sp int, t int64) (int64, *failure) {
				t += g.dur(200, 800)
				if loyalty == "gold" && g.chance(0.15) {
					f := &failure{typ: "Error", msg: "Payment request failed. Invalid token. app.loyalty.level=gold", grpc: 13}
					tr.exception(sp, f, t, true)
					return t, f
				}
				tr.set(sp, kv{"app.payment.transaction.id", uuid(g.rng)}, kv{"app.payment.charged", true})
				g.spans[sp].code = ptrace.StatusCodeOk
				return t, nil
			})
		})
		if f != nil {
			tr.exception(srv, &failure{typ: "*status.Error", msg: "failed to charge card: " + f.msg}, t, false)
			return t, &failure{typ: f.typ, msg: "failed to charge card: " + f.msg, grpc: 13}
		}
		tr.event(srv, "charged", t, kv{"app.payment.transaction.id", uuid(g.rng)})
		tracking := uuid(g.rng)
		t, f = tr.http(srv, checkout, shipping, "POST", "/ship-order", "/ship-order", t, func(srv int, t int64) (int64, *failure) {
			tr.set(srv, kv{"app.shipping.tracking.id", tracking})
			return t + g.dur(100, 200), nil
		})
		if f != nil {
			return t, f
		}
		tr.event(srv, "shipped", t, kv{"app.shipping.tracking.id", tracking})
		t, _ = tr.grpc(srv, checkout, cart, "oteldemo.CartService", "EmptyCart", t, func(srv int, t int64) (int64, *failure) {
			tr.set(srv, kv{"app.user.id", tr.user})
			return tr.redis(srv, cart, "DEL", "cart:"+tr.user, t, true)
		})
		orderID := uuid(g.rng)
		t = tr.publish(srv, orderID, t)
		tr.set(srv, kv{"app.order.id", orderID}, kv{"app.order.items.count", int64(items)},
			kv{"app.order.amount", amount}, kv{"app.shipping.tracking.id", tracking})
		return t, nil
	}
}

// publish sends the order to Kafka; the email service consumes it
// asynchronously (its span is a child of the producer span and links to it).
func (tr *trace) publish(parent int, orderID string, t int64) int64 {
	g := tr.g
	size := int64(300 + g.rng.IntN(700))
	prod := tr.open(checkout, parent, ptrace.SpanKindProducer, "publish orders", t)
	tr.set(prod, kv{"messaging.system", "kafka"}, kv{"messaging.operation.type", "send"},
		kv{"messaging.operation.name", "publish"}, kv{"messaging.destination.name", "orders"},
		kv{"messaging.kafka.message.key", orderID}, kv{"messaging.message.body.size", size},
		kv{"server.address", "kafka"}, kv{"server.port", int64(9092)})
	end := t + g.dur(300, 1500)
	tr.close(prod, end)

	cs := end + g.dur(500, 8000)
	cons := tr.open(email, prod, ptrace.SpanKindConsumer, "process orders", cs)
	tr.set(cons, kv{"messaging.system", "kafka"}, kv{"messaging.operation.type", "process"},
		kv{"messaging.operation.name", "process"}, kv{"messaging.destination.name", "orders"},
		kv{"messaging.consumer.group.name", "email"}, kv{"messaging.destination.partition.id", strconv.Itoa(g.rng.IntN(3))},
		kv{"messaging.kafka.offset", int64(g.traces)}, kv{"messaging.message.body.size", size})
	g.spans[cons].links = append(g.spans[cons].links, genLink{trace: tr.id, span: g.spans[prod].id, traceState: tr.state, flags: flagsRemoteParent})
	ce, _ := tr.internal(cons, email, "send_order_confirmation", "send_order_confirmation", "/email_server/email_server.rb", 28, cs+g.dur(50, 100), func(sp int, t int64) (int64, *failure) {
		tr.set(sp, kv{"app.order.id", orderID}, kv{"app.email.template", "confirmation"})
		cl := tr.open(email, sp, ptrace.SpanKindClient, "POST", t)
		tr.set(cl, kv{"http.request.method", "POST"}, kv{"url.full", "https://api.sendgrid.com/v3/mail/send"},
			kv{"server.address", "api.sendgrid.com"}, kv{"server.port", int64(443)},
			kv{"network.protocol.version", "1.1"}, kv{"http.response.status_code", int64(202)})
		e := t + g.dur(20_000, 40_000)
		tr.close(cl, e)
		return e, nil
	})
	tr.close(cons, ce+g.dur(20, 50))
	return end
}
