package render

import "github.com/muesli/termenv"

const (
	termenvANSI256 = termenv.ANSI256
	termenvASCII   = termenv.Ascii
)
