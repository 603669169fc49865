// Command kubectl is the stock kubectl, built from the Kubernetes project's
// own k8s.io/kubectl module exactly as k8s.io/kubernetes/cmd/kubectl builds
// it, for machines that have no kubectl package.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
