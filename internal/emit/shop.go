package emit

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/XSAM/otelsql"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// Secrets the shop deliberately puts on spans, the way real services leak
// them: a bearer token and a cookie copied from request headers, a user's
// e-mail address, a card number inside a logged request body, an API token
// in a query string (so in url.full), and an API key attribute. With
// redaction on none of them may reach the output.
const (
	plantedJWT    = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaG9wLXVzZXIifQ.c2lnbmF0dXJlLXNlY3JldA"
	plantedBearer = "Bearer " + plantedJWT
	plantedCookie = "session=9f8e7d6c5b4a39281706"
	plantedEmail  = "alice.smith@example.com"
	plantedCard   = "4111 1111 1111 1111"
	plantedToken  = "tok_live_51HxZq2eZvKYlo2C"
	plantedAPIKey = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
)

// plantedSecrets are the substrings that must not survive redaction.
var plantedSecrets = []string{plantedJWT, "9f8e7d6c5b4a39281706", plantedEmail, plantedCard, plantedToken, plantedAPIKey}

// ShopServices are the services of the shop scenario, in call order.
var ShopServices = []string{"frontend", "cart", "checkout", "inventory", "payment", "email"}

const (
	shopNamespace  = "shop"
	shopScope      = "github.com/tracectl/tracectl/internal/emit/shop"
	queueName      = "notifications"
	messagingSys   = "shop-queue"
	skuCount       = 12
	unknownSKU     = "SKU-DISCONTINUED"
	emailWorkers   = 2
	queueCapacity  = 4096
	requestTimeout = 30 * time.Second
)

// shop is the running topology: every service on its own 127.0.0.1 port
// with its own TracerProvider, wired with the contrib instrumentation.
//
//	driver ─HTTP─▶ frontend ─HTTP─▶ cart
//	                  └──────HTTP─▶ checkout ─HTTP─▶ inventory ─▶ SQLite
//	                                   ├─gRPC─▶ payment
//	                                   └─queue (PRODUCER)─▶ email (CONSUMER, link)
type shop struct {
	cfg *Config
	svc map[string]*serviceSDK

	frontendURL, cartURL, checkoutURL, inventoryURL string

	servers  []*http.Server
	grpcSrv  *grpc.Server
	grpcConn *grpc.ClientConn
	db       *sql.DB

	frontendClient, checkoutClient *http.Client
	driverClient                   *http.Client
	transports                     []*http.Transport

	// queue is closed under qmu once the load is over; a handler still
	// running then (its client gave up) must not send on it.
	qmu         sync.RWMutex
	queue       chan notification
	queueClosed bool
	emailWG     sync.WaitGroup
}

// notification is a message on the in-process queue; headers carry the
// producer's trace context and baggage, as message headers do.
type notification struct {
	headers propagation.MapCarrier
	orderID string
	email   string
}

func runShop(ctx context.Context, cfg *Config, p *pipeline) (loadResult, error) {
	s := &shop{cfg: cfg, svc: map[string]*serviceSDK{}}
	defer s.close()
	if err := s.start(ctx, p); err != nil {
		return loadResult{}, err
	}
	res := drive(ctx, cfg, s.request)
	// The async step finishes after the frontend answered: drain the queue
	// before the providers flush.
	s.closeQueue()
	return res, nil
}

// closeQueue stops the e-mail workers once they have drained the queue.
func (s *shop) closeQueue() {
	s.qmu.Lock()
	if s.queue != nil && !s.queueClosed {
		close(s.queue)
		s.queueClosed = true
	}
	s.qmu.Unlock()
	s.emailWG.Wait()
}

func (s *shop) start(ctx context.Context, p *pipeline) error {
	for _, name := range ShopServices {
		svc, err := p.newService(ctx, name, shopNamespace)
		if err != nil {
			return err
		}
		s.svc[name] = svc
	}
	s.queue = make(chan notification, queueCapacity)

	db, err := s.openInventoryDB(ctx)
	if err != nil {
		return err
	}
	s.db = db

	if err := s.startPayment(); err != nil {
		return err
	}
	s.checkoutClient = s.httpClient("checkout")
	s.frontendClient = s.httpClient("frontend")
	// The driver is the outside world: no tracing, just real headers.
	dt := s.transport()
	s.driverClient = &http.Client{Transport: dt, Timeout: requestTimeout}

	var errs []error
	s.inventoryURL, err = s.serve("inventory", map[string]http.HandlerFunc{"POST /reserve": s.handleReserve})
	errs = append(errs, err)
	s.cartURL, err = s.serve("cart", map[string]http.HandlerFunc{"GET /cart/{user}": s.handleCart})
	errs = append(errs, err)
	s.checkoutURL, err = s.serve("checkout", map[string]http.HandlerFunc{"POST /checkout": s.handleCheckout})
	errs = append(errs, err)
	s.frontendURL, err = s.serve("frontend", map[string]http.HandlerFunc{"POST /api/checkout": s.handleFrontend})
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for range emailWorkers {
		s.emailWG.Add(1)
		go s.emailWorker()
	}
	return nil
}

func (s *shop) transport() *http.Transport {
	t := &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: max(16, 2*s.cfg.Workers),
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	s.transports = append(s.transports, t)
	return t
}

// httpClient is a service's outgoing HTTP client: otelhttp makes the CLIENT
// spans and injects traceparent and baggage headers.
func (s *shop) httpClient(service string) *http.Client {
	return &http.Client{
		Transport: otelhttp.NewTransport(s.transport(),
			otelhttp.WithTracerProvider(s.svc[service].tp),
			otelhttp.WithPropagators(propagator),
			otelhttp.WithSpanNameFormatter(clientSpanName)),
		Timeout: requestTimeout,
	}
}

// withRoute records http.route on the SERVER span: the ServeMux knows the
// matched pattern only once it has routed, after otelhttp started the span.
func withRoute(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, route, ok := strings.Cut(r.Pattern, " "); ok {
			trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(route))
		}
		h(w, r)
	})
}

// clientSpanName names CLIENT spans "{method} {url template}", as the HTTP
// conventions do when the template is known (it is: these are our routes).
func clientSpanName(_ string, r *http.Request) string {
	path := r.URL.Path
	if strings.HasPrefix(path, "/cart/") {
		path = "/cart/{user}"
	}
	return r.Method + " " + path
}

// serve starts a service's HTTP server on an ephemeral loopback port behind
// otelhttp (SERVER spans, context extracted from the request headers).
func (s *shop) serve(service string, routes map[string]http.HandlerFunc) (string, error) {
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.Handle(pattern, withRoute(h))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("%s: listen: %w", service, err)
	}
	srv := &http.Server{
		Handler: otelhttp.NewHandler(mux, service,
			otelhttp.WithTracerProvider(s.svc[service].tp),
			otelhttp.WithPropagators(propagator)),
		ReadHeaderTimeout: 10 * time.Second,
	}
	s.servers = append(s.servers, srv)
	go srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on close
	return "http://" + ln.Addr().String(), nil
}

func (s *shop) startPayment() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("payment: listen: %w", err)
	}
	s.grpcSrv = grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler(
		otelgrpc.WithTracerProvider(s.svc["payment"].tp),
		otelgrpc.WithPropagators(propagator))))
	s.grpcSrv.RegisterService(&paymentServiceDesc, &paymentService{shop: s, tracer: s.svc["payment"].Tracer(shopScope)})
	go s.grpcSrv.Serve(ln) //nolint:errcheck // returns after Stop
	conn, err := grpc.NewClient(ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(
			otelgrpc.WithTracerProvider(s.svc["checkout"].tp),
			otelgrpc.WithPropagators(propagator))))
	if err != nil {
		return fmt.Errorf("payment: dial: %w", err)
	}
	s.grpcConn = conn
	return nil
}

// close stops servers and connections; safe after a partial start.
func (s *shop) close() {
	s.closeQueue()
	// Every request has been answered by now. Close, not Shutdown: a
	// connection the client dialled but never used counts as busy for
	// five seconds under Shutdown.
	for _, srv := range s.servers {
		srv.Close()
	}
	if s.grpcConn != nil {
		s.grpcConn.Close()
	}
	if s.grpcSrv != nil {
		s.grpcSrv.Stop()
	}
	if s.db != nil {
		s.db.Close()
	}
	for _, t := range s.transports {
		t.CloseIdleConnections()
	}
}

// request is one user checkout, as the load driver sends it: real
// credentials in real headers, and the request plan in W3C baggage.
func (s *shop) request(ctx context.Context, n uint64) error {
	members := []string{baggageRequest + "=" + strconv.FormatUint(n, 10)}
	if f := chooseFault(s.cfg, n); f != "" {
		members = append(members, baggageFault+"="+f)
	}
	bag, err := baggage.Parse(strings.Join(members, ","))
	if err != nil {
		return fmt.Errorf("baggage: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.frontendURL+"/api/checkout", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", plantedBearer)
	req.Header.Set("Cookie", plantedCookie)
	req.Header.Set("User-Agent", "tracectl-emit/"+Version)
	propagation.Baggage{}.Inject(baggage.ContextWithBaggage(ctx, bag), propagation.HeaderCarrier(req.Header))
	resp, err := s.driverClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining for reuse
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("frontend: %s", resp.Status)
	}
	return nil
}

type cartItem struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// handleFrontend is the shop's edge: it fetches the cart, asks checkout to
// place the order, and renders a confirmation.
func (s *shop) handleFrontend(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := planFromContext(ctx)
	user := fmt.Sprintf("user-%03d", pl.n%100)
	span := trace.SpanFromContext(ctx)
	// A common leak: request headers and the user's profile copied onto
	// the server span for debugging.
	span.SetAttributes(
		attribute.String("enduser.id", user),
		attribute.String("user.email", plantedEmail),
		attribute.StringSlice("http.request.header.authorization", r.Header.Values("Authorization")),
	)
	sleep(ctx, s.cfg.delay("frontend", pl.n))

	items, err := s.fetchCart(ctx, user, r.Header.Get("Cookie"))
	if err != nil {
		httpError(w, span, http.StatusBadGateway, fmt.Errorf("cart: %w", err))
		return
	}
	orderID, err := s.placeOrder(ctx, user, items, r.Header.Get("Authorization"))
	if err != nil {
		httpError(w, span, http.StatusBadGateway, fmt.Errorf("checkout: %w", err))
		return
	}
	_, render := s.svc["frontend"].Tracer(shopScope).Start(ctx, "render confirmation")
	render.SetAttributes(attribute.String("shop.order.id", orderID), attribute.Int("shop.order.items", len(items)))
	sleep(ctx, s.cfg.delay("frontend", pl.n)/4)
	render.End()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"order_id":%q}`, orderID)
}

func (s *shop) fetchCart(ctx context.Context, user, cookie string) ([]cartItem, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cartURL+"/cart/"+url.PathEscape(user), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cookie", cookie)
	resp, err := s.frontendClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	var items []cartItem
	if err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
		return nil, fmt.Errorf("decode cart: %w", err)
	}
	return items, nil
}

func (s *shop) placeOrder(ctx context.Context, user string, items []cartItem, auth string) (string, error) {
	body, err := json.Marshal(map[string]any{"user": user, "items": items, "card": plantedCard, "email": plantedEmail})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.checkoutURL+"/checkout", strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := s.frontendClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", resp.Status)
	}
	var out struct {
		OrderID string `json:"order_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", fmt.Errorf("decode order: %w", err)
	}
	return out.OrderID, nil
}

// handleCart returns a user's cart. A cart fault is a 503 (the cache is
// down), which the frontend turns into a failed request.
func (s *shop) handleCart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := planFromContext(ctx)
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.StringSlice("http.request.header.cookie", r.Header.Values("Cookie")))
	_, load := s.svc["cart"].Tracer(shopScope).Start(ctx, "load cart")
	sleep(ctx, s.cfg.delay("cart", pl.n))
	if pl.fault == faultCart {
		load.SetStatus(codes.Error, "cart store unavailable")
		load.End()
		httpError(w, span, http.StatusServiceUnavailable, errors.New("cart store unavailable"))
		return
	}
	rnd := requestRand(s.cfg.Seed, pl.n, "cart")
	items := make([]cartItem, 1+rnd.IntN(3))
	for i := range items {
		items[i] = cartItem{SKU: fmt.Sprintf("SKU-%03d", rnd.IntN(skuCount)), Qty: 1 + rnd.IntN(2)}
	}
	load.SetAttributes(attribute.String("enduser.id", r.PathValue("user")), attribute.Int("shop.cart.items", len(items)))
	load.End()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(items) //nolint:errcheck // client gone
}

// handleCheckout reserves every item in inventory, charges the card over
// gRPC and publishes a notification for the e-mail service.
func (s *shop) handleCheckout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := planFromContext(ctx)
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.String("payment.gateway.api_key", plantedAPIKey))
	var order struct {
		User  string     `json:"user"`
		Items []cartItem `json:"items"`
		Card  string     `json:"card"`
		Email string     `json:"email"`
	}
	if err := json.NewDecoder(r.Body).Decode(&order); err != nil {
		httpError(w, span, http.StatusBadRequest, fmt.Errorf("decode order: %w", err))
		return
	}
	sleep(ctx, s.cfg.delay("checkout", pl.n))
	for i, it := range order.Items {
		sku := it.SKU
		if pl.fault == faultInventory && i == 0 {
			sku = unknownSKU
		}
		if status, err := s.reserve(ctx, sku, it.Qty); err != nil {
			code := http.StatusBadGateway
			if status == http.StatusConflict {
				code = http.StatusConflict
			}
			httpError(w, span, code, fmt.Errorf("reserve %s: %w", sku, err))
			return
		}
	}
	orderID := fmt.Sprintf("ord-%08d", pl.n)
	total := 0.0
	for _, it := range order.Items {
		total += 19.99 * float64(it.Qty)
	}
	req, err := structpb.NewStruct(map[string]any{
		"order_id": orderID, "amount": total, "currency": "EUR", "card_number": order.Card, "email": order.Email,
	})
	if err != nil {
		httpError(w, span, http.StatusInternalServerError, err)
		return
	}
	resp := new(structpb.Struct)
	if err := s.grpcConn.Invoke(ctx, paymentChargeMethod, req, resp); err != nil {
		httpError(w, span, http.StatusBadGateway, fmt.Errorf("charge: %w", err))
		return
	}
	s.publish(ctx, notification{orderID: orderID, email: order.Email})
	span.SetAttributes(attribute.String("shop.order.id", orderID))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"order_id":%q}`, orderID)
}

// reserve calls inventory. The API token rides in the query string, so
// otelhttp records it in url.full: a classic leak the redactor must catch.
func (s *shop) reserve(ctx context.Context, sku string, qty int) (int, error) {
	q := url.Values{"sku": {sku}, "qty": {strconv.Itoa(qty)}, "api_token": {plantedToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.inventoryURL+"/reserve?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.checkoutClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining for reuse
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("%s", resp.Status)
	}
	return resp.StatusCode, nil
}

// publish puts a notification on the queue under a PRODUCER span whose
// context travels in the message headers.
func (s *shop) publish(ctx context.Context, m notification) {
	ctx, span := s.svc["checkout"].Tracer(shopScope).Start(ctx, "send "+queueName,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String(messagingSys),
			semconv.MessagingDestinationName(queueName),
			semconv.MessagingOperationTypeSend,
			semconv.MessagingOperationName("send"),
			semconv.MessagingMessageID(m.orderID),
		))
	defer span.End()
	m.headers = propagation.MapCarrier{}
	propagator.Inject(ctx, m.headers)
	s.qmu.RLock()
	defer s.qmu.RUnlock()
	if s.queueClosed {
		span.SetStatus(codes.Error, "queue closed")
		return
	}
	select {
	case s.queue <- m:
	default:
		span.SetStatus(codes.Error, "queue full")
	}
}

// emailWorker consumes notifications. Each CONSUMER span links to the
// producer span, as the messaging conventions ask of "process" spans, and
// continues the producer's trace (parent from the message headers) or,
// with Config.ConsumerNewTrace, starts a new one.
func (s *shop) emailWorker() {
	defer s.emailWG.Done()
	tracer := s.svc["email"].Tracer(shopScope)
	for m := range s.queue {
		pctx := propagator.Extract(context.Background(), m.headers)
		pl := planFromContext(pctx)
		opts := []trace.SpanStartOption{
			trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithLinks(trace.LinkFromContext(pctx, semconv.MessagingOperationTypeSend)),
			trace.WithAttributes(
				semconv.MessagingSystemKey.String(messagingSys),
				semconv.MessagingDestinationName(queueName),
				semconv.MessagingOperationTypeProcess,
				semconv.MessagingOperationName("process"),
				semconv.MessagingMessageID(m.orderID),
			),
		}
		if s.cfg.ConsumerNewTrace {
			opts = append(opts, trace.WithNewRoot()) // baggage still travels in pctx
		}
		ctx, span := tracer.Start(pctx, "process "+queueName, opts...)
		sleep(ctx, s.cfg.delay("email", pl.n)/2)
		_, send := tracer.Start(ctx, "send email", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(
				semconv.ServerAddress("smtp.shop.internal"),
				semconv.ServerPort(587),
				attribute.String("email.recipient", m.email),
				attribute.String("email.template", "order-confirmation"),
			))
		sleep(ctx, s.cfg.delay("email", pl.n)/2)
		send.End()
		span.End()
	}
}

// handleReserve takes stock in one SQLite transaction. An unknown SKU is a
// 409, the inventory fault.
func (s *shop) handleReserve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pl := planFromContext(ctx)
	span := trace.SpanFromContext(ctx)
	sku := r.URL.Query().Get("sku")
	qty, err := strconv.Atoi(r.URL.Query().Get("qty"))
	if err != nil || qty <= 0 {
		httpError(w, span, http.StatusBadRequest, errors.New("bad qty"))
		return
	}
	sleep(ctx, s.cfg.delay("inventory", pl.n))
	status, err := s.takeStock(ctx, sku, qty)
	if err != nil {
		httpError(w, span, status, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *shop) takeStock(ctx context.Context, sku string, qty int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return http.StatusInternalServerError, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	var stock int
	err = tx.QueryRowContext(ctx, "SELECT stock FROM inventory WHERE sku = ?", sku).Scan(&stock)
	if errors.Is(err, sql.ErrNoRows) {
		return http.StatusConflict, fmt.Errorf("unknown sku %s", sku)
	}
	if err != nil {
		return http.StatusInternalServerError, fmt.Errorf("select: %w", err)
	}
	if stock < qty {
		if _, err := tx.ExecContext(ctx, "UPDATE inventory SET stock = stock + 1000 WHERE sku = ?", sku); err != nil {
			return http.StatusInternalServerError, fmt.Errorf("restock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE inventory SET stock = stock - ? WHERE sku = ?", qty, sku); err != nil {
		return http.StatusInternalServerError, fmt.Errorf("update: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return http.StatusInternalServerError, fmt.Errorf("commit: %w", err)
	}
	return http.StatusOK, nil
}

// openInventoryDB opens an in-memory SQLite database through otelsql. One
// connection: an in-memory database lives and dies with its connection, and
// SQLite serialises writers anyway.
func (s *shop) openInventoryDB(ctx context.Context) (*sql.DB, error) {
	db, err := otelsql.Open("sqlite", ":memory:",
		otelsql.WithTracerProvider(s.svc["inventory"].tp),
		otelsql.WithAttributes(semconv.DBSystemNameSQLite, semconv.DBNamespace("inventory")),
		otelsql.WithAttributesGetter(sqlAttributes),
		otelsql.WithSpanNameFormatter(sqlSpanName),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			OmitConnResetSession: true,
			OmitConnPrepare:      true,
			OmitRows:             true,
			OmitConnectorConnect: true,
			// No root spans: schema setup runs outside any request.
			SpanFilter: func(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) bool {
				return trace.SpanContextFromContext(ctx).IsValid()
			},
		}))
	if err != nil {
		return nil, fmt.Errorf("inventory: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.ExecContext(ctx, "CREATE TABLE inventory (sku TEXT PRIMARY KEY, stock INTEGER NOT NULL)"); err != nil {
		db.Close()
		return nil, fmt.Errorf("inventory: create table: %w", err)
	}
	for i := range skuCount {
		if _, err := db.ExecContext(ctx, "INSERT INTO inventory (sku, stock) VALUES (?, ?)", fmt.Sprintf("SKU-%03d", i), 1000); err != nil {
			db.Close()
			return nil, fmt.Errorf("inventory: seed: %w", err)
		}
	}
	return db, nil
}

// sqlOperation returns the semantic-convention operation and collection of
// a statement (enough SQL for the shop's own statements), or of a
// transaction method.
func sqlOperation(method otelsql.Method, query string) (op, collection string) {
	switch method {
	case otelsql.MethodConnBeginTx:
		return "BEGIN", ""
	case otelsql.MethodTxCommit:
		return "COMMIT", ""
	case otelsql.MethodTxRollback:
		return "ROLLBACK", ""
	}
	f := strings.Fields(query)
	if len(f) == 0 {
		return "", ""
	}
	op = strings.ToUpper(f[0])
	for i := 0; i+1 < len(f); i++ {
		switch strings.ToUpper(f[i]) {
		case "FROM", "INTO", "UPDATE", "TABLE":
			return op, strings.Trim(f[i+1], "`\"();")
		}
	}
	return op, ""
}

func sqlAttributes(_ context.Context, method otelsql.Method, query string, _ []driver.NamedValue) []attribute.KeyValue {
	op, coll := sqlOperation(method, query)
	var attrs []attribute.KeyValue
	if op != "" {
		attrs = append(attrs, semconv.DBOperationName(op))
	}
	if coll != "" {
		attrs = append(attrs, semconv.DBCollectionName(coll))
	}
	return attrs
}

// sqlSpanName follows the database conventions: "{operation} {collection}".
func sqlSpanName(_ context.Context, method otelsql.Method, query string) string {
	op, coll := sqlOperation(method, query)
	switch {
	case op != "" && coll != "":
		return op + " " + coll
	case op != "":
		return op
	}
	return string(method)
}

// paymentService charges cards; it logs the request body on an event, a
// leak of the card number and e-mail the redactor must catch by pattern.
type paymentService struct {
	shop   *shop
	tracer trace.Tracer
}

func (p *paymentService) Charge(ctx context.Context, req *structpb.Struct) (*structpb.Struct, error) {
	pl := planFromContext(ctx)
	span := trace.SpanFromContext(ctx)
	body, _ := req.MarshalJSON()
	span.AddEvent("charge.request", trace.WithAttributes(attribute.String("request.body", string(body))))
	fields := req.GetFields()
	span.SetAttributes(
		attribute.String("shop.order.id", fields["order_id"].GetStringValue()),
		attribute.Float64("payment.amount", fields["amount"].GetNumberValue()),
		attribute.String("payment.currency", fields["currency"].GetStringValue()),
	)
	_, fraud := p.tracer.Start(ctx, "fraud check")
	sleep(ctx, p.shop.cfg.delay("payment", pl.n)/5)
	fraud.End()
	sleep(ctx, p.shop.cfg.delay("payment", pl.n))
	if pl.fault == faultPayment {
		return nil, status.Error(grpccodes.Unavailable, "payment gateway timed out")
	}
	return structpb.NewStruct(map[string]any{"status": "captured", "order_id": fields["order_id"].GetStringValue()})
}

// httpError answers with code and records the error on the server span.
// otelhttp sets the span status from the code (5xx is an error on a SERVER
// span; 4xx is the client's fault and leaves it unset).
func httpError(w http.ResponseWriter, span trace.Span, code int, err error) {
	span.RecordError(err)
	http.Error(w, err.Error(), code)
}
