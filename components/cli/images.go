package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/images"
)

var _ = register(func() *cobra.Command {
	opts := images.Options{}
	cmd := &cobra.Command{
		Use:   "images",
		Short: "Build the kit's container images from source (FROM scratch, nothing is pulled)",
		Long: "Build the kit's container images from this checkout: a static ownkube binary per image, " +
			"built with go build and packed FROM scratch by Docker. An image whose binary has not " +
			"changed is left as it is.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Progress = cmd.OutOrStdout()
			return images.Build(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Impl, "impl", images.Solutions,
		fmt.Sprintf("which implementation the ownkube image links: %s or %s", images.Solutions, images.Exercises))
	return cmd
})
