package view

import (
	"flag"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/google/go-cmp/cmp"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
)

var update = flag.Bool("update", false, "rewrite the README's screen of tracectl view")

// The README shows the explorer on the demo data as this build draws it;
// go test -update rewrites that screen.
func TestREADMEScreen(t *testing.T) {
	f, err := os.Open("../../testdata/demo/shop.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ts dag.Traces
	if err := ingest.Decode(f, "shop.jsonl", ingest.Options{}, func(b []dag.Span) error { ts.Add(b); return nil }); err != nil {
		t.Fatal(err)
	}
	var trees []*dag.Tree
	for _, tr := range ts.List() {
		trees = append(trees, dag.Build(tr))
	}
	m := New(trees, Options{Source: "shop.jsonl"})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, m, "s", "enter", "/", "charge", "enter", "n")
	var lines []string
	for _, l := range strings.Split(screen(t, m), "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	got := strings.Join(lines, "\n")

	const path = "../../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const intro = "Here, after `s`, enter, `/charge` and `n` (with `NO_COLOR=1`):\n\n```console\n"
	text := string(readme)
	i := strings.Index(text, intro)
	if i < 0 {
		t.Fatal("README.md has no screen of tracectl view")
	}
	start := i + len(intro)
	end := start + strings.Index(text[start:], "\n```")
	if *update {
		if err := os.WriteFile(path, []byte(text[:start]+got+text[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(text[start:end], got); diff != "" {
		t.Errorf("README.md's screen of tracectl view is not what this build draws (go test ./internal/view -run README -update) (-readme +build):\n%s", diff)
	}
}
