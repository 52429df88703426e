// Package render turns analysis results into what users read and scripts
// parse: terminal trees and waterfalls (lipgloss), tables fitted to the line width,
// JSON Lines, folded stacks and JUnit XML. It formats; it never analyses:
// every number it prints was computed by dag, critpath or query.
package render
