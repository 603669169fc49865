// Package portforward holds the conformance specs of kubectl port-forward:
// stock kubectl, run from the host with the suite's kubeconfig, forwards a
// random local port through the API server (pods/portforward, SPDY or SPDY
// tunnelled over a websocket) to the pod's kubelet, which connects to the
// pod's port on the cluster network. Kubectl also resolves svc/NAME to a
// pod the Service selects, and reports a port nothing listens on.
//
// The kubectl specs need kubectl on PATH (framework.NewKubectl): the kit's
// own make test fails them without it, a learner's run reports them skipped. Every kubectl process a spec starts is killed
// by the spec's cleanup. Pods are bound by the specs themselves
// (spec.nodeName), so no scheduler is needed.
//
// Every spec carries Label("portforward", "stage7") and works in a
// namespace of its own.
package portforward
