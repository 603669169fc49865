// Package dns holds the conformance specs of the cluster DNS (stage 7):
// the `ownkube dns` component answers Service names from the API, and the
// kubelets give pods with dnsPolicy ClusterFirst its address, the search
// path <ns>.svc.cluster.local svc.cluster.local cluster.local and
// ndots:5, and the <SVC>_SERVICE_HOST variables of their namespace.
//
// Names are looked up by probe pods (ownkube/probe's dns mode), so that
// what is checked is what a program in a pod sees: its resolv.conf, Docker's
// resolver forwarding to the cluster DNS. NXDOMAIN is checked by asking the
// cluster DNS directly from a probe container on the cluster network. No
// spec needs traffic to a ClusterIP to flow: they check names, not
// forwarding.
//
// Every spec carries Label("dns", "stage7") and works in a namespace of its
// own, whose pods are deleted, and gone, before it is.
package dns
