package cli

import (
	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/kubectl"
)

var _ = register(func() *cobra.Command {
	var files []string
	var cf *clientFlags
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR|-",
		Short: "Create or update objects from YAML or JSON, as kubectl apply does",
		Long: "Create the objects of the files that do not exist, and patch those that do with a three-way merge " +
			"of the last applied configuration (the kubectl.kubernetes.io/last-applied-configuration annotation), " +
			"the file and the live object: kubectl's client-side apply.",
		Example: `  ownkube apply -f pod.yaml
  ownkube apply -f manifests/
  cat pod.yaml | ownkube apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			objs, err := kubectl.ReadManifests(files, cmd.InOrStdin())
			if err != nil {
				return err
			}
			c, err := cf.client(cmd)
			if err != nil {
				return err
			}
			return c.Apply(cmd.Context(), objs)
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "file, directory (its .yaml, .yml and .json files) or - for stdin; repeatable")
	_ = cmd.MarkFlagRequired("filename")
	cf = addClientFlags(cmd)
	return cmd
})
