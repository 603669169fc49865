// Command check grades a learner's code stage by stage; it is
// `ownkube check` without the rest of the multi-call binary, so it links no
// learner code and builds even when an exercise does not compile:
//
//	go run ./components/cmd/check [STAGE] [--impl exercises|solutions] [--focus REGEX]
//	    [--repeat N] [--keep-going] [--junit FILE] [--json FILE]
//
// Its exit status is 0 when every stage passed, 1 when specs failed, 2 on
// an infrastructure error, 3 on a timeout; `go run` reports any of them as
// 1, so scripts that tell them apart build it first (make check does).
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
