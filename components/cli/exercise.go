package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/kit/exgen"
)

var _ = register(func() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exercise",
		Short: "Work on the exercises: restore a stub you want to write again",
	}
	cmd.AddCommand(newExerciseReset())
	return cmd
})

func newExerciseReset() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "reset STAGE|PKG.FUNC",
		Short: "Restore the stub of one function (etcdstore.Create) or of every region of one stage (2)",
		Long: "reset puts back the stub of one function, or of every function in the regions of one stage, " +
			"in place: the body becomes the stub again, the signature and doc comment stay, and the file's " +
			"imports follow. The rest of your work is left as it is. It needs no solutions/.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := exgen.Reset(exgen.ResetConfig{Dir: dir, Target: args[0]})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored the stubs of %s in %s\n", strings.Join(rep.Funcs, ", "), strings.Join(rep.Files, ", "))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "exercises", "the exercises `directory`, relative to the module root")
	return cmd
}
