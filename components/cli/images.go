package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/images"
)

var _ = register(func() *cobra.Command {
	opts := images.Options{}
	var mutants bool
	cmd := &cobra.Command{
		Use:   "images",
		Short: "Build the kit's container images from source (FROM scratch, nothing is pulled)",
		Long: "Build the kit's container images from this checkout: a static ownkube binary per image, " +
			"built with go build and packed FROM scratch by Docker. An image whose binary has not " +
			"changed is left as it is.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if mutants {
				if opts.Impl != images.Solutions {
					return fmt.Errorf("--mutants links the known-bad variants beside the reference: it needs --impl %s", images.Solutions)
				}
				opts.Impl = images.Mutants
			}
			opts.Progress = cmd.OutOrStdout()
			return images.Build(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Impl, "impl", images.Solutions,
		fmt.Sprintf("which implementation the ownkube image links: %s or %s", images.Solutions, images.Exercises))
	cmd.Flags().BoolVar(&mutants, "mutants", false,
		"link every mutant beside the reference (-tags solutions,mutants), tagged ownkube:"+images.Mutants+"; OWNKUBE_MUTANT picks one at run time")
	return cmd
})
