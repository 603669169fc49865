package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

// at is a moment n milliseconds after an arbitrary start.
func at(n float64) time.Time { return time.Unix(1_700_000_000, 0).Add(ms(n)) }

func TestSightingsKeepTheFirst(t *testing.T) {
	s := newSightings()
	s.see("a", at(10))
	s.see("a", at(5)) // seen again: the first sighting stands
	s.see("b", at(20))
	got := s.times()
	if s.len() != 2 || got["a"] != at(10) || got["b"] != at(20) {
		t.Errorf("got %v", got)
	}
	got["c"] = at(1)
	if s.len() != 2 {
		t.Error("times returned the sightings' own map")
	}
}

func TestSightingsWaitUntil(t *testing.T) {
	s := newSightings()
	go func() {
		for _, name := range []string{"a", "b", "c"} {
			s.see(name, time.Now())
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.waitUntil(ctx, atLeast(3)); err != nil {
		t.Fatalf("waiting for 3 sightings: %v", err)
	}
	if err := s.waitUntil(ctx, allOf(map[string]time.Time{"a": {}, "c": {}})); err != nil {
		t.Fatalf("waiting for a and c: %v", err)
	}

	short, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := s.waitUntil(short, allOf(map[string]time.Time{"d": {}})); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for d, never seen: err = %v, want the context's", err)
	}
}

func TestSpan(t *testing.T) {
	first, last := span(map[string]time.Time{"b": at(30), "a": at(10), "c": at(20)})
	if first != at(10) || last != at(30) {
		t.Errorf("span = %v → %v, want %v → %v", first, last, at(10), at(30))
	}
	if first, last := span(nil); !first.IsZero() || !last.IsZero() {
		t.Errorf("span(nil) = %v → %v, want zero times", first, last)
	}
}
