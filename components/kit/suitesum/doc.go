// Package suitesum keeps the conformance suite honest: it records the SHA-256
// of every file under e2e/ in e2e/SUITE.sum, and tells which spec files no
// longer match their record.
//
// A learner is graded by the suite as shipped. `make exercises` writes the
// record (Write) in the kit's repository, `exgen -check` fails when it is
// stale, and `ownkube check` calls Changed and says a run does not count when
// spec files were changed, added or removed.
//
// The file is in the format of sha256sum, paths relative to the module root,
// so `sha256sum -c e2e/SUITE.sum` lists the changed files too:
//
//	<64 hex digits>  e2e/framework/suite.go
package suitesum
