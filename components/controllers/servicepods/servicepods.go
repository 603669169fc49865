// Package servicepods holds what the Endpoints and EndpointSlice controllers
// share around the learner's core: which Services a pod event concerns, and
// a Service's selected pods turned into Endpoints.
package servicepods

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/controllers/endpoints/core"
	"github.com/ownkube/ownkube/components/controllers/endpoints/endpointstate"
	"github.com/ownkube/ownkube/components/kit/exercise"
)

// PodHandlers returns pod event handlers that enqueue (through enqueue, a
// "namespace/name" key) every Service with a selector whose selector matches
// the pod, before or after the change.
func PodHandlers(services corelisters.ServiceLister, enqueue func(key string)) cache.ResourceEventHandlerFuncs {
	touch := func(pods ...*corev1.Pod) {
		if len(pods) == 0 {
			return
		}
		svcs, err := services.Services(pods[0].Namespace).List(labels.Everything())
		if err != nil {
			return // a lister of the cache never fails
		}
		for _, svc := range svcs {
			if svc.Spec.Selector == nil {
				continue
			}
			sel := labels.Set(svc.Spec.Selector).AsSelectorPreValidated()
			for _, pod := range pods {
				if sel.Matches(labels.Set(pod.Labels)) {
					enqueue(svc.Namespace + "/" + svc.Name)
					break
				}
			}
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if pod, ok := obj.(*corev1.Pod); ok {
				touch(pod)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			oldPod, ok1 := oldObj.(*corev1.Pod)
			newPod, ok2 := newObj.(*corev1.Pod)
			if ok1 && ok2 && oldPod.ResourceVersion != newPod.ResourceVersion {
				touch(newPod, oldPod)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				touch(pod)
			}
		},
	}
}

// Endpoints lists the pods svc selects and asks the core which of them back
// it, and how.
func Endpoints(pods corelisters.PodLister, svc *corev1.Service, includeTerminating bool) ([]endpointstate.Endpoint, error) {
	selected, err := pods.Pods(svc.Namespace).List(labels.Set(svc.Spec.Selector).AsSelectorPreValidated())
	if err != nil {
		return nil, fmt.Errorf("list pods of service %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	eps, err := coreEndpoints(svc, selected, includeTerminating)
	if err != nil {
		return nil, fmt.Errorf("endpoints of service %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	return eps, nil
}

// coreEndpoints calls the learner's core, turning its panic (a stub of a
// helper, a bug) into an error of this sync, not a crashed controller-manager.
func coreEndpoints(svc *corev1.Service, pods []*corev1.Pod, includeTerminating bool) (eps []endpointstate.Endpoint, err error) {
	defer func() {
		if p := recover(); p != nil {
			eps, err = nil, fmt.Errorf("core.Endpoints: %w", exercise.Recovered(p))
		}
	}()
	return core.Endpoints(svc, pods, includeTerminating)
}

// PortKey names a set of resolved ports, to group endpoints that share it.
func PortKey(ports []endpointstate.Port) string {
	return fmt.Sprint(ports)
}
