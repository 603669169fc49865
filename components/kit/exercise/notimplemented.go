// Package exercise holds what the generated exercises share with the kit:
// the error every stub returns until a learner writes its body.
//
// A stub fails at once and loudly, naming its stage and function, so a run of
// the conformance suite against untouched exercises ends in seconds with a
// message that says where to start, instead of waiting out timeouts.
package exercise

import (
	"errors"
	"fmt"
)

// NotImplementedError is returned by every stub of a function a learner has
// yet to write.
type NotImplementedError struct {
	// Stage is the kit stage (1–7) whose specs need the function.
	Stage int
	// Function names the function, qualified by its package: "etcdstore.Create".
	Function string
}

func (e *NotImplementedError) Error() string {
	return fmt.Sprintf("not implemented: stage %d %s", e.Stage, e.Function)
}

// NotImplemented returns the error a stub answers with.
func NotImplemented(stage int, function string) error {
	return &NotImplementedError{Stage: stage, Function: function}
}

// IsNotImplemented reports whether err, or any error it wraps, comes from a stub.
func IsNotImplemented(err error) bool {
	var ni *NotImplementedError
	return errors.As(err, &ni)
}
