// Package scenario reads the kit's stages: one YAML file per stage under
// scenarios/, named NN-<name>.yaml, that says which topology the e2e
// framework brings up for the stage, which specs (a Ginkgo label filter)
// must pass on it, which learner functions it grades, which Docker-free Go
// packages grade them in seconds, and the hints `ownkube check` prints under
// a failure. scenarios/README.md documents the format for instructors.
//
// The e2e framework (OWNKUBE_STAGE=N) and `ownkube check` both load the
// scenarios through this package, so a file that one accepts the other
// accepts too. Parsing is strict: an unknown or misspelt field is an error
// naming the file and the field, so a typo cannot silently drop a setting.
//
// The package links nothing of a learner's: the harness imports it.
package scenario
