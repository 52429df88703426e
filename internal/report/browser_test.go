package report

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracectl/tracectl/internal/dag"
)

// The page is tested as users see it: rendered by headless Chromium (the
// Debian package chromium; $TRACECTL_CHROMIUM names another binary). Without
// one these tests skip, saying so; .ci/run installs it where it can.

var update = flag.Bool("update", false, "rewrite docs/report.png from the demo's report")

// SkipNoChromium is the message of every test skipped for want of a
// browser; make test groups skips by message.
const SkipNoChromium = "headless Chromium not found (install the Debian package chromium, or set TRACECTL_CHROMIUM): the HTML report is not rendered in a browser"

func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TRACECTL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip(SkipNoChromium)
	return ""
}

// browse runs headless Chromium on a page with extra arguments (what to
// produce: --dump-dom, --screenshot=…) and returns its stdout. It fails
// the test on any console message at error level: an exception, a script
// the Content-Security-Policy blocked, a resource it tried to fetch.
func browse(t *testing.T, page, fragment string, args ...string) string {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	all := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--no-first-run", "--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=10000", "--window-size=1280,2000",
	}, args...)
	all = append(all, "file://"+page+fragment)
	cmd := exec.CommandContext(ctx, bin, all...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, tail(stderr.String()))
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		// Console messages come as `…:INFO:CONSOLE(…)] "message", source: …`
		// (the level is the page's, inside the message for errors).
		if strings.Contains(line, "CONSOLE") && (strings.Contains(line, "Uncaught") || strings.Contains(line, "Refused") ||
			strings.Contains(line, "Error") || strings.Contains(line, "Failed")) {
			t.Errorf("console: %s", line)
		}
	}
	return stdout.String()
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// writePage writes p to a temporary file and returns its path.
func writePage(t *testing.T, p *Page) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	var buf bytes.Buffer
	if err := Write(&buf, p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var svgClass = regexp.MustCompile(`<svg[^>]* class="([^"]*)"`)

// TestBrowserDemo renders the demo's report, compared with its first half
// as a base: every drawing is there, the page's numbers are the analyses',
// nothing failed; a deep link opens a span's details.
func TestBrowserDemo(t *testing.T) {
	t.Parallel()
	trees := readTrees(t, demo, "")
	p := Build(trees, trees[:45], fixed)
	path := writePage(t, p)
	dom := browse(t, path, "", "--dump-dom")

	if !strings.Contains(dom, `data-ready="true"`) || strings.Contains(dom, "data-error") {
		t.Fatalf("the page did not finish drawing:\n%s", tail(dom))
	}
	drawings := map[string]int{}
	for _, m := range svgClass.FindAllStringSubmatch(dom, -1) {
		drawings[m[1]]++
	}
	for _, want := range []string{"chart histogram", "chart flame", "chart waterfall", "tracectl-graph"} {
		if drawings[want] != 1 {
			t.Errorf("%d <svg class=%q>, want 1 (drawings: %v)", drawings[want], want, drawings)
		}
	}
	if n := strings.Count(dom, `class="frame`); n < 10 {
		t.Errorf("the flame graph has %d frames, want the shop's stacks", n)
	}
	// One row per span of the slowest trace, and its critical path drawn.
	w := p.Traces[0]
	if n := strings.Count(dom, `class="row`); n != len(w.Nodes) {
		t.Errorf("the waterfall has %d rows, want %d spans", n, len(w.Nodes))
	}
	if n := strings.Count(dom, `class="critseg"`); n == 0 {
		t.Error("the waterfall shows no critical path")
	}
	for _, want := range []string{
		"Where the time goes", "payment/shop.payment.v1.PaymentService/Charge", "Slowest and erroring traces",
		"90 traces checked (2171 spans): no findings", w.TraceID, "Service graph",
		"Diff against the base", `<table class="diff">`, "<td>(end to end)</td>", "base 45 traces, candidate 90 traces",
		">" + p.Diff.Rows[0].Verdict + "<",
		// Durations as dag.FormatDuration writes them.
		">" + dag.FormatDuration(p.Summary.Latency.P50) + "<", ">" + dag.FormatDuration(p.Attribution.Operations[0].Crit) + "<",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page does not show %q", want)
		}
	}

	// A link to one erroring span opens that trace and the span's details.
	var tr *Waterfall
	for k := range p.Traces {
		if p.Traces[k].Errors > 0 {
			tr = &p.Traces[k]
			break
		}
	}
	var sp *Span
	for k := range tr.Nodes {
		if tr.Nodes[k].Error && len(tr.Nodes[k].Attrs) > 0 {
			sp = &tr.Nodes[k]
			break
		}
	}
	if sp == nil {
		t.Fatal("no erroring span with attributes in the demo")
	}
	dom = browse(t, path, "#trace="+tr.TraceID+"&span="+sp.ID, "--dump-dom")
	details := dom[max(0, strings.Index(dom, `id="span-details"`)):]
	for _, want := range []string{sp.Name, sp.ID, "error", sp.Attrs[0][0], sp.Attrs[0][1]} {
		if !strings.Contains(details, want) {
			t.Errorf("the details of span %s do not show %q", sp.ID, want)
		}
	}
}

// TestBrowserDurations: the page formats durations exactly as
// dag.FormatDuration (the one formatter), at every unit boundary. The page
// is a diff of two traces, so it also draws the aligned spans.
func TestBrowserDurations(t *testing.T) {
	t.Parallel()
	trees := readTrees(t, demo, "")
	values := []int64{0, 1, 999, 1000, 1005, 9995, 99949, 99950, 999499, 999500, 999999, 1_234_567, 59_994_999_999,
		59_995_000_000, 61_500_000_000, 3_599_499_999_999, 3_599_500_000_000, 3_600_000_000_000, 86_399_000_000_000, 777_777_777_777_777}
	p := Build(trees[1:2], trees[:1], fixed)
	p.Attribution.Operations = nil
	for k, v := range values {
		p.Attribution.Operations = append(p.Attribution.Operations, AttrRow{Label: fmt.Sprintf("v%d", k), Service: -1, Self: v})
	}
	dom := browse(t, writePage(t, p), "", "--dump-dom")
	if n := strings.Count(dom, `<tr class="same">`) + strings.Count(dom, `<tr class="changed">`) +
		strings.Count(dom, `<tr class="added">`) + strings.Count(dom, `<tr class="removed">`); n != len(p.Diff.Spans) {
		t.Errorf("the diff shows %d aligned spans, want %d", n, len(p.Diff.Spans))
	}
	cell := regexp.MustCompile(`v(\d+)</td><td class="num">0</td><td class="num">0</td><td class="num">([^<]*)</td>`)
	got := map[string]string{}
	for _, m := range cell.FindAllStringSubmatch(dom, -1) {
		got[m[1]] = m[2]
	}
	for k, v := range values {
		if want := dag.FormatDuration(v); got[fmt.Sprint(k)] != want {
			t.Errorf("%d ns: the page shows %q, tracectl %q", v, got[fmt.Sprint(k)], want)
		}
	}
}

// TestBrowserScreenshot takes a screenshot of the demo's report and checks
// it is not blank; with -update it rewrites docs/report.png (the README's
// picture), reduced to a 256-colour palette to stay small.
func TestBrowserScreenshot(t *testing.T) {
	t.Parallel()
	trees := readTrees(t, demo, "")
	opts := fixed
	opts.Title, opts.Inputs = "tracectl report: testdata/demo/shop.jsonl", []string{"testdata/demo/shop.jsonl"}
	path := writePage(t, Build(trees, nil, opts))
	shot := filepath.Join(t.TempDir(), "shot.png")
	browse(t, path, "", "--screenshot="+shot, "--window-size=1280,2700")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if b.Dx() != 1280 || len(colours) < 50 {
		t.Fatalf("screenshot %v with %d colours: want 1280 wide and drawn", b, len(colours))
	}
	if !*update {
		return
	}
	pal := image.NewPaletted(b, paletteOf(img))
	draw.Draw(pal, b, img, b.Min, draw.Src)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, pal); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("../../docs/report.png", out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote docs/report.png (%d bytes)", out.Len())
}

// paletteOf returns the 256 most frequent colours of img: a screenshot is
// mostly flat colour, so its text and lines map onto them closely.
func paletteOf(img image.Image) color.Palette {
	count := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	list := make([]color.RGBA, 0, len(count))
	for c := range count {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b color.RGBA) int {
		if d := count[b] - count[a]; d != 0 {
			return d
		}
		return cmp.Compare(uint32(a.R)<<16|uint32(a.G)<<8|uint32(a.B), uint32(b.R)<<16|uint32(b.G)<<8|uint32(b.B))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range list[:min(256, len(list))] {
		pal = append(pal, c)
	}
	return pal
}
