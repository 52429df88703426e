package spill

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/tracectl/tracectl/internal/dag"
)

// ParseSize parses a memory size: a number of bytes with an optional unit,
// binary (K, KiB, M, MiB, G, GiB, T, TiB: powers of 1024) or decimal (KB,
// MB, GB, TB: powers of 1000), in any case, e.g. 512MiB, 2GiB, 1.5G.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit, e.g. 512MiB or 2GiB", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("size %q: unknown unit %q (want B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)", s, unit)
	}
	if f*mult >= 1<<62 {
		return 0, fmt.Errorf("size %q: too big", s)
	}
	return int64(f * mult), nil
}

// DefaultBudget is the memory budget when none is given: half of the
// memory this process may use, which is the cgroup's limit when one is set
// (containers, systemd units), else the machine's RAM.
func DefaultBudget() int64 {
	limit := memTotal()
	if c := cgroupLimit(); c > 0 && (limit <= 0 || c < limit) {
		limit = c
	}
	if limit <= 0 {
		return 2 << 30
	}
	return limit / 2
}

// cgroupLimit reads cgroup v2's memory.max, else v1's limit; 0 when there
// is none.
func cgroupLimit() int64 {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err == nil && v > 0 && v < 1<<60 { // v1 says "no limit" with a huge number, v2 with "max"
			return v
		}
	}
	return 0
}

// memTotal reads MemTotal from /proc/meminfo; 0 when it cannot.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// treeBytesPerSpan is a span's share of its tree (a 48-byte node, child
// lists, the pre-order) and of the grouping by trace.
const treeBytesPerSpan = 144

// BatchSize estimates the memory a decoded batch takes once its spans are
// grouped and built into trees: what the batch holds (dag.MemSize: records
// and their block) and each span's share of its tree.
func BatchSize(batch []dag.Span) int64 {
	return dag.MemSize(batch) + treeBytesPerSpan*int64(len(batch))
}
