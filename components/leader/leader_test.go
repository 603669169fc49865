package leader

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestAStandbyTakesOverWhenTheLeaderStops(t *testing.T) {
	client := fake.NewClientset()
	cfg := func(id string) Config {
		return Config{Client: client, Name: "test", Identity: id,
			LeaseDuration: time.Second, RenewDeadline: 500 * time.Millisecond, RetryPeriod: 100 * time.Millisecond}
	}
	leading := make(chan string, 2)
	work := func(id string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			leading <- id
			<-ctx.Done()
			return nil
		}
	}
	ctxA, stopA := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() { doneA <- Run(ctxA, cfg("a"), work("a")) }()
	if id := awaitLeader(t, leading); id != "a" {
		t.Fatalf("%s leads, want a (it started alone)", id)
	}

	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneB := make(chan error, 1)
	go func() { doneB <- Run(ctxB, cfg("b"), work("b")) }()
	select {
	case id := <-leading:
		t.Fatalf("%s leads while a holds the lease", id)
	case <-time.After(1500 * time.Millisecond):
	}

	stopA()
	if err := <-doneA; err != nil {
		t.Errorf("a's Run after its context ended: %v, want nil", err)
	}
	if id := awaitLeader(t, leading); id != "b" {
		t.Fatalf("%s leads, want b", id)
	}
	lease, err := client.CoordinationV1().Leases(metav1.NamespaceSystem).Get(context.Background(), "test", metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != "b" {
		t.Errorf("the lease names %v (err %v), want b", lease.Spec.HolderIdentity, err)
	}
	stopB()
	if err := <-doneB; err != nil {
		t.Errorf("b's Run: %v", err)
	}
}

func TestRunReturnsTheErrorOfTheWork(t *testing.T) {
	boom := errors.New("boom")
	err := Run(context.Background(), Config{Client: fake.NewClientset(), Name: "test", Identity: "a",
		LeaseDuration: time.Second, RenewDeadline: 500 * time.Millisecond, RetryPeriod: 100 * time.Millisecond},
		func(context.Context) error { return boom })
	// The work ended, but leadership goes on until it is lost or released:
	// Run must come back with the work's error, not hang.
	if !errors.Is(err, boom) {
		t.Errorf("Run = %v, want %v", err, boom)
	}
}

func awaitLeader(t *testing.T, leading chan string) string {
	t.Helper()
	select {
	case id := <-leading:
		return id
	case <-time.After(5 * time.Second):
		t.Fatal("no replica led within 5s")
		return ""
	}
}
