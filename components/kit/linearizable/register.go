package linearizable

import (
	"fmt"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Kind is what an operation does to its key.
type Kind int

const (
	// Create makes the key; it must be each key's first operation.
	Create Kind = iota
	// Read reads the key's value and resourceVersion.
	Read
	// Write replaces the value if the key is still at FromRV.
	Write
)

// State is a key's value and resourceVersion.
type State struct {
	Value, RV string
}

// Op is one operation as a client saw it: what it asked and what came back.
type Op struct {
	Client int
	Key    string
	Kind   Kind
	// FromRV is the resourceVersion a Write expects; Value what it writes.
	FromRV, Value string
	// Out is what a Create, a Read or a successful Write returned.
	Out State
	// Conflict says a Write was refused with 409.
	Conflict bool

	call, ret int64
}

// Recorder collects the operations of concurrent clients, timed on one
// monotonic clock. Its methods are safe from many goroutines.
type Recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
}

// NewRecorder starts the clock.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Begin is called just before an operation is sent; it returns the call time.
func (r *Recorder) Begin() int64 { return int64(time.Since(r.start)) }

// End records op, begun at call, as having returned now.
func (r *Recorder) End(call int64, op Op) {
	op.call, op.ret = call, int64(time.Since(r.start))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: op.Client, Input: op, Call: op.call, Output: op, Return: op.ret})
}

// Len is how many operations are recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ops)
}

// Result is the checker's verdict.
type Result struct {
	// Linearizable is true when every key's history has a legal order.
	Linearizable bool
	// Verdict is porcupine's answer: Ok, Illegal or Unknown (timed out).
	Verdict porcupine.CheckResult
	info    porcupine.LinearizationInfo
}

// Check checks the recorded history, giving up after timeout.
func (r *Recorder) Check(timeout time.Duration) Result {
	r.mu.Lock()
	history := append([]porcupine.Operation(nil), r.ops...)
	r.mu.Unlock()
	verdict, info := porcupine.CheckOperationsVerbose(Model, history, timeout)
	return Result{Linearizable: verdict == porcupine.Ok, Verdict: verdict, info: info}
}

// Visualize writes porcupine's HTML view of the history, and of the longest
// legal order it found for each key, to path.
func (res Result) Visualize(path string) error {
	if err := porcupine.VisualizePath(Model, res.info, path); err != nil {
		return fmt.Errorf("write the history's visualization to %s: %w", path, err)
	}
	return nil
}

// Model is the register per key, for porcupine.
var Model = porcupine.Model{
	Partition: byKey,
	Init:      func() any { return State{} },
	Step: func(state, input, _ any) (bool, any) {
		return step(state.(State), input.(Op))
	},
	DescribeOperation: func(input, _ any) string { return describe(input.(Op)) },
	DescribeState: func(state any) string {
		s := state.(State)
		return fmt.Sprintf("%q @%s", s.Value, s.RV)
	},
}

// step is the sequential specification of one key.
func step(s State, op Op) (bool, State) {
	switch op.Kind {
	case Create:
		return s == State{}, op.Out
	case Read:
		return op.Out == s, s
	case Write:
		if s.RV != op.FromRV {
			return op.Conflict, s // a stale write must be refused
		}
		if op.Conflict {
			return false, s // a write from the current version must win
		}
		return op.Out.Value == op.Value, op.Out
	}
	return false, s
}

func byKey(history []porcupine.Operation) [][]porcupine.Operation {
	index := map[string]int{}
	var out [][]porcupine.Operation
	for _, o := range history {
		key := o.Input.(Op).Key
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], o)
	}
	return out
}

func describe(op Op) string {
	switch op.Kind {
	case Create:
		return fmt.Sprintf("create %s = %q -> @%s", op.Key, op.Out.Value, op.Out.RV)
	case Read:
		return fmt.Sprintf("read %s -> %q @%s", op.Key, op.Out.Value, op.Out.RV)
	case Write:
		if op.Conflict {
			return fmt.Sprintf("write %s = %q if @%s -> 409", op.Key, op.Value, op.FromRV)
		}
		return fmt.Sprintf("write %s = %q if @%s -> @%s", op.Key, op.Value, op.FromRV, op.Out.RV)
	}
	return "?"
}
