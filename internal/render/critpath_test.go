package render

import (
	"bytes"
	"testing"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
)

// checkout is a trace whose payment call dominates: frontend GET /checkout
// [0,100ms] calls cart/get [5,20], then payment/charge [25,90], which
// calls payment/db.query [30,40] and the bank; an orphan under an absent
// span rides along.
func checkout() *dag.Tree {
	bank := &dag.Resource{Service: "bank;ext"}
	return buildTree([]dag.SpanData{
		span(1, 0, frontend, "GET /checkout", 0, 100),
		span(2, 1, cart, "get", 5, 20),
		span(3, 1, payment, "charge", 25, 90),
		span(4, 3, payment, "db.query", 30, 40),
		span(5, 3, bank, "authorize", 45, 85),
		span(6, 9, cart, "cleanup", 200, 210),
	})
}

func TestCritPathText(t *testing.T) {
	a := critpath.Analyze(checkout())
	b, _ := a.Retime([]critpath.Speedup{{Service: "bank;ext", Factor: 2}})
	var buf bytes.Buffer
	if err := CritPath(&buf, NewStyles(&buf, false), a, CritPathOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "critpath.txt", buf.Bytes())
	buf.Reset()
	if err := CritPath(&buf, NewStyles(&buf, false), a, CritPathOptions{WhatIf: b}); err != nil {
		t.Fatal(err)
	}
	golden(t, "critpath-whatif.txt", buf.Bytes())
}

func TestCritPathJSON(t *testing.T) {
	a := critpath.Analyze(checkout())
	var buf bytes.Buffer
	if err := CritPathJSON(&buf, a, nil); err != nil {
		t.Fatal(err)
	}
	golden(t, "critpath.json", buf.Bytes())
}

func TestFolded(t *testing.T) {
	a := critpath.Analyze(checkout())
	for _, tc := range []struct {
		file   string
		by     critpath.By
		weight critpath.Weight
	}{
		{"critpath-critical.folded", critpath.ByOperation, critpath.WeightCritical},
		{"critpath-self.folded", critpath.ByOperation, critpath.WeightSelf},
		{"critpath-service.folded", critpath.ByService, critpath.WeightCritical},
	} {
		f := critpath.NewFolded(tc.by, tc.weight)
		f.Add(a)
		var buf bytes.Buffer
		if err := Folded(&buf, f); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.file, buf.Bytes())
	}
}

func TestAttrib(t *testing.T) {
	at := critpath.NewAttribution(critpath.ByOperation)
	w := critpath.WhatIf{Rules: []critpath.Speedup{{Service: "payment", Name: "charge", Operation: true, Factor: 2}}}
	for range 3 {
		a := critpath.Analyze(checkout())
		at.Add(a)
		w.Add(a)
	}
	total, lat := at.EndToEnd()
	var buf bytes.Buffer
	st := NewStyles(&buf, false)
	if err := Attrib(&buf, st, at.Rows(), AttribOptions{By: critpath.ByOperation, Traces: at.Traces(), EndToEnd: total, Latency: lat, Top: 4}); err != nil {
		t.Fatal(err)
	}
	if err := WhatIf(&buf, st, w.Report()); err != nil {
		t.Fatal(err)
	}
	golden(t, "attrib.txt", buf.Bytes())

	buf.Reset()
	if err := AttribJSON(&buf, at, 0); err != nil {
		t.Fatal(err)
	}
	if err := WhatIfJSON(&buf, w.Report()); err != nil {
		t.Fatal(err)
	}
	golden(t, "attrib.json", buf.Bytes())
}
