// Command check grades a learner's code stage by stage; it is
// `ownkube check` without the rest of the multi-call binary, so it links no
// learner code and builds even when an exercise does not compile:
//
//	go run ./components/cmd/check [STAGE] [--impl exercises|solutions] [--focus REGEX]
//	    [--repeat N] [--keep-going] [--junit FILE] [--json FILE]
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ownkube/ownkube/components/kit/check"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	check.Main(ctx)
}
