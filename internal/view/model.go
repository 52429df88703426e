package view

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/tracectl/tracectl/internal/critpath"
	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/render"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Options configure the explorer.
type Options struct {
	// Styles draw the screen, in the colour profile the caller resolved
	// (--color, NO_COLOR, the terminal); nil: no colour.
	Styles *render.Styles
	// Async is how the critical path treats asynchronous children.
	Async critpath.Async
	// Source names the input in the title ("shop.jsonl", "2 files").
	Source string
	// Open is a trace to open at the start (when it is in the data).
	Open dag.TraceID
}

// Model is the explorer, a bubbletea model: a trace list, and an open
// trace's waterfall with a detail pane for the selected span.
type Model struct {
	opts  Options
	st    *render.Styles // colour as configured
	plain *render.Styles // no colour: the selected row, drawn reversed
	keys  keyMap
	help  help.Model

	width, height int

	list traceList
	byID map[dag.TraceID]*entry
	tv   *traceView // the open trace; nil on the list
	// critical is whether the critical path is marked (`c`), kept from one
	// trace to the next.
	critical bool

	detail      viewport.Model
	detailFor   spanRef // what the detail pane shows
	links       []spanRef
	focusDetail bool

	prompt    textinput.Model
	prompting bool
	// Before the prompt opened: the filter or search and the cursor, put
	// back when it is cancelled.
	savedText string
	savedCur  int

	showHelp bool
	helpTop  int

	status    string // a message for the status line until the next key
	statusErr bool

	feed       *Feed
	liveStatus string
	liveWarn   string
	dropped    int
}

// New returns an explorer over trees (read from files).
func New(trees []*dag.Tree, opts Options) *Model {
	m := newModel(opts)
	for _, tr := range trees {
		m.add(tr)
	}
	m.list.refresh()
	if e := m.byID[opts.Open]; e != nil && !opts.Open.IsZero() {
		m.open(e)
	}
	return m
}

// NewLive returns an explorer over live input: traces appear and grow as
// the feed takes spans. The list shows the newest first.
func NewLive(feed *Feed, opts Options) *Model {
	m := newModel(opts)
	m.feed = feed
	m.list.desc = true
	return m
}

func newModel(opts Options) *Model {
	m := &Model{
		opts:     opts,
		st:       opts.Styles,
		plain:    render.NewStyles(io.Discard, false),
		keys:     newKeyMap(),
		byID:     map[dag.TraceID]*entry{},
		critical: true,
		width:    80, height: 24,
	}
	if m.st == nil {
		m.st = m.plain
	}
	r := m.st.Renderer()
	m.help = help.New()
	faint := r.NewStyle().Faint(true)
	m.help.Styles = help.Styles{
		Ellipsis: faint, ShortKey: r.NewStyle().Bold(true), ShortDesc: faint, ShortSeparator: faint,
		FullKey: r.NewStyle().Bold(true), FullDesc: faint, FullSeparator: faint,
	}
	m.prompt = textinput.New()
	m.prompt.Prompt = "/"
	m.prompt.Cursor.Style = r.NewStyle().Reverse(true)
	m.prompt.TextStyle = r.NewStyle()
	m.prompt.PromptStyle = r.NewStyle().Bold(true)
	m.prompt.PlaceholderStyle = faint
	m.detail = viewport.New(80, 8)
	return m
}

func (m *Model) add(tr *dag.Tree) *entry {
	e := newEntry(tr, len(m.list.all))
	m.list.all = append(m.list.all, e)
	m.byID[tr.TraceID] = e
	for _, id := range tr.Joined { // a workflow (--async follow) is found by any of its traces
		m.byID[id] = e
	}
	return e
}

// Init starts waiting for live input.
func (m *Model) Init() tea.Cmd {
	if m.feed != nil {
		return m.feed.wait()
	}
	return nil
}

// Update answers keys, resizes and live input.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	case feedMsg:
		m.applyFeed()
		return m, waitLater()
	case feedWaitMsg:
		return m, m.feed.wait()
	}
	if m.prompting {
		var cmd tea.Cmd
		m.prompt, cmd = m.prompt.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) resize(w, h int) {
	m.width, m.height = max(1, w), max(1, h)
	m.help.Width = m.width
	if m.tv != nil {
		m.tv.layout(m.treeWidth())
		m.tv.top = scrollTo(m.tv.top, m.tv.cur, m.treeHeight(), m.tv.wf.Len())
		m.detailFor = spanRef{} // re-wrap to the new width
		m.syncDetail()
	}
	m.list.scroll(m.listHeight())
}

// treeWidth is the waterfall's width: the screen less the gutter.
func (m *Model) treeWidth() int { return max(20, m.width-gutterW) }

// listHeight is the rows of traces on screen: less the title, the column
// header and the status line.
func (m *Model) listHeight() int { return max(1, m.height-3) }

// header is the open trace's header as `tracectl tree` prints it (its
// services are counted over every span: drawn once per layout).
func (m *Model) header() []string {
	t := m.tv
	if t.header == nil {
		var b strings.Builder
		t.wf.Header(&b, m.st)
		t.header = strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	}
	return t.header
}

// headerLines is the height of the open trace's header.
func (m *Model) headerLines() int { return len(m.header()) }

// paneHeights splits the rows under the trace header between the tree,
// a rule and the detail pane; the focused pane gets the larger share.
func (m *Model) paneHeights() (tree, detail int) {
	body := m.height - m.headerLines() - 1 // the status line
	if body < 8 {
		return max(1, body), 0
	}
	body-- // the rule above the details
	tree = body * 55 / 100
	if m.focusDetail {
		tree = body * 30 / 100
	}
	tree = max(3, tree)
	if m.tv.wf.Len() < tree { // a short trace leaves the rest to the details
		tree = max(3, m.tv.wf.Len())
	}
	return tree, body - tree
}

func (m *Model) treeHeight() int { t, _ := m.paneHeights(); return t }

func (m *Model) setStatus(msg string, isErr bool) { m.status, m.statusErr = msg, isErr }

func (m *Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste && !m.prompting {
		// Keys typed faster than they are read come as one message
		// ("jjj"): each is a command of its own.
		var cmds []tea.Cmd
		for i, r := range k.Runes {
			_, cmd := m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: k.Alt})
			cmds = append(cmds, cmd)
			if m.prompting && i+1 < len(k.Runes) { // the rest is typed into the prompt
				_, cmd = m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: k.Runes[i+1:]})
				cmds = append(cmds, cmd)
				break
			}
		}
		return m, tea.Batch(cmds...)
	}
	m.status = ""
	if m.prompting {
		return m.promptKey(k)
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Suspend):
		return m, tea.Suspend
	case key.Matches(k, m.keys.Help):
		m.showHelp, m.helpTop = !m.showHelp, 0
		return m, nil
	}
	if m.showHelp {
		lines := m.keys.helpLines()
		h := m.helpHeight()
		if d, ok := m.step(k, h); ok {
			m.helpTop = clamp(m.helpTop+d, 0, len(lines)-h)
		} else if key.Matches(k, m.keys.Back) {
			m.showHelp = false
		}
		return m, nil
	}
	if m.tv == nil {
		return m.listKey(k)
	}
	return m.traceKey(k)
}

// step is how far a movement key moves in a pane of height rows; ok is
// false for keys that are not movements. g and G move "far", to an end.
func (m *Model) step(k tea.KeyMsg, height int) (delta int, ok bool) {
	const far = 1 << 30
	switch {
	case key.Matches(k, m.keys.Up):
		return -1, true
	case key.Matches(k, m.keys.Down):
		return 1, true
	case key.Matches(k, m.keys.PageUp):
		return -max(1, height-1), true
	case key.Matches(k, m.keys.PageDown):
		return max(1, height-1), true
	case key.Matches(k, m.keys.HalfUp):
		return -max(1, height/2), true
	case key.Matches(k, m.keys.HalfDown):
		return max(1, height/2), true
	case key.Matches(k, m.keys.Top):
		return -far, true
	case key.Matches(k, m.keys.Bottom):
		return far, true
	}
	return 0, false
}

func (m *Model) listKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	l := &m.list
	if d, ok := m.step(k, m.listHeight()); ok {
		l.move(d, m.listHeight())
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Open):
		if e := l.selected(); e != nil {
			m.open(e)
		}
	case key.Matches(k, m.keys.Filter):
		return m, m.openPrompt(l.filter, "filter: text, or { TraceQL }")
	case key.Matches(k, m.keys.Back):
		if l.filter != "" {
			l.setFilter("")
		}
	case key.Matches(k, m.keys.Sort), key.Matches(k, m.keys.SortBack):
		step := sortKey(1)
		if key.Matches(k, m.keys.SortBack) {
			step = sortKeys - 1
		}
		l.by = (l.by + step) % sortKeys
		l.desc = l.by != byStart && l.by != byRoot // biggest first
		l.resort()
	case key.Matches(k, m.keys.Reverse):
		l.desc = !l.desc
		l.resort()
	}
	l.scroll(m.listHeight())
	return m, nil
}

// open shows a trace.
func (m *Model) open(e *entry) {
	m.tv = newTraceView(e, m.opts.Async, m.critical, m.treeWidth())
	m.focusDetail = false
	m.detailFor = spanRef{}
	m.syncDetail()
}

func (m *Model) traceKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	t := m.tv
	h := m.treeHeight()
	if d, ok := m.step(k, h); ok {
		if m.focusDetail {
			m.scrollDetail(d)
		} else {
			t.move(d, h)
			m.syncDetail()
		}
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Back):
		m.tv = nil
		m.list.scroll(m.listHeight())
		return m, nil
	case key.Matches(k, m.keys.Focus):
		m.focusDetail = !m.focusDetail
		m.resizeDetail()
	case key.Matches(k, m.keys.Toggle):
		t.toggle()
	case key.Matches(k, m.keys.Collapse):
		t.collapse(h)
	case key.Matches(k, m.keys.Expand):
		t.expand(h)
	case key.Matches(k, m.keys.ExpandAll):
		t.expandAll()
	case key.Matches(k, m.keys.CollapseAll):
		t.collapseAll()
	case key.Matches(k, m.keys.Critical):
		m.critical = !t.critical
		t.setCritical(m.critical)
		if t.critical {
			m.setStatus("critical path marked ◆ ("+dag.FormatDuration(t.an.Duration())+")", false)
		}
	case key.Matches(k, m.keys.NextError), key.Matches(k, m.keys.PrevError):
		dir := 1
		if key.Matches(k, m.keys.PrevError) {
			dir = -1
		}
		if !t.nextError(dir, h) {
			m.setStatus("no span has error status", false)
		}
	case key.Matches(k, m.keys.Search):
		m.savedCur = t.cur
		return m, m.openPrompt(t.search, "search: name or service text, or { TraceQL }")
	case key.Matches(k, m.keys.Next), key.Matches(k, m.keys.Prev):
		dir := 1
		if key.Matches(k, m.keys.Prev) {
			dir = -1
		}
		m.jumpMatch(dir, true)
	case key.Matches(k, m.keys.Link):
		m.followLink(int(k.Runes[0] - '1'))
	}
	if m.tv != nil {
		m.tv.top = scrollTo(m.tv.top, m.tv.cur, m.treeHeight(), m.tv.wf.Len())
		m.syncDetail()
	}
	return m, nil
}

// jumpMatch moves to the next (dir 1) or previous (-1) search match.
func (m *Model) jumpMatch(dir int, skipSelf bool) {
	t := m.tv
	if t.search == "" {
		m.setStatus("no search: press / to search", false)
		return
	}
	k := t.matchAt(dir, skipSelf)
	if k < 0 {
		m.setStatus("no span matches "+termstr.Escape(t.search), true)
		return
	}
	t.goTo(t.matches[k], m.treeHeight())
	m.setStatus(fmt.Sprintf("match %d of %d: %s", k+1, len(t.matches), termstr.Escape(t.search)), false)
}

// followLink jumps to the span the selected span's link k points to.
func (m *Model) followLink(k int) {
	if k >= len(m.links) {
		m.setStatus(fmt.Sprintf("the span has no link %d", k+1), false)
		return
	}
	ref := m.links[k]
	if ref.e == nil {
		m.setStatus(fmt.Sprintf("link %d points to a span that is not in the data", k+1), true)
		return
	}
	if ref.e != m.tv.e {
		m.open(ref.e)
	}
	m.tv.goTo(ref.node, m.treeHeight())
	m.setStatus(fmt.Sprintf("followed link %d", k+1), false)
}

// find resolves a link to a span of the data.
func (m *Model) find(trace dag.TraceID, span dag.SpanID) spanRef {
	e := m.byID[trace]
	if e == nil {
		return spanRef{}
	}
	for i := range e.tree.Nodes {
		if n := &e.tree.Nodes[i]; n.Span != nil && n.ID == span && n.Span.TraceID == trace {
			return spanRef{e: e, node: int32(i)}
		}
	}
	return spanRef{}
}

// syncDetail fills the detail pane for the line under the cursor.
func (m *Model) syncDetail() {
	t := m.tv
	if t == nil || t.wf.Len() == 0 {
		return
	}
	n, parent := t.wf.Line(t.cur)
	ref := spanRef{e: t.e, node: n}
	if n == dag.None {
		ref.node = -2 - parent // a fold line, told apart from its parent
	}
	m.resizeDetail()
	if ref == m.detailFor {
		return
	}
	m.detailFor = ref
	w := max(10, m.width-2)
	var d details
	if n == dag.None {
		kids := t.tree().Children(parent)
		d.lines = []string{m.st.Faint(ansi.Wrap(fmt.Sprintf("Alike siblings folded (same service, name and kind): %d children of this span in all. Press enter to show them one by one.", len(kids)), w, ""))}
	} else {
		d = spanDetails(m.st, t.e, t.an, n, w, m.find)
	}
	m.links = d.links
	m.detail.SetContent(strings.Join(indent(d.lines, " "), "\n"))
	m.detail.GotoTop()
}

func indent(lines []string, by string) []string {
	out := make([]string, len(lines))
	for k, l := range lines {
		out[k] = by + l
	}
	return out
}

func (m *Model) resizeDetail() {
	_, h := m.paneHeights()
	m.detail.Width, m.detail.Height = m.width, max(0, h)
}

func (m *Model) scrollDetail(d int) {
	switch {
	case d >= 1<<30:
		m.detail.GotoBottom()
	case d <= -(1 << 30):
		m.detail.GotoTop()
	case d > 0:
		m.detail.ScrollDown(d)
	default:
		m.detail.ScrollUp(-d)
	}
}

// openPrompt opens the `/` prompt, empty; text is the filter or search in
// effect, put back if the prompt is cancelled.
func (m *Model) openPrompt(text, placeholder string) tea.Cmd {
	m.prompting = true
	m.savedText = text
	m.prompt.Placeholder = placeholder
	m.prompt.SetValue("")
	m.prompt.Width = max(10, m.width/2)
	return m.prompt.Focus()
}

// promptKey edits the prompt; the list filters and the trace searches as
// the user types. Enter keeps it, esc puts back what was there before.
func (m *Model) promptKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.Type {
	case tea.KeyEnter:
		m.prompting = false
		m.prompt.Blur()
		m.applyPrompt(true)
		return m, nil
	case tea.KeyEsc:
		m.prompting = false
		m.prompt.Blur()
		m.prompt.SetValue(m.savedText)
		m.applyPrompt(false)
		if m.tv != nil {
			m.tv.cur = m.savedCur
			m.syncDetail()
		}
		return m, nil
	case tea.KeyCtrlC:
		return m, tea.Quit
	}
	var cmd tea.Cmd
	before := m.prompt.Value()
	m.prompt, cmd = m.prompt.Update(k)
	if m.prompt.Value() != before {
		m.applyPrompt(false)
	}
	return m, cmd
}

// applyPrompt filters or searches with the prompt's text; done is set
// when the user pressed enter.
func (m *Model) applyPrompt(done bool) {
	text := m.prompt.Value()
	if m.tv == nil {
		if err := m.list.setFilter(text); err != nil {
			m.setStatus(firstLine(err.Error()), true)
		}
		m.list.scroll(m.listHeight())
		return
	}
	t := m.tv
	if err := t.find(text); err != nil {
		m.setStatus(firstLine(err.Error()), true)
		return
	}
	if t.search == "" {
		return
	}
	// Search as you type from where the search started.
	cur := t.cur
	t.cur = m.savedCur
	if len(t.matches) == 0 {
		t.cur = cur
		m.setStatus("no span matches "+termstr.Escape(t.search), true)
		return
	}
	m.jumpMatch(1, false)
	if !done {
		m.status = "" // the prompt is on the status line
	}
	m.syncDetail()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return termstr.Escape(s)
}

// applyFeed takes what live input brought: new traces, more spans for
// traces already shown, traces let go.
func (m *Model) applyFeed() {
	u := m.feed.take()
	m.liveStatus, m.liveWarn, m.dropped = u.status, u.warning, u.dropped
	for _, id := range u.evicted {
		if e := m.byID[id]; e != nil {
			delete(m.byID, id)
			for k, x := range m.list.all {
				if x == e {
					m.list.all = append(m.list.all[:k], m.list.all[k+1:]...)
					break
				}
			}
		}
	}
	for _, snap := range u.traces {
		tr := dag.Build(&dag.Trace{ID: snap.id, Spans: snap.spans})
		e := m.byID[snap.id]
		if e == nil {
			e = m.add(tr)
			e.spans, e.receiving = snap.spans, true
			continue
		}
		old := e.tree
		e.spans, e.receiving = snap.spans, true
		e.set(tr)
		if m.tv != nil && m.tv.e == e {
			m.tv.rebuild(old)
			m.detailFor = spanRef{}
			m.syncDetail()
		}
	}
	for _, id := range u.done {
		if e := m.byID[id]; e != nil {
			e.receiving = false
		}
	}
	m.list.refresh()
	m.list.scroll(m.listHeight())
}

// View draws the screen: exactly height lines, none wider than width.
func (m *Model) View() string {
	if m.width < 20 || m.height < 5 {
		return "tracectl view: the window is too small"
	}
	var lines []string
	switch {
	case m.showHelp:
		lines = m.helpView()
	case m.tv == nil:
		lines = m.listView()
	default:
		lines = m.traceView()
	}
	lines = append(lines, m.statusLine())
	for k, l := range lines {
		if ansi.StringWidth(l) > m.width {
			lines[k] = ansi.Truncate(l, m.width, "")
		}
	}
	return strings.Join(lines, "\n")
}

// fill pads lines with empty ones to n.
func fill(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines[:n]
}

func (m *Model) title() string {
	l := &m.list
	parts := []string{"tracectl view"}
	if m.opts.Source != "" {
		parts = append(parts, termstr.Escape(m.opts.Source))
	}
	count := dag.Plural(len(l.all), "trace")
	if len(l.shown) != len(l.all) {
		count = fmt.Sprintf("%d of %s", len(l.shown), count)
	}
	parts = append(parts, count, dag.Plural(l.spans, "span"))
	if l.errored > 0 {
		parts = append(parts, m.st.Error(strconv.Itoa(l.errored)+" with errors"))
	}
	if m.liveStatus != "" {
		parts = append(parts, termstr.Escape(m.liveStatus))
	}
	if m.dropped > 0 {
		parts = append(parts, fmt.Sprintf("%s let go (memory bound)", dag.Plural(m.dropped, "older trace")))
	}
	return m.st.Bold(parts[0]) + " · " + strings.Join(parts[1:], " · ")
}

func (m *Model) listView() []string {
	l := &m.list
	h := m.listHeight()
	lines := []string{m.title(), l.header(m.st, m.width)}
	if len(l.shown) == 0 {
		msg := "no traces yet"
		switch {
		case l.filter != "":
			msg = "no trace matches the filter " + termstr.Escape(l.filter) + " (esc clears it)"
		case m.feed == nil:
			msg = "no traces in the input"
		}
		lines = append(lines, "  "+m.st.Faint(msg))
	}
	for k := l.top; k < len(l.shown) && k < l.top+h; k++ {
		lines = append(lines, l.row(m.st, m.plain, l.shown[k], k == l.cursor, m.width))
	}
	return fill(lines, h+2)
}

func (m *Model) traceView() []string {
	t := m.tv
	lines := slices.Clone(m.header())
	treeH, detailH := m.paneHeights()
	t.top = scrollTo(t.top, t.cur, treeH, t.wf.Len())
	matched := map[int32]bool{}
	for _, i := range t.matches {
		matched[i] = true
	}
	// The window is drawn in one pass (a line's guides follow from the
	// lines above it), the cursor's line once more without colour.
	end := min(t.wf.Len(), t.top+treeH)
	var b strings.Builder
	t.wf.Draw(&b, m.st, t.top, end)
	window := strings.SplitAfter(b.String(), "\n")
	for k := t.top; k < end; k++ {
		selected := k == t.cur
		line := window[k-t.top]
		if selected {
			b.Reset()
			t.wf.Draw(&b, m.plain, k, k+1)
			line = b.String()
		}
		line = strings.TrimSuffix(line, "\n")
		n, _ := t.wf.Line(k)
		gutter := "  "
		switch {
		case selected:
			gutter = "▸ "
		case n != dag.None && matched[n]:
			gutter = m.st.Bold("• ")
		}
		if selected {
			if matched[n] {
				gutter = "▸•"
			}
			line = m.st.Selected(pad(gutter+line, m.width))
		} else {
			line = gutter + line
		}
		lines = append(lines, line)
	}
	lines = fill(lines, m.headerLines()+treeH)
	if detailH > 0 {
		lines = append(lines, m.rule())
		view := strings.Split(m.detail.View(), "\n")
		lines = append(lines, fill(view, detailH)...)
	}
	return lines
}

// rule is the line between the tree and the detail pane: what it shows,
// how far it is scrolled, and how to focus it.
func (m *Model) rule() string {
	label := " span "
	hint := " tab: scroll details "
	if m.focusDetail {
		label = " span (focused: ↑/↓ scroll, tab back) "
		hint = ""
	}
	if m.detail.TotalLineCount() > m.detail.Height {
		hint = fmt.Sprintf(" %d%%%s", int(m.detail.ScrollPercent()*100), hint)
	}
	n := max(0, m.width-2-ansi.StringWidth(label)-ansi.StringWidth(hint))
	text := "──" + label + strings.Repeat("─", n) + hint
	if m.focusDetail {
		return m.st.Bold(text)
	}
	return m.st.Faint(text)
}

// helpHeight is the rows of keys the `?` screen shows: less its title and
// the status line.
func (m *Model) helpHeight() int { return max(1, m.height-2) }

func (m *Model) helpView() []string {
	lines := m.keys.helpLines()
	h := m.helpHeight()
	top := clamp(m.helpTop, 0, len(lines)-h)
	out := []string{m.st.Bold("tracectl view: keys") + m.st.Faint("  (? or esc closes; ↑/↓ scroll)")}
	for _, l := range lines[top:min(len(lines), top+h)] {
		if !strings.HasPrefix(l, " ") && l != "" {
			l = m.st.Bold(l)
		}
		out = append(out, l)
	}
	return fill(out, h+1)
}

// statusLine is the last line: the prompt while typing, else a message,
// else the keys that matter here.
func (m *Model) statusLine() string {
	switch {
	case m.prompting:
		// What the text does so far (a query that does not parse, a
		// search that finds nothing) shows beside it as it is typed.
		line := m.prompt.View()
		if m.status != "" {
			note := m.status
			if m.statusErr {
				note = m.st.Error(note)
			}
			line = pad(line, ansi.StringWidth(m.prompt.Prompt)+ansi.StringWidth(m.prompt.Value())+2) + note
		}
		return line
	case m.status != "":
		if m.statusErr {
			return m.st.Error(m.status)
		}
		return m.status
	case m.liveWarn != "" && m.tv == nil:
		return m.st.Error("warning: " + termstr.Escape(m.liveWarn))
	}
	keys := m.keys.shortList()
	if m.tv != nil {
		keys = m.keys.shortTrace()
	}
	var lead string
	if m.tv != nil && m.tv.search != "" {
		lead = m.st.Faint(fmt.Sprintf("/%s: %d matches (n/N) · ", termstr.Escape(m.tv.search), len(m.tv.matches)))
	} else if m.tv == nil && m.list.filter != "" {
		lead = m.st.Faint("filter /" + termstr.Escape(m.list.filter) + " (esc clears) · ")
	}
	m.help.Width = max(1, m.width-ansi.StringWidth(lead))
	return lead + m.help.ShortHelpView(keys)
}
