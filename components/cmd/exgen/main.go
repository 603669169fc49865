// Command exgen generates exercises/ from solutions/ (see package
// components/kit/exgen for the marker format), checks that the two have not
// drifted apart (-check), and proves that every test fails against the stubs
// (-verify). Run it from the module root.
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
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	solutions, exercises string
	check, verify, force bool
	timeout              time.Duration
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("exgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.solutions, "solutions", "solutions", "the reference `dir` to generate from")
	fs.StringVar(&o.exercises, "exercises", "exercises", "the `dir` to generate into")
	fs.BoolVar(&o.check, "check", false, "compare exercises/ with what solutions/ generates, write nothing; exit 1 on drift")
	fs.BoolVar(&o.verify, "verify", false, "prove that exercises/ compiles and every test fails against the stubs")
	fs.BoolVar(&o.force, "force", false, "overwrite files a learner has edited")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "go test -timeout for -verify, so a hanging test cannot block")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch {
	case o.check && o.verify:
		err = fmt.Errorf("exgen: -check and -verify are separate runs")
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
	fmt.Fprintf(stdout, "exgen: wrote %d files (%d regions, %d stubs) in %s/\n", rep.Written, res.Regions, res.Stubs, filepath.ToSlash(o.exercises))
	return nil
}

func check(o options, stdout io.Writer) error {
	res, err := exgen.Generate(exgen.Config{Solutions: o.solutions})
	if err != nil {
		return err
	}
	drifts, err := exgen.Diff(o.exercises, res.Files)
	if err != nil {
		return err
	}
	for _, d := range drifts {
		fmt.Fprintln(stdout, d)
	}
	if len(drifts) > 0 {
		return fmt.Errorf("%s/ has drifted from %s/: run make exercises", filepath.ToSlash(o.exercises), filepath.ToSlash(o.solutions))
	}
	fmt.Fprintf(stdout, "exgen: %s/ matches %s/\n", filepath.ToSlash(o.exercises), filepath.ToSlash(o.solutions))
	return nil
}

func verify(o options, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*o.timeout+5*time.Minute)
	defer cancel()
	rep, err := exgen.Verify(ctx, exgen.VerifyConfig{Dir: o.exercises, Timeout: o.timeout})
	if err != nil {
		return err
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
