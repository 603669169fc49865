package cli

import (
	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/kubectl"
)

var _ = register(func() *cobra.Command {
	var o kubectl.GetOptions
	var cf *clientFlags
	cmd := &cobra.Command{
		Use:   "get TYPE[,TYPE...] [NAME...] | TYPE/NAME...",
		Short: "Display objects as kubectl get does (the API server prints the tables)",
		Example: `  ownkube get pods
  ownkube get po web -o wide
  ownkube get deploy,rs,po -A
  ownkube get pods/web -o yaml
  ownkube get nodes -w`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client(cmd)
			if err != nil {
				return err
			}
			return c.Get(cmd.Context(), args, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "output format: wide, yaml, json or name")
	f.StringVarP(&o.LabelSelector, "selector", "l", "", "label selector, e.g. app=web,tier!=db")
	f.StringVar(&o.FieldSelector, "field-selector", "", "field selector, e.g. spec.nodeName=node-1")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "list across all namespaces")
	f.BoolVarP(&o.Watch, "watch", "w", false, "after listing, print each change until interrupted")
	cf = addClientFlags(cmd)
	return cmd
})
