// Command pause is the first container of every ownkube pod: it holds the
// pod's network namespace (and so its IP), which the pod's app containers
// join, and does nothing else. It blocks until SIGTERM or SIGINT and then
// exits 0 at once, so stopping a pod never waits out Docker's stop timeout.
package main

import (
	"context"
	"os/signal"
	"syscall"
)

func main() {
	waitForSignal(func() {})
}

// waitForSignal calls ready once SIGTERM and SIGINT are caught, then blocks
// until one of them arrives.
func waitForSignal(ready func()) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ready()
	<-ctx.Done()
}
