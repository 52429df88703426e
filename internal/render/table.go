package render

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
)

// Col describes one column of a Table.
type Col struct {
	Name  string // header text, printed upper-case
	Right bool   // right-aligned (numbers, durations)
	// Cut lets the column's cells be cut in the middle to fit the width
	// (names, labels); other cells (ids, numbers, times) are never cut.
	Cut bool
	// Drop ranks the column among those left out when the table does not
	// fit even with its names cut to a readable length: 1 goes first,
	// then 2, …; 0 is never left out.
	Drop int
}

// Widths a cut column keeps: first a readable length (before any column
// is left out), then, when every column that may go has gone, a shortest.
const (
	cutReadable = 20
	cutShortest = 8
)

// Table writes rows under a header as an aligned, borderless table: each
// cell padded by one space either side, a rule under the header and, when
// footer is not nil, a rule and a footer row. Cells may hold our own
// styles' escape codes; they are measured without them.
//
// When st.Width is set and the table is wider, it is fitted: the Cut
// columns are cut in the middle to a readable length, then the Drop
// columns are left out in rank order (the cut columns growing back into
// the room they free), then the cut columns shrink to their shortest.
// Ids, numbers and times are never cut: a table of them alone may stay
// wider than the line.
//
// It costs one pass to measure and one to write, with no allocation per
// cell for plain text: a table of 100,000 rows streams out as fast as its
// cells are formatted.
func Table(w io.Writer, st *Styles, cols []Col, rows [][]string, footer []string) error {
	return tableOf(w, st, cols, len(rows), func(i int) []string { return rows[i] }, footer)
}

// tableOf is Table with rows made on demand: row(i) returns row i's
// cells, and is called for each row twice, to measure and then to write.
// The cells need only stay valid until the next call, so row may format
// them into one reused buffer (rowCells).
func tableOf(w io.Writer, st *Styles, cols []Col, n int, row func(i int) []string, footer []string) error {
	natural := make([]int, len(cols))
	for i, c := range cols {
		natural[i] = cells(c.Name)
	}
	measure := func(row []string) {
		for i, cell := range row {
			natural[i] = max(natural[i], visibleCells(cell))
		}
	}
	for i := range n {
		measure(row(i))
	}
	if footer != nil {
		measure(footer)
	}
	widths := fitColumns(cols, natural, st.Width)

	bw := bufio.NewWriterSize(w, 64<<10)
	total := 0
	for _, cw := range widths {
		if cw >= 0 {
			total += cw + 2
		}
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = strings.ToUpper(c.Name)
	}
	tableRow(bw, cols, widths, header, false)
	if n > 0 {
		rule(bw, total)
	}
	for i := range n {
		tableRow(bw, cols, widths, row(i), false)
	}
	if footer != nil {
		rule(bw, total)
		tableRow(bw, cols, widths, footer, true)
	}
	return bw.Flush()
}

// tableRow writes one row; a column of width < 0 is left out. In the
// footer (spill), a label wider than its fitted column runs on over the
// empty cells after it rather than being cut.
func tableRow(w *bufio.Writer, cols []Col, widths []int, row []string, spill bool) {
	for i := 0; i < len(widths); i++ {
		cw := widths[i]
		if cw < 0 {
			continue
		}
		cell, right := row[i], cols[i].Right
		n := visibleCells(cell)
		if spill && n > cw && !right {
			for i+1 < len(widths) && row[i+1] == "" && cw < n {
				i++
				if widths[i] >= 0 {
					cw += widths[i] + 2
				}
			}
		}
		if n > cw {
			cell = cutStyled(cell, n, cw)
			n = visibleCells(cell)
		}
		w.WriteByte(' ')
		if right {
			spaces(w, cw-n)
			w.WriteString(cell)
		} else {
			w.WriteString(cell)
			spaces(w, cw-n)
		}
		w.WriteByte(' ')
	}
	w.WriteByte('\n')
}

// rowCells formats a row's cells one after another into one buffer that
// is reused from row to row: append a cell's text to b, then call end.
// The strings row returns share the buffer, so they last only until the
// next reset (what tableOf asks of its rows).
type rowCells struct {
	b     []byte
	ends  []int
	cells []string
}

func (r *rowCells) reset()       { r.b, r.ends = r.b[:0], r.ends[:0] }
func (r *rowCells) end()         { r.ends = append(r.ends, len(r.b)) }
func (r *rowCells) add(s string) { r.b = append(r.b, s...); r.end() }
func (r *rowCells) int(n int)    { r.b = strconv.AppendInt(r.b, int64(n), 10); r.end() }

// row returns the cells appended since reset.
func (r *rowCells) row() []string {
	r.cells = r.cells[:0]
	start := 0
	for _, e := range r.ends {
		r.cells = append(r.cells, unsafe.String(unsafe.SliceData(r.b[start:e]), e-start))
		start = e
	}
	return r.cells
}

// rule writes a horizontal rule n cells long.
func rule(w *bufio.Writer, n int) {
	const line = "────────────────────────────────"
	for n > 0 {
		k := min(n, len(line)/len("─"))
		w.WriteString(line[:k*len("─")])
		n -= k
	}
	w.WriteByte('\n')
}

// fitColumns returns each column's width within width cells (0: no limit),
// -1 for a column left out. See Table for the order things give way in.
func fitColumns(cols []Col, natural []int, width int) []int {
	widths := slices.Clone(natural)
	if width <= 0 || lineCells(widths) <= width {
		return widths
	}
	var drops []int // droppable columns, first to go first
	for i, c := range cols {
		if c.Drop > 0 {
			drops = append(drops, i)
		}
	}
	slices.SortStableFunc(drops, func(a, b int) int { return cols[a].Drop - cols[b].Drop })
	for k := 0; k <= len(drops); k++ {
		floor := cutReadable
		if k == len(drops) {
			floor = cutShortest
		}
		if shrinkCut(cols, natural, widths, width, floor) {
			return widths
		}
		if k < len(drops) {
			widths[drops[k]] = -1
		}
	}
	return widths
}

// lineCells is the width of a row of columns (left-out ones are < 0).
func lineCells(widths []int) int {
	n := 0
	for _, w := range widths {
		if w >= 0 {
			n += w + 2
		}
	}
	return n
}

// shrinkCut shares the room the other columns leave among the cut
// columns, none below floor (nor its header), the narrower ones whole
// first; it reports whether the row then fits.
func shrinkCut(cols []Col, natural, widths []int, width, floor int) bool {
	var cut []int
	room := width
	for i, w := range widths {
		switch {
		case w < 0:
		case cols[i].Cut:
			cut = append(cut, i)
			room -= 2
		default:
			room -= w + 2
		}
	}
	slices.SortStableFunc(cut, func(a, b int) int { return natural[a] - natural[b] })
	fits := true
	for k, i := range cut {
		share := room / (len(cut) - k)
		low := min(natural[i], max(floor, cells(cols[i].Name)))
		widths[i] = max(low, min(natural[i], share))
		if widths[i] > share {
			fits = false
		}
		room -= widths[i]
	}
	return fits && room >= 0
}

// visibleCells is cells for text that may hold our styles' escape codes.
func visibleCells(s string) int {
	if strings.IndexByte(s, ansi.ESC) < 0 {
		return cells(s)
	}
	return ansi.StringWidth(s)
}

// cutStyled is truncMiddle for text that may hold our styles' escape
// codes: they are kept, so the styles survive the cut.
func cutStyled(s string, w, n int) string {
	if strings.IndexByte(s, ansi.ESC) < 0 {
		return truncMiddle(s, w, n)
	}
	if w <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	keep := n - 1
	tail := keep / 3
	return ansi.Truncate(s, keep-tail, "") + "…" + ansi.TruncateLeft(s, w-tail, "")
}
