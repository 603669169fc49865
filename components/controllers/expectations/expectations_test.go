package expectations

import "testing"

func TestExpectationsAreSatisfiedOnceEveryChangeIsObserved(t *testing.T) {
	e := New()
	if !e.Satisfied("ns/a") {
		t.Fatal("a key that expects nothing must be satisfied")
	}
	e.Expect("ns/a", 2, 1)
	e.Observed("ns/a", true)
	if e.Satisfied("ns/a") {
		t.Fatal("satisfied with a creation and a deletion still to come")
	}
	e.Observed("ns/a", true)
	e.Observed("ns/a", false)
	if !e.Satisfied("ns/a") {
		t.Fatal("not satisfied once everything was observed")
	}
	e.Observed("ns/a", true) // more than expected: never below zero
	e.Expect("ns/a", 1, 0)
	if e.Satisfied("ns/a") {
		t.Fatal("an extra observation must not count towards a later expectation")
	}
	e.Forget("ns/a")
	if !e.Satisfied("ns/a") {
		t.Fatal("a forgotten key must be satisfied")
	}
}
