package linearizable

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// history builds a recorder from operations with given [call, return] times.
func history(ops ...Op) *Recorder {
	r := NewRecorder()
	for _, op := range ops {
		r.ops = append(r.ops, porcupine.Operation{ClientId: op.Client, Input: op, Call: op.call, Output: op, Return: op.ret})
	}
	return r
}

func at(call, ret int64, op Op) Op { op.call, op.ret = call, ret; return op }

var created = at(0, 1, Op{Key: "k", Kind: Create, Out: State{"0", "10"}})

func TestHistoriesThatCouldHappenOneAtATimePass(t *testing.T) {
	cases := map[string]*Recorder{
		"sequential writes and reads": history(created,
			at(2, 3, Op{Key: "k", Kind: Write, FromRV: "10", Value: "a", Out: State{"a", "11"}}),
			at(4, 5, Op{Key: "k", Kind: Write, FromRV: "10", Value: "b", Conflict: true}),
			at(6, 7, Op{Key: "k", Kind: Read, Out: State{"a", "11"}})),
		"a read concurrent with a write sees the old value": history(created,
			at(2, 6, Op{Client: 1, Key: "k", Kind: Write, FromRV: "10", Value: "a", Out: State{"a", "11"}}),
			at(3, 4, Op{Client: 2, Key: "k", Kind: Read, Out: State{"0", "10"}})),
		"two concurrent writes from one version: one wins": history(created,
			at(2, 6, Op{Client: 1, Key: "k", Kind: Write, FromRV: "10", Value: "a", Out: State{"a", "11"}}),
			at(3, 5, Op{Client: 2, Key: "k", Kind: Write, FromRV: "10", Value: "b", Conflict: true})),
		"keys are independent": history(created,
			at(0, 1, Op{Key: "j", Kind: Create, Out: State{"x", "20"}}),
			at(2, 3, Op{Key: "j", Kind: Read, Out: State{"x", "20"}}),
			at(2, 3, Op{Key: "k", Kind: Read, Out: State{"0", "10"}})),
	}
	for name, r := range cases {
		if res := r.Check(10 * time.Second); !res.Linearizable {
			t.Errorf("%s: %s, want Ok", name, res.Verdict)
		}
	}
}

func TestHistoriesNoOrderExplainsFail(t *testing.T) {
	cases := map[string]*Recorder{
		"two writes from one version both won (a lost update)": history(created,
			at(2, 6, Op{Client: 1, Key: "k", Kind: Write, FromRV: "10", Value: "a", Out: State{"a", "11"}}),
			at(3, 5, Op{Client: 2, Key: "k", Kind: Write, FromRV: "10", Value: "b", Out: State{"b", "12"}})),
		"a read after a write returned sees the old value": history(created,
			at(2, 3, Op{Key: "k", Kind: Write, FromRV: "10", Value: "a", Out: State{"a", "11"}}),
			at(4, 5, Op{Key: "k", Kind: Read, Out: State{"0", "10"}})),
		"a write from the current version was refused": history(created,
			at(2, 3, Op{Key: "k", Kind: Write, FromRV: "10", Value: "a", Conflict: true})),
		"a write stored another value than it sent": history(created,
			at(2, 3, Op{Key: "k", Kind: Write, FromRV: "10", Value: "a", Out: State{"b", "11"}})),
		"a key created twice": history(created,
			at(2, 3, Op{Key: "k", Kind: Create, Out: State{"1", "11"}})),
	}
	for name, r := range cases {
		if res := r.Check(10 * time.Second); res.Verdict != porcupine.Illegal {
			t.Errorf("%s: %s, want Illegal", name, res.Verdict)
		}
	}
}

func TestTheRecorderTimesOperationsOnOneClock(t *testing.T) {
	r := NewRecorder()
	call := r.Begin()
	r.End(call, Op{Key: "k", Kind: Create, Out: State{"0", "1"}})
	r.End(r.Begin(), Op{Key: "k", Kind: Read, Out: State{"0", "1"}})
	if r.Len() != 2 {
		t.Fatalf("recorded %d operations, want 2", r.Len())
	}
	if r.ops[0].Return > r.ops[1].Call {
		t.Errorf("the second operation began (%d) before the first returned (%d)", r.ops[1].Call, r.ops[0].Return)
	}
	res := r.Check(time.Second)
	if !res.Linearizable {
		t.Fatalf("%s, want Ok", res.Verdict)
	}
	path := filepath.Join(t.TempDir(), "history.html")
	if err := res.Visualize(path); err != nil {
		t.Fatal(err)
	}
}
