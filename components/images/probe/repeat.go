package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxRepeat bounds repeat's -count.
const maxRepeat = 100000

// summary is what repeat prints.
type summary struct {
	// Answers counts the 200 answers by who gave them.
	Answers map[string]int `json:"answers"`
	// LastAnswerUnixMillis is when each answerer's last 200 arrived, in
	// milliseconds since the epoch (with a fraction): how the benchmark
	// sees when a proxy stopped sending to a pod.
	LastAnswerUnixMillis map[string]float64 `json:"lastAnswerUnixMillis"`
	// Failures counts the requests that failed; FirstError says why one did.
	Failures   int    `json:"failures"`
	FirstError string `json:"firstError,omitempty"`
	// MaxFailureMillis is how long the slowest failed request took.
	MaxFailureMillis float64 `json:"maxFailureMillis"`
	// Latencies of the successful requests, in milliseconds.
	P50Millis float64 `json:"p50Millis"`
	P90Millis float64 `json:"p90Millis"`
	P99Millis float64 `json:"p99Millis"`
	MaxMillis float64 `json:"maxMillis"`
	// Seconds is the wall time of the whole run; PerSecond its throughput.
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"perSecond"`
}

// repeat makes req.count GETs of req.target, req.concurrency at a time,
// and prints their summary.
func repeat(ctx context.Context, req request, stdout, stderr io.Writer) int {
	get := req.getHTTP(newClient(req.timeout))
	var (
		mu        sync.Mutex
		sum       = summary{Answers: map[string]int{}, LastAnswerUnixMillis: map[string]float64{}}
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	jobs := make(chan struct{})
	start := time.Now()
	for range req.concurrency {
		wg.Go(func() {
			for range jobs {
				t0 := time.Now()
				body, err := get(ctx)
				done := time.Now()
				d := done.Sub(t0)
				mu.Lock()
				if err != nil {
					sum.Failures++
					sum.MaxFailureMillis = max(sum.MaxFailureMillis, millis(d))
					if sum.FirstError == "" {
						sum.FirstError = err.Error()
					}
				} else {
					who := answerer(body)
					sum.Answers[who]++
					sum.LastAnswerUnixMillis[who] = max(sum.LastAnswerUnixMillis[who], float64(done.UnixMicro())/1000)
					latencies = append(latencies, d)
				}
				mu.Unlock()
				if req.pace > 0 && !sleep(ctx, req.pace) {
					return
				}
			}
		})
	}
	for range req.count {
		if ctx.Err() != nil {
			break
		}
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	sum.Seconds, sum.PerSecond = elapsed.Seconds(), float64(len(latencies))/elapsed.Seconds()
	if len(latencies) > 0 {
		slices.Sort(latencies)
		sum.P50Millis, sum.P90Millis = millis(percentile(latencies, 50)), millis(percentile(latencies, 90))
		sum.P99Millis, sum.MaxMillis = millis(percentile(latencies, 99)), millis(latencies[len(latencies)-1])
	}
	out, err := json.Marshal(sum)
	if err != nil {
		fmt.Fprintf(stderr, "probe: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", out)
	if sum.Failures > 0 {
		fmt.Fprintf(stderr, "probe: %d of %d requests failed; the first: %s\n", sum.Failures, req.count, sum.FirstError)
		return 1
	}
	return 0
}

// answerer is who gave body: the "pod" field of a JSON body (the echo
// server's), else the body itself, trimmed.
func answerer(body string) string {
	var reply struct {
		Pod string `json:"pod"`
	}
	if json.Unmarshal([]byte(body), &reply) == nil && reply.Pod != "" {
		return reply.Pod
	}
	return strings.TrimSpace(body)
}

// percentile is the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
