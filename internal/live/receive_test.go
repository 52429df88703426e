package live

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/ingest"
	"github.com/tracectl/tracectl/internal/receiver"
)

// The tests here attack a real receiver on 127.0.0.1 the ways issue 12
// lists. Every loop is bounded; none asserts on wall time except as a
// generous bound that only a hang would cross.

// exportBody is one OTLP/protobuf request: spans 1..n of trace tr, each
// span a child of the one before (a chain), with an attribute of pad bytes.
func exportBody(t testing.TB, tr, first, n, pad int) []byte {
	t.Helper()
	var spans []*tracepb.Span
	for i := first; i < first+n; i++ {
		s := &tracepb.Span{
			TraceId: traceID(tr), SpanId: spanID(tr, i), Name: fmt.Sprint("op-", i),
			StartTimeUnixNano: uint64(1e9 + i), EndTimeUnixNano: uint64(2e9 - i),
		}
		if i > 0 {
			s.ParentSpanId = spanID(tr, i-1)
		}
		if pad > 0 {
			s.Attributes = []*commonpb.KeyValue{{Key: "pad", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: strings.Repeat("x", pad)}}}}
		}
		spans = append(spans, s)
	}
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func traceID(tr int) []byte {
	id := make([]byte, 16)
	binary.BigEndian.PutUint64(id[8:], uint64(tr)+1)
	return id
}

func spanID(tr, i int) []byte {
	id := make([]byte, 8)
	binary.BigEndian.PutUint64(id, uint64(tr)<<32|uint64(i)+1)
	return id
}

// spanKey names a span by its ids, as --out is compared.
func spanKey(tr, i int) string {
	return fmt.Sprintf("%x/%x", traceID(tr), spanID(tr, i))
}

var client = &http.Client{Timeout: 30 * time.Second}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// post sends an export request and returns the HTTP status (0: no
// answer); gzipped says body is gzip.
func post(url string, body []byte, gzipped bool) int {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// outKeys reads --out back with tracectl's own reader: the span keys, and
// the warnings it printed.
func outKeys(t *testing.T, path string) (keys []string, warnings []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = ingest.Decode(f, path, ingest.Options{Warn: func(m string) { warnings = append(warnings, m) }}, func(packed []dag.Span) error {
		b := dag.Unpack(packed)
		for i := range b {
			keys = append(keys, fmt.Sprintf("%s/%s", b[i].TraceID, b[i].SpanID))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading --out back: %v", err)
	}
	slices.Sort(keys)
	return keys, warnings
}

// running is Receive in the background.
type running struct {
	url    string
	cancel context.CancelFunc
	done   chan result
}

type result struct {
	res *ReceiveResult
	err error
}

func startReceive(t *testing.T, opts ReceiveOptions) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts.Server.HTTPAddr = "127.0.0.1:0"
	ready := make(chan string, 1)
	opts.Ready = func(_, h net.Addr) { ready <- h.String() }
	r := &running{cancel: cancel, done: make(chan result, 1)}
	go func() {
		res, err := Receive(ctx, opts)
		r.done <- result{res, err}
	}()
	select {
	case a := <-ready:
		r.url = "http://" + a + receiver.TracesPath
	case res := <-r.done:
		t.Fatalf("Receive ended before listening: %v", res.err)
	}
	return r
}

func (r *running) stop(t *testing.T) *ReceiveResult {
	t.Helper()
	r.cancel()
	select {
	case res := <-r.done:
		if res.err != nil {
			t.Fatal(res.err)
		}
		return res.res
	case <-time.After(time.Minute):
		t.Fatal("Receive did not stop")
		return nil
	}
}

// TestReceiveSlowPrintDoesNotStall (case 1): printing is stuck for good
// (a deep trace, a terminal that does not read). Every later request is
// still acknowledged, stopping is bounded by the drain timeout, and --out
// holds exactly the acknowledged spans.
func TestReceiveSlowPrintDoesNotStall(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stuck := make(chan struct{})
	defer close(stuck)
	r := startReceive(t, ReceiveOptions{
		Out: f, Idle: time.Millisecond, DrainTimeout: 100 * time.Millisecond,
		Emit: func([]*dag.Trace, Reason) error { <-stuck; return nil },
	})
	var acked []string
	if post(r.url, exportBody(t, 0, 0, 3000, 0), false) == 200 { // the deep one
		for i := range 3000 {
			acked = append(acked, spanKey(0, i))
		}
	}
	for tr := 1; tr <= 200; tr++ {
		if st := post(r.url, exportBody(t, tr, 0, 2, 0), false); st != 200 {
			t.Fatalf("request %d while printing is stuck: status %d, want 200", tr, st)
		}
		acked = append(acked, spanKey(tr, 0), spanKey(tr, 1))
	}
	res := r.stop(t)
	if res.Session.Dropped == 0 {
		t.Errorf("no trace counted as not printed: %+v", res.Session)
	}
	got, _ := outKeys(t, out)
	slices.Sort(acked)
	if diff := cmp.Diff(acked, got); diff != "" {
		t.Errorf("--out vs acknowledged (-want +got):\n%s", diff)
	}
	if res.Written != int64(len(acked)) {
		t.Errorf("Written = %d, want %d", res.Written, len(acked))
	}
}

// TestReceiveSlowBodies (case 2): connections that announce a large body
// and send nothing hold no budget (every other sender is served) and are
// answered 408 after the body timeout.
func TestReceiveSlowBodies(t *testing.T) {
	r := startReceive(t, ReceiveOptions{
		Server: receiver.Options{MaxMemory: 1 << 20, BodyTimeout: 500 * time.Millisecond},
	})
	host := strings.TrimPrefix(strings.TrimSuffix(r.url, receiver.TracesPath), "http://")
	var conns []net.Conn
	for range 14 {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\n\r\n", receiver.TracesPath, 19<<20)
		conns = append(conns, c)
	}
	for tr := range 20 {
		if st := post(r.url, exportBody(t, tr, 0, 2, 0), false); st != 200 {
			t.Fatalf("request %d beside 14 slow bodies: status %d, want 200", tr, st)
		}
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Minute))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.Contains(line, " 408 ") {
			t.Errorf("slow body %d: answer %q, %v; want 408", i, line, err)
		}
	}
	r.stop(t)
}

// fullDisk is an *os.File that fails with ENOSPC once limit bytes are in
// it, after writing what fits: the torn record a real full disk leaves.
type fullDisk struct {
	*os.File
	limit int64
}

func (d *fullDisk) Write(p []byte) (int, error) {
	off, _ := d.Seek(0, io.SeekCurrent)
	if off+int64(len(p)) <= d.limit {
		return d.File.Write(p)
	}
	n, _ := d.File.Write(p[:max(d.limit-off, 0)])
	return n, &os.PathError{Op: "write", Path: d.Name(), Err: syscall.ENOSPC}
}

// TestReceiveFullDisk (case 5): once --out cannot be written, requests are
// answered 503, the file holds exactly the acknowledged spans in whole
// records, and the run fails saying so.
func TestReceiveFullDisk(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	testFullDisk(t, &fullDisk{File: f, limit: 64 << 10}, out)
}

// TestReceiveFullTmpfs is TestReceiveFullDisk on a real full filesystem: a
// 1 MiB tmpfs (root only).
func TestReceiveFullTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: mounting a tmpfs needs root (TestReceiveFullDisk covers it with an injected writer)")
	}
	dir := t.TempDir()
	if b, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipped: mount -t tmpfs failed (%v: %s); TestReceiveFullDisk covers it with an injected writer", err, bytes.TrimSpace(b))
	}
	defer exec.Command("umount", dir).Run()
	out := filepath.Join(dir, "out.json")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	testFullDisk(t, f, out)
}

func testFullDisk(t *testing.T, w io.Writer, path string) {
	r := startReceive(t, ReceiveOptions{Out: w})
	var acked []string
	statuses := map[int]int{}
	refused := false      // a 503 came: the receiver stops; later senders find no one
	for tr := range 400 { // ~5 KB each: the disk fills well before the end
		st := post(r.url, exportBody(t, tr, 0, 4, 1000), false)
		statuses[st]++
		if st == 200 {
			if refused {
				t.Fatalf("request %d acknowledged after a refusal", tr)
			}
			for i := range 4 {
				acked = append(acked, spanKey(tr, i))
			}
		} else {
			refused = true
		}
	}
	r.cancel()
	res := <-r.done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if statuses[200] == 0 || statuses[503] == 0 || statuses[200]+statuses[503]+statuses[0] != 400 {
		t.Fatalf("statuses %v: want 200s, then 503s (or no answer once the receiver stopped)", statuses)
	}
	if res.res.Err == nil || !errors.Is(res.res.Err, syscall.ENOSPC) {
		t.Errorf("Err = %v, want the ENOSPC", res.res.Err)
	}
	got, warnings := outKeys(t, path)
	slices.Sort(acked)
	if diff := cmp.Diff(acked, got); diff != "" {
		t.Errorf("--out vs acknowledged (-want +got):\n%s", diff)
	}
	if len(warnings) > 0 {
		t.Errorf("--out read back with warnings (a torn record?): %q", warnings)
	}
	if res.res.Written != int64(len(acked)) {
		t.Errorf("Written = %d, want %d", res.res.Written, len(acked))
	}
}

// The memory tests run the receiver in a child process (this test binary,
// TestReceiveChild) so its peak memory (VmHWM) is its own, and stop it
// with a real SIGTERM.

const childEnv = "TRACECTL_LIVE_CHILD"

// TestReceiveChild is the child: a receiver with the budget and limits the
// parent passes, printing its HTTP address, stopped by SIGTERM.
func TestReceiveChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("the receiver child of the memory tests (runs only when they start it)")
	}
	var mem, size int64
	var out string
	fmt.Sscanf(spec, "%d %d %s", &mem, &size, &out)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Receive(ctx, ReceiveOptions{
		Server: receiver.Options{HTTPAddr: "127.0.0.1:0", MaxMemory: mem, MaxRequestSize: size},
		Out:    f, Idle: time.Hour,
		Emit:  func([]*dag.Trace, Reason) error { return nil },
		Ready: func(_, h net.Addr) { fmt.Printf("ready %s\n", h) },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	fmt.Printf("done written=%d err=%v\n", res.Written, res.Err)
}

// child is a receiver child process.
type child struct {
	cmd *exec.Cmd
	url string
	out *bufio.Reader
}

func startChild(t *testing.T, maxMemory, maxRequest int64, out string) *child {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped in -short: starts a child process")
	}
	if raceEnabled {
		t.Skip("skipped under -race: it measures peak memory, which the race detector multiplies")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestReceiveChild$", "-test.v")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %d %s", childEnv, maxMemory, maxRequest, out))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := &child{cmd: cmd, out: bufio.NewReader(stdout)}
	for range 100 {
		line, err := c.out.ReadString('\n')
		if err != nil {
			t.Fatalf("child ended before it was ready: %v", err)
		}
		if a, ok := strings.CutPrefix(strings.TrimSpace(line), "ready "); ok {
			c.url = "http://" + a + receiver.TracesPath
			return c
		}
	}
	t.Fatal("child never said ready")
	return nil
}

// peakMiB returns the child's VmHWM in MiB.
func (c *child) peakMiB(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		t.Skipf("skipped: no /proc to measure peak memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb >> 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

// stopChild sends SIGTERM and returns the child's last line.
func (c *child) stop(t *testing.T) string {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var last string
	for range 1000 {
		line, err := c.out.ReadString('\n')
		if strings.HasPrefix(line, "done ") {
			last = strings.TrimSpace(line)
		}
		if err != nil {
			break
		}
	}
	if last == "" {
		t.Fatal("child did not report its end")
	}
	return last
}

// parallel runs n requests at once and returns the acknowledged keys.
func parallel(n int, send func(i int) (int, []string)) (acked []string, statuses map[int]int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	statuses = map[int]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, keys := send(i)
			mu.Lock()
			defer mu.Unlock()
			statuses[st]++
			if st == 200 {
				acked = append(acked, keys...)
			}
		}()
	}
	wg.Wait()
	slices.Sort(acked)
	return acked, statuses
}

// TestReceiveGzipBudget (case 3): 60 parallel gzip bodies that inflate to
// 64 MiB of zeros each are charged as they inflate: the child's peak stays
// near its 32 MiB budget (without the charge it reaches ~1 GiB).
func TestReceiveGzipBudget(t *testing.T) {
	c := startChild(t, 32<<20, 16<<20, filepath.Join(t.TempDir(), "out.json"))
	bomb := gzipBytes(make([]byte, 64<<20)) // 64 KiB on the wire
	_, statuses := parallel(60, func(int) (int, []string) { return post(c.url, bomb, true), nil })
	peak := c.peakMiB(t)
	c.stop(t)
	t.Logf("statuses %v, child VmHWM %d MiB", statuses, peak)
	if statuses[200] > 0 || statuses[0] > 0 {
		t.Errorf("statuses %v: want only 413 and 429", statuses)
	}
	if peak > 160 {
		t.Errorf("child peak memory %d MiB with a 32 MiB budget", peak)
	}
}

// TestReceiveHeldSpansBudget (case 4): 60 single-span requests of 4 MiB in
// traces that never go idle are held against the budget: the child stays
// near its 32 MiB budget, acknowledges only what it keeps, and after
// SIGTERM --out holds exactly the acknowledged spans.
func TestReceiveHeldSpansBudget(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	c := startChild(t, 32<<20, 16<<20, out)
	acked, statuses := parallel(60, func(i int) (int, []string) {
		return post(c.url, exportBody(t, i, 0, 1, 4<<20), false), []string{spanKey(i, 0)}
	})
	peak := c.peakMiB(t)
	last := c.stop(t)
	t.Logf("statuses %v, child VmHWM %d MiB, %s", statuses, peak, last)
	if want := fmt.Sprintf("done written=%d err=<nil>", len(acked)); last != want {
		t.Errorf("child: %q, want %q", last, want)
	}
	if peak > 200 {
		t.Errorf("child peak memory %d MiB with a 32 MiB budget (60 × 4 MiB held would be 240+)", peak)
	}
	got, _ := outKeys(t, out)
	if diff := cmp.Diff(acked, got); diff != "" {
		t.Errorf("--out vs acknowledged (-want +got):\n%s", diff)
	}
}
