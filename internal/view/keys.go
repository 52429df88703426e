package view

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// keyMap is every key the explorer answers to: one place that both the
// key handling and the help (the status line and `?`) read.
type keyMap struct {
	Up, Down, PageUp, PageDown, HalfUp, HalfDown, Top, Bottom key.Binding

	Open, Back, Sort, SortBack, Reverse, Filter key.Binding

	Toggle, Collapse, Expand, ExpandAll, CollapseAll key.Binding
	Critical, NextError, PrevError, Focus, Link      key.Binding

	Search, Next, Prev key.Binding

	Help, Quit, Suspend key.Binding
}

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup/b", "page up", "pgup", "b"),
		PageDown: b("pgdn/f", "page down", "pgdown", "f"),
		HalfUp:   b("ctrl+u", "half page up", "ctrl+u"),
		HalfDown: b("ctrl+d", "half page down", "ctrl+d"),
		Top:      b("g/home", "first", "g", "home"),
		Bottom:   b("G/end", "last", "G", "end"),

		Open:     b("enter", "open trace", "enter"),
		Back:     b("esc/⌫", "back to the list", "esc", "backspace"),
		Sort:     b("s/S", "sort by next/previous column", "s"),
		SortBack: b("S", "sort by previous column", "S"),
		Reverse:  b("r", "reverse the order", "r"),
		Filter:   b("/", "filter (text, or { TraceQL })", "/"),

		Toggle:      b("enter/space", "fold/unfold subtree", "enter", " "),
		Collapse:    b("h/←", "collapse, or go to parent", "h", "left"),
		Expand:      b("l/→", "expand, or go to first child", "l", "right"),
		ExpandAll:   b("L", "expand everything", "L"),
		CollapseAll: b("H", "collapse everything below the roots", "H"),
		Critical:    b("c", "mark the critical path", "c"),
		NextError:   b("e/E", "next/previous error", "e"),
		PrevError:   b("E", "previous error", "E"),
		Focus:       b("tab", "focus details (scroll)", "tab"),
		Link:        b("1-9", "jump to the span a link names", "1", "2", "3", "4", "5", "6", "7", "8", "9"),

		Search: b("/", "search names, services or { TraceQL }", "/"),
		Next:   b("n/N", "next/previous match", "n"),
		Prev:   b("N", "previous match", "N"),

		Help:    b("?", "keys", "?"),
		Quit:    b("q", "quit", "q", "ctrl+c"),
		Suspend: b("ctrl+z", "suspend", "ctrl+z"),
	}
}

// helpSection is a titled group of keys on the `?` screen.
type helpSection struct {
	title string
	keys  []key.Binding
}

func (k keyMap) sections() []helpSection {
	return []helpSection{
		{"Move (list, tree, details)", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom}},
		{"Trace list", []key.Binding{k.Open, k.Filter, k.Sort, k.Reverse}},
		{"Trace", []key.Binding{k.Toggle, k.Collapse, k.Expand, k.ExpandAll, k.CollapseAll, k.Critical, k.NextError, k.Focus, k.Link, k.Search, k.Next, k.Back}},
		{"Anywhere", []key.Binding{k.Help, k.Quit, k.Suspend}},
	}
}

// shortList and shortTrace are the keys the status line names, in a word.
func (k keyMap) shortList() []key.Binding {
	return short(k.Open, "open", k.Filter, "filter", k.Sort, "sort", k.Reverse, "reverse", k.Help, "keys", k.Quit, "quit")
}

func (k keyMap) shortTrace() []key.Binding {
	return short(k.Toggle, "fold", k.Search, "search", k.Critical, "critical", k.Focus, "details",
		k.Back, "list", k.Help, "keys", k.Quit, "quit")
}

// short pairs bindings with the word the status line says for them.
func short(pairs ...any) []key.Binding {
	var out []key.Binding
	for i := 0; i < len(pairs); i += 2 {
		b, word := pairs[i].(key.Binding), pairs[i+1].(string)
		keyText, _, _ := strings.Cut(b.Help().Key, "/")
		if b.Help().Key == "/" {
			keyText = "/"
		}
		b.SetHelp(keyText, word)
		out = append(out, b)
	}
	return out
}

// helpLines lays out the `?` screen: each section's title, then one key a
// line, its keys in a column as wide as the widest.
func (k keyMap) helpLines() (lines []string) {
	keyW := 0
	for _, s := range k.sections() {
		for _, b := range s.keys {
			keyW = max(keyW, len([]rune(b.Help().Key)))
		}
	}
	for i, s := range k.sections() {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, s.title)
		for _, b := range s.keys {
			h := b.Help()
			lines = append(lines, "  "+h.Key+strings.Repeat(" ", keyW-len([]rune(h.Key)))+"  "+h.Desc)
		}
	}
	return lines
}
