// Package services holds the specs of stage 7: a Service's Endpoints and
// EndpointSlices list exactly its ready pods, and traffic to its ClusterIP
// (a forwarder container holding that IP) and to its nodePort on every node
// (the node's proxy) reaches every ready pod, stops reaching a deleted or
// not-ready one, keeps a client on one pod under ClientIP affinity, and is
// refused at once when no pod is ready. Traffic is sent from probe
// containers on the cluster network (framework.Probe), never from the host.
package services
