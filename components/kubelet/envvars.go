package kubelet

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// serviceEnv is the environment that tells a pod's containers about
// services, as Kubernetes' kubelet makes it (pkg/kubelet/envvars): for each
// Service with a cluster IP, <NAME>_SERVICE_HOST, <NAME>_SERVICE_PORT (its
// first port), <NAME>_SERVICE_PORT_<PORTNAME> for each named port, and the
// Docker-link variables <NAME>_PORT and <NAME>_PORT_<port>_<PROTO>{,_PROTO,
// _PORT,_ADDR}. NAME is the Service's name upper-cased, '-' made '_'.
// Headless and ExternalName Services have no cluster IP and get none.
// Services are taken in name order.
func serviceEnv(services []*corev1.Service) []corev1.EnvVar {
	services = slices.Clone(services)
	slices.SortFunc(services, func(a, b *corev1.Service) int { return strings.Compare(a.Name, b.Name) })
	var env []corev1.EnvVar
	for _, svc := range services {
		ip := svc.Spec.ClusterIP
		if ip == "" || ip == corev1.ClusterIPNone || len(svc.Spec.Ports) == 0 {
			continue
		}
		prefix := envName(svc.Name)
		env = append(env,
			corev1.EnvVar{Name: prefix + "_SERVICE_HOST", Value: ip},
			corev1.EnvVar{Name: prefix + "_SERVICE_PORT", Value: strconv.Itoa(int(svc.Spec.Ports[0].Port))})
		for _, p := range svc.Spec.Ports {
			if p.Name != "" {
				env = append(env, corev1.EnvVar{Name: prefix + "_SERVICE_PORT_" + envName(p.Name), Value: strconv.Itoa(int(p.Port))})
			}
		}
		env = append(env, linkEnv(prefix, ip, svc.Spec.Ports)...)
	}
	return env
}

// linkEnv are the variables Docker's links set, which Kubernetes keeps.
func linkEnv(prefix, ip string, ports []corev1.ServicePort) []corev1.EnvVar {
	var env []corev1.EnvVar
	for i, p := range ports {
		proto := string(p.Protocol)
		if proto == "" {
			proto = string(corev1.ProtocolTCP)
		}
		lower := strings.ToLower(proto)
		url := lower + "://" + net.JoinHostPort(ip, strconv.Itoa(int(p.Port)))
		if i == 0 {
			env = append(env, corev1.EnvVar{Name: prefix + "_PORT", Value: url})
		}
		pp := fmt.Sprintf("%s_PORT_%d_%s", prefix, p.Port, strings.ToUpper(proto))
		env = append(env,
			corev1.EnvVar{Name: pp, Value: url},
			corev1.EnvVar{Name: pp + "_PROTO", Value: lower},
			corev1.EnvVar{Name: pp + "_PORT", Value: strconv.Itoa(int(p.Port))},
			corev1.EnvVar{Name: pp + "_ADDR", Value: ip})
	}
	return env
}

func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// podServices are the Services whose variables pod gets: those of its
// namespace if enableServiceLinks is on (the default), and always the API
// server's own, default/kubernetes, as in Kubernetes.
func podServices(pod *corev1.Pod, all []*corev1.Service) []*corev1.Service {
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	byName := map[string]*corev1.Service{}
	for _, svc := range all {
		if svc.Namespace == "default" && svc.Name == "kubernetes" && byName[svc.Name] == nil {
			byName[svc.Name] = svc
		}
		if links && svc.Namespace == pod.Namespace {
			byName[svc.Name] = svc // the pod's own namespace wins a clash
		}
	}
	out := make([]*corev1.Service, 0, len(byName))
	for _, svc := range byName {
		out = append(out, svc)
	}
	return out
}

// withServiceEnv appends to a container's env the service variables it
// does not define itself.
func withServiceEnv(env, services []corev1.EnvVar) []corev1.EnvVar {
	for _, s := range services {
		if !slices.ContainsFunc(env, func(e corev1.EnvVar) bool { return e.Name == s.Name }) {
			env = append(env, s)
		}
	}
	return env
}
