//go:build race

package live

// raceEnabled: the race detector multiplies memory and time, so the
// peak-memory tests do not run under it.
const raceEnabled = true
