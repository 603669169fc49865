// Package check is `ownkube check`: it grades a learner's code stage by
// stage, the way the kit's scenarios (components/kit/scenario) describe the
// stages, and prints a table of what passed.
//
// For each stage up to the one asked for, Run first tests the stage's fast
// packages (go test -tags <impl>, no Docker: the exercise's unit tests and
// the in-process component tests that link it), then runs the e2e suite
// with OWNKUBE_STAGE=N and OWNKUBE_E2E_IMPL=<impl>, which brings up exactly
// the stage's topology and runs the stage's specs, and reads Ginkgo's JSON
// report. Under a failing stage the table shows its first failure in one
// line (file:line), the learner function to look at (from the stub's "not
// implemented: stage N pkg.Func", or the scenario's learner list) and the
// scenario's hint that matches, and the failed spec's timeline: the file
// the e2e framework wrote (under OWNKUBE_TIMELINE_DIR, which Run sets to its
// log directory) with the API requests, watch events, Docker events and
// component log lines of the spec, in time order. It stops at the first
// failing stage unless told to keep going.
//
// --reference apiserver,kubelet runs those components from the reference
// solutions (OWNKUBE_E2E_REFERENCE, read by the e2e framework, which gives
// them the ownkube:solutions image; the CLI's push nodes too when the
// kubelet is named), so a learner stuck on one stage can work on the
// next. Each stage that ran a referenced component is marked so in the
// table ("PASS (reference: apiserver)") and the JSON summary; a stage all
// of whose learner packages a referenced component links (etcdstore: the
// apiserver; kubelet; scheduler; replicaset, nodelifecycle and endpoints:
// the controller-manager) skips its fast tests, which test the learner's
// code. Stage 2's store runs in the host CLI, so no reference covers it.
//
// Everything runs as subprocesses of the go command: this package links no
// learner code, so a compile error in stage 4's exercise shows as stage 4's
// failure, not as a checker that does not build.
//
// Exit codes (ExitError): 0 all passed, 1 specs failed, 2 infrastructure
// error (Docker not answering, images not built, the cluster not coming up),
// 3 timeout.
package check
