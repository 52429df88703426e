package query

import (
	"encoding/binary"
	"testing"

	"github.com/tracectl/tracectl/internal/dag"
)

// sp describes a span of a hand-built test trace; ids are small integers.
type sp struct {
	id, parent int
	svc, name  string
	kind       dag.Kind
	status     dag.StatusCode
	msg        string
	start, end int64 // milliseconds
	attrs      []dag.Attr
}

func sid(n int) dag.SpanID {
	var id dag.SpanID
	if n != 0 {
		binary.BigEndian.PutUint64(id[:], uint64(n))
	}
	return id
}

func idOf(id dag.SpanID) int { return int(binary.BigEndian.Uint64(id[:])) }

var testTraceID = dag.TraceID{0x5b, 0x8e, 0xff, 0xf7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

// build makes a tree from spans; services get one shared Resource each,
// with service.name and deployment.environment = env[service].
func build(t testing.TB, env map[string]string, spans ...sp) *dag.Tree {
	t.Helper()
	res := map[string]*dag.Resource{}
	batch := make([]dag.SpanData, len(spans))
	for i, s := range spans {
		r := res[s.svc]
		if r == nil {
			r = &dag.Resource{Service: s.svc, Attrs: []dag.Attr{{Key: "service.name", Value: dag.StringValue(s.svc)}}}
			if e, ok := env[s.svc]; ok {
				r.Attrs = append(r.Attrs, dag.Attr{Key: "deployment.environment", Value: dag.StringValue(e)})
			}
			res[s.svc] = r
		}
		batch[i] = dag.SpanData{
			TraceID: testTraceID, SpanID: sid(s.id), ParentSpanID: sid(s.parent),
			Kind: s.kind, Start: uint64(s.start * 1e6), End: uint64(s.end * 1e6), Name: s.name,
			Status: dag.Status{Code: s.status, Message: s.msg}, Resource: r,
			Scope: &dag.Scope{Name: "shop", Version: "1.2"}, Attrs: s.attrs,
		}
	}
	var ts dag.Traces
	ts.Add(dag.Pack(batch))
	return dag.Build(ts.List()[0])
}

// shop is the reference trace of the tests:
//
//	1 frontend GET /checkout (server, error, 245ms)
//	├─ 2 frontend GET /cart (client, 38ms)
//	│  └─ 3 cart GET /cart (server, 33ms)
//	│     ├─ 4 cart SELECT items (client, 4ms)
//	│     └─ 5 cart SELECT items (client, 4ms)
//	└─ 6 payment charge (server, error "card declined", 195ms)
//	   └─ 7 payment fraud-check (internal, 20ms)
func shop(t testing.TB) *dag.Tree {
	str, i64, f64, bl := dag.StringValue, dag.IntValue, dag.DoubleValue, dag.BoolValue
	return build(t, map[string]string{"frontend": "prod", "cart": "prod", "payment": "staging"},
		sp{id: 1, svc: "frontend", name: "GET /checkout", kind: dag.KindServer, status: dag.StatusError, start: 0, end: 245,
			attrs: []dag.Attr{{Key: "http.request.method", Value: str("GET")}, {Key: "http.response.status_code", Value: i64(500)}}},
		sp{id: 2, parent: 1, svc: "frontend", name: "GET /cart", kind: dag.KindClient, start: 2, end: 40,
			attrs: []dag.Attr{{Key: "http.response.status_code", Value: str("200")}}},
		sp{id: 3, parent: 2, svc: "cart", name: "GET /cart", kind: dag.KindServer, start: 5, end: 38,
			attrs: []dag.Attr{{Key: "http.response.status_code", Value: i64(200)}, {Key: "deployment.environment", Value: str("canary")}}},
		sp{id: 4, parent: 3, svc: "cart", name: "SELECT items", kind: dag.KindClient, start: 6, end: 10,
			attrs: []dag.Attr{{Key: "db.system.name", Value: str("sqlite")}, {Key: "db.rows", Value: i64(3)}}},
		sp{id: 5, parent: 3, svc: "cart", name: "SELECT items", kind: dag.KindClient, start: 11, end: 15,
			attrs: []dag.Attr{{Key: "db.system.name", Value: str("sqlite")}, {Key: "db.rows", Value: i64(12)}}},
		sp{id: 6, parent: 1, svc: "payment", name: "charge", kind: dag.KindServer, status: dag.StatusError, msg: "card declined", start: 45, end: 240,
			attrs: []dag.Attr{{Key: "retry", Value: bl(true)}, {Key: "amount", Value: f64(12.5)},
				{Key: "tags", Value: dag.ArrayValue([]dag.Value{str("visa"), str("eu")})}}},
		sp{id: 7, parent: 6, svc: "payment", name: "fraud-check", kind: dag.KindInternal, start: 50, end: 70,
			attrs: []dag.Attr{{Key: "retry", Value: bl(false)}, {Key: "score", Value: f64(0.25)}}},
	)
}

// ids returns the span ids of a result, in its order.
func ids(tr *dag.Tree, r Result) []int {
	out := []int{}
	for _, i := range r.Spans {
		out = append(out, idOf(tr.Nodes[i].ID))
	}
	return out
}
