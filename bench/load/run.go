package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// Op is one request. i numbers the requests of a run from 0, so that an Op
// can address a different object with each request. It must return when ctx
// ends.
type Op func(ctx context.Context, i int) error

// Config describes the load Run offers. The zero value of a field marked
// "default" means that default.
type Config struct {
	// Rate is the offered rate, in requests per second. Required.
	Rate float64
	// Duration is how long requests are planned for; Run plans
	// round(Rate × Duration) requests. Required.
	Duration time.Duration
	// MaxInFlight bounds the requests running at once. Default 64.
	MaxInFlight int
	// Timeout bounds each request, from when it is sent. Default 10s.
	Timeout time.Duration
}

// Defaults of Config.
const (
	DefaultMaxInFlight = 64
	DefaultTimeout     = 10 * time.Second
)

// maxErrorSamples is how many distinct error messages a Result keeps.
const maxErrorSamples = 5

func (c Config) withDefaults() (Config, error) {
	if c.Rate <= 0 || math.IsInf(c.Rate, 0) || math.IsNaN(c.Rate) {
		return c, fmt.Errorf("load: rate %v is not a positive number of requests per second", c.Rate)
	}
	if c.Duration <= 0 {
		return c, fmt.Errorf("load: duration %v is not positive", c.Duration)
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.MaxInFlight < 0 {
		return c, fmt.Errorf("load: at most %d requests in flight is not possible", c.MaxInFlight)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c, nil
}

// Planned is the number of requests Run plans for c: round(Rate × Duration).
func (c Config) Planned() int {
	return int(math.Round(c.Rate * c.Duration.Seconds()))
}

// Result is what Run measured. Planned = Sent + Dropped (unless the run was
// cancelled), and Sent = len(Latencies) + Errors.
type Result struct {
	// Planned is the number of requests planned.
	Planned int
	// Sent is the number of requests sent.
	Sent int
	// Dropped counts the requests not sent because MaxInFlight requests were
	// in flight at their planned time.
	Dropped int
	// Errors counts the requests whose Op returned an error.
	Errors int
	// ErrorSamples are the first few distinct error messages.
	ErrorSamples []string
	// Latencies are those of the successful requests, each from its planned
	// send time to its completion, sorted.
	Latencies []time.Duration
	// Window is from the first planned send to the end of the run: the
	// configured Duration, or longer if the last requests finished later.
	Window time.Duration
}

// Achieved is the rate of successful requests over the run's Window, in
// requests per second.
func (r Result) Achieved() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(len(r.Latencies)) / r.Window.Seconds()
}

// Failed counts the planned requests that did not succeed: errors and drops.
func (r Result) Failed() int { return r.Errors + r.Dropped }

// Run offers op at cfg.Rate for cfg.Duration, open loop, and returns what it
// measured once every request sent has finished. If ctx ends first it stops
// planning, waits for the requests in flight (which see ctx end) and returns
// what it measured with ctx's error.
func Run(ctx context.Context, cfg Config, op Op) (Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	n := cfg.Planned()
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	rec := newRecorder(n)
	inFlight := make(chan struct{}, cfg.MaxInFlight)
	var wg sync.WaitGroup

	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := range n {
		planned := start.Add(time.Duration(i) * interval)
		if err := sleepUntil(ctx, timer, planned); err != nil {
			break
		}
		select {
		case inFlight <- struct{}{}:
		default:
			rec.drop()
			continue
		}
		wg.Go(func() {
			defer func() { <-inFlight }()
			rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
			defer cancel()
			err := op(rctx, i)
			rec.done(time.Since(planned), err)
		})
	}
	wg.Wait()
	return rec.result(n, max(cfg.Duration, time.Since(start))), ctx.Err()
}

// sleepUntil waits for t or for ctx to end. A t already past returns at once:
// a planner that fell behind catches up rather than shifting the schedule.
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer.Reset(d)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// recorder collects the outcomes of concurrent requests.
type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	sent      int
	dropped   int
	errors    int
	samples   []string
}

func newRecorder(n int) *recorder {
	return &recorder{latencies: make([]time.Duration, 0, n)}
}

func (r *recorder) drop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropped++
}

func (r *recorder) done(latency time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent++
	if err == nil {
		r.latencies = append(r.latencies, latency)
		return
	}
	r.errors++
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "timed out: " + msg
	}
	if len(r.samples) < maxErrorSamples && !slices.Contains(r.samples, msg) {
		r.samples = append(r.samples, msg)
	}
}

func (r *recorder) result(planned int, window time.Duration) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	return Result{
		Planned:      planned,
		Sent:         r.sent,
		Dropped:      r.dropped,
		Errors:       r.errors,
		ErrorSamples: slices.Clone(r.samples),
		Latencies:    lat,
		Window:       window,
	}
}
