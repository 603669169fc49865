package load

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Row is one line of the table WriteTable prints.
type Row struct {
	// Name names the operation, e.g. "api create".
	Name string
	// Offered is the rate the operation was offered at, per second; 0
	// prints "-": it was not offered at a rate (one request after another).
	Offered float64
	Result  Result
	// Compare fills the last column, e.g. "3.8x put"; empty prints "-".
	Compare string
}

// WriteTable prints rows as an aligned table whose last column is headed
// compareHeader. An operation with no successful request prints "-" for its
// latencies.
func WriteTable(w io.Writer, compareHeader string, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "operation\toffered/s\tachieved/s\tp50\tp99\tmax\terrors\tdropped\t%s\n", compareHeader)
	for _, r := range rows {
		s := Summarize(r.Result.Latencies)
		p50, p99, maxLat := "-", "-", "-"
		if s.Count > 0 {
			p50, p99, maxLat = FormatDuration(s.P50), FormatDuration(s.P99), FormatDuration(s.Max)
		}
		offered, compare := "-", r.Compare
		if r.Offered > 0 {
			offered = fmt.Sprintf("%g", r.Offered)
		}
		if compare == "" {
			compare = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%d\t%d\t%s\n",
			r.Name, offered, r.Result.Achieved(), p50, p99, maxLat, r.Result.Errors, r.Result.Dropped, compare)
	}
	return tw.Flush()
}
