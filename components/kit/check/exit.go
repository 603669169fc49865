package check

import "fmt"

// Exit codes of `ownkube check`.
const (
	ExitPassed  = 0
	ExitFailed  = 1
	ExitInfra   = 2
	ExitTimeout = 3
)

// ExitError carries the exit code a run ends with; its message is one
// sentence saying what happened and what to do.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// ExitCode is the process's exit status.
func (e *ExitError) ExitCode() int { return e.Code }

func infraError(format string, args ...any) *ExitError {
	return &ExitError{Code: ExitInfra, Msg: fmt.Sprintf(format, args...)}
}
