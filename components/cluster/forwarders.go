package cluster

// Forwarder is the component label of the ClusterIP forwarder containers
// the node proxies' leader starts, one per Service (components/proxy).
// They carry the cluster's label like everything else, so Down removes them.
const Forwarder = "forwarder"

// Labels naming the Service a forwarder serves.
const (
	LabelServiceNamespace = "ownkube.io/service-namespace"
	LabelServiceName      = "ownkube.io/service-name"
)
