package load

import (
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// oneToHundredMS is 1ms, 2ms, …, 100ms.
func oneToHundredMS() []time.Duration {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = ms(i + 1)
	}
	return d
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one value", []time.Duration{ms(7)}, 50, ms(7)},
		{"one value p99", []time.Duration{ms(7)}, 99, ms(7)},
		{"p50 of 1..100", oneToHundredMS(), 50, ms(50)},
		{"p99 of 1..100", oneToHundredMS(), 99, ms(99)},
		{"p100 of 1..100", oneToHundredMS(), 100, ms(100)},
		{"tiny p is the minimum", oneToHundredMS(), 0.001, ms(1)},
		{"p50 of four rounds up to the 2nd", []time.Duration{ms(1), ms(2), ms(3), ms(4)}, 50, ms(2)},
		{"p99 of ten is the 10th", []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}, 99, ms(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p=%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarizeSortsACopy(t *testing.T) {
	in := []time.Duration{ms(30), ms(10), ms(20)}
	got := Summarize(in)
	want := Summary{Count: 3, P50: ms(20), P99: ms(30), Max: ms(30)}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if in[0] != ms(30) {
		t.Errorf("Summarize reordered its input: %v", in)
	}
	if (Summarize(nil) != Summary{}) {
		t.Errorf("Summarize(nil) = %+v, want the zero Summary", Summarize(nil))
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		900 * time.Microsecond:  "0.9ms",
		2100 * time.Microsecond: "2.1ms",
		12 * time.Millisecond:   "12ms",
		999 * time.Millisecond:  "999ms",
		1250 * time.Millisecond: "1.25s",
	}
	for d, want := range tests {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
