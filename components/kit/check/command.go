package check

import (
	"github.com/ownkube/ownkube/components/kit/suitesum"

	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kit/scenario"
)

// NewCommand is `check [STAGE]`, shared by components/cmd/check and the
// multi-call binary's `ownkube check`. Its error is an *ExitError.
func NewCommand() *cobra.Command {
	opts := Options{Preflight: dockerAnswers, SuiteChanged: suiteChanged}
	var reference string // --reference, parsed into opts.Reference
	cmd := &cobra.Command{
		Use:   "check [STAGE]",
		Short: "grade the learner's code stage by stage: fast tests, then the stage's e2e specs on its topology",
		Long: "check runs, for each stage up to STAGE (default: all), the stage's Docker-free tests and then its e2e specs " +
			"on exactly its topology (scenarios/NN-<name>.yaml), and prints a table of what passed. It stops at the first " +
			"failing stage unless --keep-going.\n\nExit status: 0 all passed, 1 specs failed, 2 infrastructure error, 3 timeout.",
		Args:          cobra.MaximumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 1 {
					return &ExitError{Code: ExitInfra, Msg: fmt.Sprintf("STAGE %q: give a stage number such as 3", args[0])}
				}
				opts.Stage = n
			}
			ref, err := scenario.ParseReference(reference)
			if err != nil {
				return &ExitError{Code: ExitInfra, Msg: "--reference: " + err.Error()}
			}
			opts.Reference = ref
			opts.Out = cmd.OutOrStdout()
			_, err = Run(cmd.Context(), opts)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&reference, "reference", "", "run these components from the reference solutions (comma-separated: "+
		strings.Join(scenario.Referable, ", ")+"), to work on a later stage before an earlier one passes")
	f.StringVar(&opts.Impl, "impl", Exercises, "the implementation to grade: exercises (the learner's) or solutions (the reference)")
	f.StringVar(&opts.Focus, "focus", "", "run only the e2e specs whose text matches this regular expression")
	f.IntVar(&opts.Repeat, "repeat", 1, "run each stage's specs N times with different random seeds and report the pass rate")
	f.BoolVar(&opts.KeepGoing, "keep-going", false, "grade the later stages after a failing one")
	f.StringVar(&opts.JUnit, "junit", "", "write a JUnit report of the e2e specs to this file")
	f.StringVar(&opts.JSON, "json", "", "write a JSON summary with points per stage to this file")
	f.DurationVar(&opts.Timeout, "timeout", 20*time.Minute, "the longest one stage's e2e run may take")
	return cmd
}

// Main runs NewCommand as a program and exits with its code.
func Main(ctx context.Context) {
	err := NewCommand().ExecuteContext(ctx)
	os.Exit(ExitCodeOf(err))
}

// ExitCodeOf prints err, if any, and returns the code to exit with.
func ExitCodeOf(err error) int {
	if err == nil {
		return ExitPassed
	}
	fmt.Fprintln(os.Stderr, "error: "+err.Error())
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitInfra // a bad flag or argument: nothing was graded
}

// dockerAnswers pings the Docker engine.
func dockerAnswers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d, err := cluster.Docker(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	_, err = d.Ping(ctx)
	return err
}

// suiteChanged lists the spec files changed from the shipped suite, as
// recorded in e2e/SUITE.sum.
var suiteChanged = suitesum.Changed
