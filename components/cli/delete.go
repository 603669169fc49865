package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/kubectl"
)

var _ = register(func() *cobra.Command {
	var o kubectl.DeleteOptions
	var files []string
	var cf *clientFlags
	cmd := &cobra.Command{
		Use:   "delete (TYPE NAME... | TYPE/NAME... | -f FILE|DIR|-)",
		Short: "Delete objects by name or from files, as kubectl delete does",
		Example: `  ownkube delete pod web
  ownkube delete po/web deploy/api
  ownkube delete -f manifests/ --wait=false`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var objs []kubectl.Object
			if len(files) > 0 {
				var err error
				if objs, err = kubectl.ReadManifests(files, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			c, err := cf.client(cmd)
			if err != nil {
				return err
			}
			return c.Delete(cmd.Context(), args, objs, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&files, "filename", "f", nil, "file, directory or - for stdin naming the objects to delete; repeatable")
	f.IntVar(&o.GracePeriod, "grace-period", -1, "seconds the objects get to terminate; -1 their default, 0 at once")
	f.BoolVar(&o.Wait, "wait", true, "wait until the objects are gone")
	f.DurationVar(&o.Timeout, "timeout", 60*time.Second, "how long to wait for the objects to be gone; 0 forever")
	f.BoolVar(&o.IgnoreNotFound, "ignore-not-found", false, "treat objects that do not exist as deleted")
	cf = addClientFlags(cmd)
	return cmd
})
