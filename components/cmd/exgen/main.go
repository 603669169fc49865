// Command exgen generates exercises/ from solutions/ (see package
// components/kit/exgen for the marker format) and records the suite's
// hashes in e2e/SUITE.sum, checks that the two have not drifted apart
// (-check), proves that every test fails against the stubs (-verify), and
// restores a learner's stubs (-reset STAGE|pkg.Func). Run it from the module
// root.
//
// A learner's edits are theirs: -check and -verify skip the files and
// regions a learner edited (told by the records in exercises/) and say how
// many in one line; make check grades them. -pristine makes any such edit
// an error, for the kit's own repository, where exercises/ is untouched.
//
// It imports nothing under exercises/, nor the shims that do: it must run
// before exercises/ exists.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ownkube/ownkube/components/kit/exgen"
	"github.com/ownkube/ownkube/components/kit/suitesum"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	solutions, exercises, root, reset string
	check, verify, force, pristine    bool
	timeout                           time.Duration
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("exgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.solutions, "solutions", "solutions", "the reference `dir` to generate from")
	fs.StringVar(&o.exercises, "exercises", "exercises", "the `dir` to generate into")
	fs.BoolVar(&o.check, "check", false, "compare exercises/ with what solutions/ generates, write nothing; exit 1 on drift")
	fs.BoolVar(&o.verify, "verify", false, "prove that exercises/ compiles and every test fails against the stubs")
	fs.BoolVar(&o.force, "force", false, "overwrite files and regions a learner has edited")
	fs.BoolVar(&o.pristine, "pristine", false, "with -check or -verify: a learner's edit is an error (the kit's own repository)")
	fs.StringVar(&o.reset, "reset", "", "restore the stubs of one `STAGE|pkg.Func` in exercises/, write nothing else")
	fs.StringVar(&o.root, "root", ".", "the module root `dir`, whose e2e/SUITE.sum is written and checked")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "go test -timeout for -verify, so a hanging test cannot block")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch {
	case countTrue(o.check, o.verify, o.reset != "") > 1:
		err = fmt.Errorf("exgen: -check, -verify and -reset are separate runs")
	case o.reset != "":
		err = reset(o, stdout)
	case o.check:
		err = check(o, stdout)
	case o.verify:
		err = verify(o, stdout)
	default:
		err = generate(o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func generate(o options, stdout, stderr io.Writer) error {
	if _, err := os.Stat(o.solutions); os.IsNotExist(err) {
		fmt.Fprintf(stdout, "exgen: no %s/ here (a student release): nothing to generate; %s/ is yours\n", filepath.ToSlash(o.solutions), filepath.ToSlash(o.exercises))
		return nil
	}
	res, err := exgen.Generate(exgen.Config{Solutions: o.solutions})
	if err != nil {
		return err
	}
	rep, err := exgen.Write(o.exercises, res.Files, o.force)
	if err != nil {
		return err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, w)
	}
	for _, d := range rep.Deleted {
		fmt.Fprintf(stdout, "exgen: deleted %s: its solution is gone\n", d)
	}
	for _, m := range rep.Merged {
		fmt.Fprintf(stdout, "exgen: %s: given code regenerated, your regions kept\n", m)
	}
	fmt.Fprintf(stdout, "exgen: wrote %d files (%d regions, %d stubs) in %s/\n", rep.Written, res.Regions, res.Stubs, filepath.ToSlash(o.exercises))
	if err := suitesum.Write(o.root); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exgen: recorded the suite in %s\n", suitesum.File)
	return nil
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func reset(o options, stdout io.Writer) error {
	rep, err := exgen.Reset(exgen.ResetConfig{Dir: o.exercises, Target: o.reset})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exgen: restored the stubs of %s in %s\n", strings.Join(rep.Funcs, ", "), strings.Join(rep.Files, ", "))
	return nil
}

func check(o options, stdout io.Writer) error {
	if err := checkSuite(o, stdout); err != nil {
		return err
	}
	if _, err := os.Stat(o.solutions); os.IsNotExist(err) {
		fmt.Fprintf(stdout, "exgen: no %s/ here (a student release): nothing to check %s/ against\n", filepath.ToSlash(o.solutions), filepath.ToSlash(o.exercises))
		return nil
	}
	res, err := exgen.Generate(exgen.Config{Solutions: o.solutions})
	if err != nil {
		return err
	}
	rep, err := exgen.Check(o.exercises, res.Files)
	if err != nil {
		return err
	}
	for _, d := range rep.Drifts {
		fmt.Fprintln(stdout, d)
	}
	if line := rep.Summary(); line != "" {
		fmt.Fprintln(stdout, "exgen:", line)
		if o.pristine {
			return fmt.Errorf("exgen: -pristine: %s", strings.Join(rep.Learner, ", "))
		}
	}
	if len(rep.Drifts) > 0 {
		return fmt.Errorf("%s/ has drifted from %s/: run make exercises", filepath.ToSlash(o.exercises), filepath.ToSlash(o.solutions))
	}
	fmt.Fprintf(stdout, "exgen: %s/ matches %s/\n", filepath.ToSlash(o.exercises), filepath.ToSlash(o.solutions))
	return nil
}

// checkSuite fails when e2e/SUITE.sum no longer records the suite: the
// kit's own check that make exercises ran after the specs changed.
func checkSuite(o options, stdout io.Writer) error {
	changed, err := suitesum.Changed(o.root)
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		return fmt.Errorf("%s is stale for %s: run make exercises", suitesum.File, strings.Join(changed, ", "))
	}
	fmt.Fprintf(stdout, "exgen: %s records the suite\n", suitesum.File)
	return nil
}

func verify(o options, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*o.timeout+5*time.Minute)
	defer cancel()
	rep, err := exgen.Verify(ctx, exgen.VerifyConfig{Dir: o.exercises, Timeout: o.timeout})
	if err != nil {
		return err
	}
	if line := rep.Summary(); line != "" {
		fmt.Fprintln(stdout, "exgen:", line)
		if o.pristine {
			return fmt.Errorf("exgen: -pristine: %s", strings.Join(rep.Learner, ", "))
		}
	}
	if !rep.OK() {
		if rep.NotRun > 0 || len(rep.Silent) > 0 { // the names alone do not say what went wrong
			fmt.Fprintln(stdout, tail(rep.Log, 40))
		}
		for _, line := range append(rep.Unproven, rep.Silent...) {
			fmt.Fprintln(stdout, "exgen:", line)
		}
		return fmt.Errorf("exgen: %d of %d tests fail against the stubs; every one must", rep.Failing, rep.Tests)
	}
	fmt.Fprintf(stdout, "exgen: exercises compile; %d of %d tests fail against the stubs, as they must\n", rep.Failing, rep.Tests)
	return nil
}

// tail returns the last n lines of s: the end of a log says what went wrong.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
