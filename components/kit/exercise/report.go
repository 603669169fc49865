package exercise

import (
	"errors"
	"fmt"
)

// How a component says that a learner's core it called is a stub. The
// shells write them and the e2e framework reads them, so both take them
// from here, a package that links no learner code.
const (
	// ConditionType is the pod condition (status True) of a pod whose
	// kubelet or scheduler met a stub; its message is the stub's error.
	ConditionType = "ownkube.io/NotImplemented"
	// Reason is the reason of that condition, of the Warning Event on the
	// object concerned, and of a node's Ready=False when ReadyCondition is
	// a stub.
	Reason = "NotImplemented"
)

// As returns the stub's error that err is or wraps, if any.
func As(err error) (*NotImplementedError, bool) {
	var ni *NotImplementedError
	ok := errors.As(err, &ni)
	return ni, ok
}

// Recovered turns the value of a recovered panic into an error that keeps
// a stub's error visible to IsNotImplemented: stubs of unexported helpers
// panic with it, since their signatures have no error to return.
func Recovered(p any) error {
	if err, ok := p.(error); ok {
		return fmt.Errorf("panic: %w", err)
	}
	return fmt.Errorf("panic: %v", p)
}
