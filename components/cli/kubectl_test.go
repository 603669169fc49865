package cli

import (
	"strings"
	"testing"
)

func TestHasKubeconfigFlag(t *testing.T) {
	for args, want := range map[string]bool{
		"get pods":                             false,
		"--kubeconfig /k get pods":             true,
		"get pods --kubeconfig=/k":             true,
		"exec web -- prog --kubeconfig /k":     false, // the command's, not kubectl's
		"get pods --kubeconfig-other /k":       false,
		"--context c --kubeconfig=/k get pods": true,
	} {
		if got := hasKubeconfigFlag(strings.Fields(args)); got != want {
			t.Errorf("hasKubeconfigFlag(%s) = %v, want %v", args, got, want)
		}
	}
}
