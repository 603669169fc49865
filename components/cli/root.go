// Package cli is the ownkube command line: one multi-call binary, in the
// manner of hyperkube and k3s, whose subcommands run each component
// (etcd, apiserver, …) and drive a cluster (up, down, get, apply, delete).
// Each subcommand lives in its own file and only parses flags: the work is
// done by the component packages.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Execute runs the command line and exits the process with its status.
func Execute() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := NewRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		msg := err.Error()
		var coded interface{ ExitCode() int } // `ownkube check` tells its outcomes apart
		if errors.As(err, &coded) {
			fmt.Fprintln(os.Stderr, "error: "+msg)
			os.Exit(coded.ExitCode())
		}
		if !strings.HasPrefix(msg, "Error from server") { // the server's words, already labelled as kubectl does
			msg = "error: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}

// NewRoot builds the command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "ownkube",
		Short: "ownkube: a minimal Kubernetes you build yourself",
		Long: "ownkube runs the components of a minimal Kubernetes (etcd, apiserver, …) " +
			"and brings clusters of them up and down as Docker containers.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, add := range commands {
		root.AddCommand(add())
	}
	return root
}

// commands is filled by each command's file, so adding a command touches
// only its own file.
var commands []func() *cobra.Command

func register(newCommand func() *cobra.Command) bool {
	commands = append(commands, newCommand)
	return true
}
