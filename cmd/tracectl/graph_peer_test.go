package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGraphJaegerPeer checks `tracectl graph` against Jaeger's own service
// dependencies (/api/dependencies, what Jaeger UI's System Architecture
// draws): the demo is sent into a Jaeger v2, and every pair of services
// Jaeger links, with its call count, must be an edge of tracectl's graph
// with the same calls (sync and async together: Jaeger does not tell them
// apart), and the other way round. Jaeger also counts same-service
// parent/child pairs, which are no edge; tracectl's virtual peers (services
// that sent no spans) are not in Jaeger's answer.
func TestGraphJaegerPeer(t *testing.T) {
	query, otlp, exited := startJaeger(t)
	tracectl(t, "send", "--endpoint", otlp, demoFile)

	out, _ := tracectl(t, "graph", "-o", "json", demoFile)
	want := map[string]int{}
	virtual := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var x struct {
			Type, Service, From, To string
			Virtual                 bool
			Calls                   int
		}
		if err := json.Unmarshal([]byte(line), &x); err != nil {
			t.Fatal(err)
		}
		switch {
		case x.Type == "node" && x.Virtual:
			virtual[x.Service] = true
		case x.Type == "edge" && !virtual[x.To]:
			want[x.From+" → "+x.To] += x.Calls
		}
	}
	if len(want) == 0 {
		t.Fatal("tracectl graph found no edges in the demo")
	}

	// The demo's spans are older than Jaeger's default window: look back
	// from now to a day before the first of them.
	ls, _ := tracectl(t, "ls", "-o", "json", "--sort", "start", demoFile)
	var first struct {
		Start int64 `json:"start_unix_nano"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(ls, "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	url := fmt.Sprintf("%s/api/dependencies?endTs=%d&lookback=%d", query, now.UnixMilli(),
		now.Sub(time.Unix(0, first.Start)).Milliseconds()+24*3600*1000)

	// Jaeger stores asynchronously: poll until its answer matches or a
	// minute has passed, then show the difference.
	var got map[string]int
	var diff string
	t.Cleanup(func() {
		if t.Failed() && diff != "" {
			t.Logf("the last answer differed (-tracectl +Jaeger):\n%s", diff)
		}
	})
	waitUntil(t, exited, time.Minute, "Jaeger's dependencies to match tracectl graph's edges", func() bool {
		b, err := httpGet(url)
		if err != nil {
			t.Log(err)
			return false
		}
		var deps struct {
			Data []struct {
				Parent, Child string
				CallCount     int
			}
		}
		if err := json.Unmarshal(b, &deps); err != nil {
			t.Fatalf("%s: %v: %.200s", url, err, b)
		}
		got = map[string]int{}
		for _, d := range deps.Data {
			if d.Parent != d.Child {
				got[d.Parent+" → "+d.Child] += d.CallCount
			}
		}
		diff = cmp.Diff(want, got)
		return diff == ""
	})
	t.Logf("Jaeger's /api/dependencies and tracectl graph agree on %d service pairs: %v", len(got), got)
}
