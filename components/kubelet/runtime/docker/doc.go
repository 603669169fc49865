// Package docker is the kubelet's container runtime: it satisfies
// kubelet.Runtime with the Docker Engine API, in the manner of Kubernetes'
// former dockershim.
//
// # Where it sits
//
// The kubelet's loop asks the core what should run, then calls this package
// to make it so: Pods to see what runs on the node, RunSandbox and
// StartContainer to start, StopContainer and RemoveContainer to end,
// ImagePresent before a start, Logs for kubectl logs. This package calls
// only the Docker daemon, through the host's socket that the node container
// has mounted, so a pod's containers are siblings of the node container,
// not its children.
//
// # A pod is a pause container and its app containers
//
// RunSandbox starts the pod's pause container on the cluster's Docker
// network: Docker gives it an address, and that address is the pod IP. Each
// app container is started with NetworkMode container:<pause id>, so it
// shares the pause container's network namespace: its IP, its ports, its
// localhost and its DNS search path. Names follow dockershim,
// k8s_POD_<pod>_<ns>_<uid>_<attempt> and
// k8s_<container>_<pod>_<ns>_<uid>_<restart count>, which makes `docker ps`
// readable and keeps two attempts of one container apart.
//
// # Labels are the only truth
//
// The runtime keeps no record of its own. Every container it creates
// carries labels naming its cluster (ownkube.io/cluster), node, namespace,
// pod, pod UID, container name and attempt, and Pods rebuilds the node's
// state from them each time: a kubelet that restarts finds its pods again,
// and `ownkube down` removes them with the rest of the cluster. Pods lists
// only containers labelled with this cluster and this node, and
// StopContainer, RemoveContainer and Logs refuse a container without those
// labels: many clusters, and other people's containers, share one Docker.
// Docker's list shows state and labels; what it cannot show (exit code,
// start and finish times) is inspected, once per container and state.
//
// # Nothing is pulled
//
// The machines this runs on have no registry. Every image is built locally,
// so ImagePull is never called: the kubelet asks ImagePresent first and
// reports a missing image on the pod instead of waiting for a pull that
// cannot succeed. ContainerCreate, unlike `docker run`, never pulls either.
package docker
