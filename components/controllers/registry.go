package controllers

import (
	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/cronjob"
	"github.com/ownkube/ownkube/components/controllers/daemonset"
	"github.com/ownkube/ownkube/components/controllers/deployment"
	"github.com/ownkube/ownkube/components/controllers/disruption"
	"github.com/ownkube/ownkube/components/controllers/endpoints"
	"github.com/ownkube/ownkube/components/controllers/endpointslice"
	"github.com/ownkube/ownkube/components/controllers/garbagecollector"
	"github.com/ownkube/ownkube/components/controllers/job"
	"github.com/ownkube/ownkube/components/controllers/namespace"
	"github.com/ownkube/ownkube/components/controllers/nodelifecycle"
	"github.com/ownkube/ownkube/components/controllers/replicaset"
	"github.com/ownkube/ownkube/components/controllers/serviceaccount"
	"github.com/ownkube/ownkube/components/controllers/statefulset"
)

// constructor builds one controller from the manager's context; it registers
// the controller's informers and event handlers, and must not start anything.
type constructor func(*controller.Context) (controller.Controller, error)

// registry is every controller the manager knows, by the name
// --controllers uses, in start order.
var registry = []struct {
	Name string
	New  constructor
}{
	{Name: replicaset.Name, New: replicaset.New},
	{Name: deployment.Name, New: deployment.New},
	{Name: "nodelifecycle", New: nodelifecycle.New},
	{Name: "job", New: job.New},
	{Name: cronjob.Name, New: cronjob.New},
	{Name: "daemonset", New: daemonset.New},
	{Name: statefulset.Name, New: statefulset.New},
	{Name: garbagecollector.Name, New: garbagecollector.New},
	{Name: namespace.Name, New: namespace.New},
	{Name: endpoints.Name, New: endpoints.New},
	{Name: endpointslice.Name, New: endpointslice.New},
	{Name: serviceaccount.Name, New: serviceaccount.New},
	{Name: disruption.Name, New: disruption.New},
}

// Names lists the controllers the manager knows, in start order.
func Names() []string {
	names := make([]string, len(registry))
	for i, r := range registry {
		names[i] = r.Name
	}
	return names
}
