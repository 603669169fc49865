// Package cluster brings an ownkube cluster up and down as Docker containers,
// with testcontainers-go. It is the one launcher behind both `ownkube up` /
// `ownkube down` and the e2e suite's bring-up, so what a learner runs is what
// the suite tests.
//
// Up does, in order:
//
//  1. checks that Docker answers, that the cluster is not already up, that no
//     container or network it would create is taken by something else, that
//     the image exists locally (nothing is ever pulled) and that --port is free;
//  2. creates the network ownkube-<name> with a subnet that overlaps no other
//     Docker network, handing containers addresses from its lower half and
//     keeping the upper half (Cluster.ServiceCIDR) for Service IPs;
//  3. starts the control-plane components together (the apiserver waits for
//     etcd itself), each published on 127.0.0.1 only and awaited over HTTP;
//     the cluster DNS at a fixed address, the tenth of the Service range
//     (Cluster.DNS), which the kubelets give pods as their nameserver;
//  4. writes ~/.ownkube/<name>/kubeconfig, whose user is kubernetes-admin in
//     system:masters.
//
// Before the components start, a cluster with an API server gets a CA of
// its own in ~/.ownkube/<name>/pki; each container is copied the
// certificates it needs before it starts (certs.go), and the API server,
// awaited over HTTPS, authenticates every client by its certificate.
//
// If any step fails, Up removes everything it created before returning.
//
// Everything a cluster owns carries the label ownkube.io/cluster=<name> (and
// ownkube.io/component), and Down removes exactly that: every container with
// the label — including the nodes and pods later components start — then the
// networks and volumes, then ~/.ownkube/<name>. Nothing without the label is
// ever touched.
//
// Scratch images have no shell, so readiness is awaited with HTTP wait
// strategies, never by exec. testcontainers' reaper is disabled (its image
// cannot be pulled here): cleanup is by label, here and in the e2e suite.
package cluster
