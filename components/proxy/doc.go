// Package proxy is `ownkube proxy`, the kit's kube-proxy. It runs on every
// node, in the node container's kubelet process (components/cli/kubelet.go
// starts it beside the kubelet; `ownkube proxy` runs it alone), and does two
// jobs, neither of which needs privileges or iptables:
//
//  1. NodePorts (every proxy): for each port of a NodePort or LoadBalancer
//     Service it listens on the node container's <nodeIP>:<nodePort> and
//     relays each connection to one of the Service's ready endpoints, read
//     from its EndpointSlices (components/proxy/relay picks and copies).
//  2. ClusterIPs (the proxies' leader, Lease kube-system/ownkube-proxy):
//     for each Service with a cluster IP it keeps one forwarder container
//     (components/images/forwarder) on the cluster's Docker network, started
//     with that IP — Docker never hands it out, since the cluster's ServiceCIDR
//     lies outside the network's dynamic ip-range — listening on the
//     Service's ports. The forwarder follows the Service's EndpointSlices
//     itself. Forwarders carry the cluster's label and the component label
//     "forwarder"; the leader removes the forwarder of a deleted Service, and
//     `ownkube down` removes them all by the cluster label.
//
// Why the leader and not a controller in the control plane: creating a
// container needs the Docker socket, which only the node containers hold.
// Why one leader: two proxies creating the same forwarder would fight over
// its fixed IP.
package proxy
