package load

import (
	"strings"
	"testing"
	"time"
)

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	err := WriteTable(&b, "vs etcd p99", []Row{
		{Name: "etcd put (floor)", Offered: 100, Compare: "1.0x",
			Result: Result{Latencies: []time.Duration{ms(1), ms(2), ms(3)}, Window: time.Second * 3 / 100}},
		{Name: "api create", Offered: 100, Result: Result{Errors: 2, Dropped: 1, Window: time.Second}},
		{Name: "one by one", Result: Result{Latencies: []time.Duration{ms(20)}, Window: ms(20)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `operation         offered/s  achieved/s  p50    p99    max    errors  dropped  vs etcd p99
etcd put (floor)  100        100.0       2.0ms  3.0ms  3.0ms  0       0        1.0x
api create        100        0.0         -      -      -      2       1        -
one by one        -          50.0        20ms   20ms   20ms   0       0        -
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
