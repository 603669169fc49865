package load

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Percentile is the p-th percentile (0 < p ≤ 100) of sorted, by nearest
// rank: the smallest value that at least p% of the values do not exceed. It
// is 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summary is the usual digest of a set of latencies.
type Summary struct {
	Count         int
	P50, P99, Max time.Duration
}

// Summarize digests latencies, in any order.
func Summarize(latencies []time.Duration) Summary {
	s := slices.Clone(latencies)
	slices.Sort(s)
	if len(s) == 0 {
		return Summary{}
	}
	return Summary{Count: len(s), P50: Percentile(s, 50), P99: Percentile(s, 99), Max: s[len(s)-1]}
}

// FormatDuration prints d the way the table does: 0.9ms, 12ms, 1.25s.
func FormatDuration(d time.Duration) string {
	switch ms := float64(d) / float64(time.Millisecond); {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", ms)
	case d < time.Second:
		return fmt.Sprintf("%.0fms", ms)
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}
