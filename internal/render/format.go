package render

import (
	"hash/fnv"
	"io"
	"strconv"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/tracectl/tracectl/internal/dag"
	"github.com/tracectl/tracectl/internal/termstr"
)

// Percent formats a share in [0,1] as "62.0%".
func Percent(share float64) string {
	var buf [24]byte
	return string(appendPercent(buf[:0], share))
}

// appendPercent appends Percent(share) to b.
func appendPercent(b []byte, share float64) []byte {
	return append(strconv.AppendFloat(b, 100*share, 'f', 1, 64), '%')
}

// palette holds distinguishable ANSI-256 colours for services; a service
// keeps its colour across runs and commands because it is chosen by hash.
// palette16 is the same palette on a 16-colour terminal, chosen by hand
// rather than by nearest colour so that no service is drawn in red, the
// colour of errors.
var (
	palette   = []string{"39", "208", "42", "170", "220", "81", "203", "141", "114", "215", "75", "177"}
	palette16 = []string{"12", "3", "2", "5", "11", "14", "13", "4", "10", "3", "6", "13"}
)

// ServiceColor returns the stable colour of a service, for every profile.
func ServiceColor(service string) lipgloss.TerminalColor {
	h := fnv.New32a()
	h.Write([]byte(service))
	k := h.Sum32() % uint32(len(palette))
	return lipgloss.CompleteColor{TrueColor: palette[k], ANSI256: palette[k], ANSI: palette16[k]}
}

// Styles is how output is drawn on its destination: the colour profile
// (plain text, without escape codes, when there is no colour) and the
// width tables are fitted to.
type Styles struct {
	color bool
	r     *lipgloss.Renderer
	// Width is the line width tables are fitted to (0: no limit); see
	// LineWidth.
	Width int
}

// NewStyles returns styles that emit colour, in 256 colours, only when
// color is true: the pinned profile of tests and golden files.
func NewStyles(w io.Writer, color bool) *Styles {
	if color {
		return NewProfileStyles(w, termenv.ANSI256)
	}
	return NewProfileStyles(w, termenv.Ascii)
}

// NewProfileStyles returns styles drawn in the given colour profile (see
// ColorProfile): none, 16 colours, 256 or 24-bit.
func NewProfileStyles(w io.Writer, p termenv.Profile) *Styles {
	r := lipgloss.NewRenderer(w)
	r.SetColorProfile(p)
	return &Styles{color: p != termenv.Ascii, r: r}
}

// Service colours a service name.
func (st *Styles) Service(name string) string {
	if !st.color {
		return name
	}
	return st.r.NewStyle().Foreground(ServiceColor(name)).Render(name)
}

// Fg colours text with an ANSI-256 colour number.
func (st *Styles) Fg(color, text string) string {
	if !st.color {
		return text
	}
	return st.r.NewStyle().Foreground(lipgloss.Color(color)).Render(text)
}

// Error renders text in red.
func (st *Styles) Error(text string) string { return st.Fg("196", text) }

// Faint renders secondary text dimmed.
func (st *Styles) Faint(text string) string {
	if !st.color {
		return text
	}
	return st.r.NewStyle().Faint(true).Render(text)
}

// Bold renders text in bold.
func (st *Styles) Bold(text string) string {
	if !st.color {
		return text
	}
	return st.r.NewStyle().Bold(true).Render(text)
}

// missingSpan names a placeholder for an absent span, escaped for the
// terminal; idText is the id as output shows it (Tree.IDText: it may be
// the raw text of an invalid id).
func missingSpan(idText string) string { return termstr.Escape(dag.MissingSpan(idText)) }
