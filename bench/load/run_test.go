package load

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func sleepOp(d time.Duration) Op {
	return func(ctx context.Context, _ int) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func TestRunMeasuresAKnownDelay(t *testing.T) {
	const delay = 20 * time.Millisecond
	res, err := Run(t.Context(), Config{Rate: 200, Duration: 250 * time.Millisecond}, sleepOp(delay))
	if err != nil {
		t.Fatal(err)
	}
	if res.Planned != 50 || res.Sent != 50 || res.Dropped != 0 || res.Errors != 0 {
		t.Fatalf("planned/sent/dropped/errors = %d/%d/%d/%d, want 50/50/0/0", res.Planned, res.Sent, res.Dropped, res.Errors)
	}
	s := Summarize(res.Latencies)
	if s.Count != 50 || s.P50 < delay || res.Latencies[0] < delay {
		t.Errorf("got %+v (min %v); want 50 latencies, none below the op's delay %v", s, res.Latencies[0], delay)
	}
	// Generous: a loaded machine (-race, CI) delays timers, but not by 10x.
	if s.P50 > 10*delay {
		t.Errorf("p50 = %v, want close to the op's delay %v", s.P50, delay)
	}
	if a := res.Achieved(); a < 150 || a > 200 {
		t.Errorf("achieved %.1f/s, want close to the offered 200/s", a)
	}
}

// TestRunCountsQueueingFromThePlannedTime stalls the "server" for the first
// 100ms: every request planned during the stall waits for its end, and the
// wait counts. A closed-loop generator would report one slow request.
func TestRunCountsQueueingFromThePlannedTime(t *testing.T) {
	gate := make(chan struct{})
	time.AfterFunc(100*time.Millisecond, func() { close(gate) })
	op := func(ctx context.Context, _ int) error {
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	res, err := Run(t.Context(), Config{Rate: 100, Duration: 200 * time.Millisecond}, op)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 20 || res.Errors != 0 {
		t.Fatalf("sent %d with %d errors, want 20 without errors", res.Sent, res.Errors)
	}
	if longest := res.Latencies[len(res.Latencies)-1]; longest < 90*time.Millisecond {
		t.Errorf("the first request waited %v, want about the 100ms stall", longest)
	}
	var queued int
	for _, l := range res.Latencies {
		if l >= 10*time.Millisecond {
			queued++
		}
	}
	if queued < 8 {
		t.Errorf("%d requests waited ≥ 10ms, want the ~10 planned during the stall: %v", queued, res.Latencies)
	}
}

func TestRunDropsBeyondMaxInFlight(t *testing.T) {
	var peak, now atomic.Int32
	op := func(ctx context.Context, i int) error {
		n := now.Add(1)
		defer now.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		return sleepOp(50*time.Millisecond)(ctx, i)
	}
	res, err := Run(t.Context(), Config{Rate: 100, Duration: 200 * time.Millisecond, MaxInFlight: 2}, op)
	if err != nil {
		t.Fatal(err)
	}
	if peak.Load() > 2 {
		t.Errorf("%d requests ran at once, want at most 2", peak.Load())
	}
	if res.Dropped == 0 || res.Sent+res.Dropped != res.Planned {
		t.Errorf("sent %d + dropped %d of %d planned; want some dropped and none lost", res.Sent, res.Dropped, res.Planned)
	}
	if res.Failed() != res.Dropped {
		t.Errorf("Failed() = %d, want the %d dropped", res.Failed(), res.Dropped)
	}
}

func TestRunCountsErrors(t *testing.T) {
	op := func(_ context.Context, i int) error {
		if i%2 == 1 {
			return fmt.Errorf("request %d failed", i%14)
		}
		return nil
	}
	res, err := Run(t.Context(), Config{Rate: 1000, Duration: 40 * time.Millisecond}, op)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 20 || len(res.Latencies) != 20 {
		t.Errorf("errors %d, successes %d; want 20 and 20", res.Errors, len(res.Latencies))
	}
	if len(res.ErrorSamples) != maxErrorSamples {
		t.Errorf("kept %d error samples, want %d: %q", len(res.ErrorSamples), maxErrorSamples, res.ErrorSamples)
	}
}

func TestRunTimesOutARequest(t *testing.T) {
	res, err := Run(t.Context(), Config{Rate: 100, Duration: 10 * time.Millisecond, Timeout: 10 * time.Millisecond}, sleepOp(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 1 || len(res.ErrorSamples) != 1 {
		t.Fatalf("errors %d, samples %q; want the one request timed out", res.Errors, res.ErrorSamples)
	}
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Config{Rate: 100, Duration: time.Minute}, sleepOp(time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Run took %v after its context ended", took)
	}
	if res.Planned != 6000 || res.Sent == 0 || res.Sent > 100 {
		t.Errorf("planned %d, sent %d; want 6000 planned and only the first few sent", res.Planned, res.Sent)
	}
}

func TestConfigRejectsNonsense(t *testing.T) {
	for _, cfg := range []Config{
		{Rate: 0, Duration: time.Second},
		{Rate: -1, Duration: time.Second},
		{Rate: 100},
		{Rate: 100, Duration: time.Second, MaxInFlight: -1},
	} {
		if _, err := Run(t.Context(), cfg, sleepOp(0)); err == nil {
			t.Errorf("Run(%+v) succeeded, want an error", cfg)
		}
	}
}
