package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// prober runs the readiness and liveness probes of running containers, one
// worker per probe, and keeps their last results. A change of result
// queues the pod, so its status or its container follow.
type prober struct {
	log     *slog.Logger
	enqueue func(key string)

	mu      sync.Mutex
	workers map[probeKey]*probeWorker
}

type probeKind string

const (
	readiness probeKind = "readiness"
	liveness  probeKind = "liveness"
)

// probeKey names one probe of one container attempt: a restarted container
// gets new workers, and starts not ready.
type probeKey struct {
	pod         types.UID
	containerID string
	kind        probeKind
}

type probeWorker struct {
	cancel context.CancelFunc
	name   string // the container's name
	ok     bool   // readiness: passing; liveness: not yet failed
}

func newProber(log *slog.Logger, enqueue func(string)) *prober {
	return &prober{log: log, enqueue: enqueue, workers: map[probeKey]*probeWorker{}}
}

// results gives the pod's probe results as the core wants them: a running
// container with no readiness probe counts as ready.
func (p *prober) results(pod *corev1.Pod, observed podstate.Pod) podstate.Probes {
	out := podstate.Probes{Ready: map[string]bool{}, LivenessFailed: map[string]bool{}}
	if pod == nil {
		return out
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range pod.Spec.Containers {
		latest := observed.Latest(c.Name)
		if latest == nil || latest.State != podstate.Running {
			continue
		}
		out.Ready[c.Name] = c.ReadinessProbe == nil
		if w := p.workers[probeKey{pod.UID, latest.ID, readiness}]; w != nil {
			out.Ready[c.Name] = w.ok
		}
		if w := p.workers[probeKey{pod.UID, latest.ID, liveness}]; w != nil && !w.ok {
			out.LivenessFailed[c.Name] = true
		}
	}
	return out
}

// update starts the workers of the pod's running containers' probes and
// stops those of containers that no longer run.
func (p *prober) update(key string, pod *corev1.Pod, observed podstate.Pod) {
	want := map[probeKey]*corev1.Probe{}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		latest := observed.Latest(c.Name)
		if latest == nil || latest.State != podstate.Running {
			continue
		}
		if c.ReadinessProbe != nil {
			want[probeKey{pod.UID, latest.ID, readiness}] = c.ReadinessProbe
		}
		if c.LivenessProbe != nil {
			want[probeKey{pod.UID, latest.ID, liveness}] = c.LivenessProbe
		}
	}
	ip := ""
	if sb := observed.Sandbox(); sb != nil {
		ip = sb.IP
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, w := range p.workers {
		if _, ok := want[k]; !ok && k.pod == pod.UID {
			w.cancel()
			delete(p.workers, k)
		}
	}
	for k, probe := range want {
		if _, running := p.workers[k]; !running {
			p.start(key, k, containerNamed(pod, nameOf(observed, k.containerID)), probe, ip)
		}
	}
}

func nameOf(observed podstate.Pod, id string) string {
	for _, c := range observed.Containers {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// start runs one probe worker; p.mu is held.
func (p *prober) start(podKey string, k probeKey, c *corev1.Container, probe *corev1.Probe, ip string) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &probeWorker{cancel: cancel, name: c.Name, ok: k.kind == liveness}
	p.workers[k] = w
	go p.run(ctx, podKey, k, w, c, probe, ip)
}

// run probes every periodSeconds after initialDelaySeconds; the result
// flips after successThreshold successes or failureThreshold failures.
func (p *prober) run(ctx context.Context, podKey string, k probeKey, w *probeWorker, c *corev1.Container, probe *corev1.Probe, ip string) {
	if !sleep(ctx, seconds(probe.InitialDelaySeconds)) {
		return
	}
	successes, failures := 0, 0
	for {
		err := check(ctx, probe, c, ip)
		if err == nil {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
		}
		switch {
		case err == nil && successes >= int(max(probe.SuccessThreshold, 1)):
			p.set(podKey, w, true)
		case err != nil && failures >= int(max(probe.FailureThreshold, 1)):
			p.log.Info("probe failed", "pod", podKey, "container", c.Name, "probe", k.kind, "err", err)
			p.set(podKey, w, false)
		}
		if !sleep(ctx, seconds(max(probe.PeriodSeconds, 1))) {
			return
		}
	}
}

func (p *prober) set(podKey string, w *probeWorker, ok bool) {
	p.mu.Lock()
	changed := w.ok != ok
	w.ok = ok
	p.mu.Unlock()
	if changed {
		p.enqueue(podKey)
	}
}

// forget stops every worker of a pod that is gone.
func (p *prober) forget(uid types.UID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, w := range p.workers {
		if k.pod == uid {
			w.cancel()
			delete(p.workers, k)
		}
	}
}

func (p *prober) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, w := range p.workers {
		w.cancel()
		delete(p.workers, k)
	}
}

// check runs a probe once against the pod's IP.
func check(ctx context.Context, probe *corev1.Probe, c *corev1.Container, ip string) error {
	ctx, cancel := context.WithTimeout(ctx, seconds(max(probe.TimeoutSeconds, 1)))
	defer cancel()
	switch {
	case probe.HTTPGet != nil:
		port, err := resolvePort(probe.HTTPGet.Port, c)
		if err != nil {
			return err
		}
		return checkHTTP(ctx, fmt.Sprintf("http://%s%s", net.JoinHostPort(ip, strconv.Itoa(port)), probe.HTTPGet.Path))
	case probe.TCPSocket != nil:
		port, err := resolvePort(probe.TCPSocket.Port, c)
		if err != nil {
			return err
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			return err
		}
		return conn.Close()
	}
	return nil // exec and gRPC probes are not run here: scratch images have no shell
}

func checkHTTP(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/1.37")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return nil
}

// resolvePort turns a probe's port, a number or a container port's name, into a number.
func resolvePort(port intstr.IntOrString, c *corev1.Container) (int, error) {
	if port.Type == intstr.Int {
		return port.IntValue(), nil
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("container %s has no port named %q", c.Name, port.StrVal)
}

func seconds(s int32) time.Duration { return time.Duration(s) * time.Second }

// sleep waits d unless ctx ends first; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
