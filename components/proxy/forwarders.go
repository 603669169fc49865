package proxy

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/controllers/controller"
)

// labelSpec on a forwarder is the hash of what it was started with; a
// forwarder whose hash differs from its Service's is replaced.
const labelSpec = "ownkube.io/forwarder-spec"

// resyncPeriod is how often the leader compares the forwarders with the
// Services even when nothing changed, to put back one removed by hand.
const resyncPeriod = 30 * time.Second

// forwarders keeps one forwarder container per Service with a cluster IP.
type forwarders struct {
	cfg      Config
	docker   *client.Client
	services corelisters.ServiceLister
	loop     *controller.Loop
	log      *slog.Logger
}

func newForwarders(cfg Config, docker *client.Client, factory informers.SharedInformerFactory, log *slog.Logger) (*forwarders, error) {
	svcInf := factory.Core().V1().Services()
	f := &forwarders{cfg: cfg, docker: docker, services: svcInf.Lister(), log: log.With("job", "forwarders")}
	f.loop = controller.NewLoop("forwarders", f.sync, log, svcInf.Informer().HasSynced)
	if _, err := svcInf.Informer().AddEventHandler(allHandlers(f.loop)); err != nil {
		return nil, fmt.Errorf("proxy: watch services: %w", err)
	}
	return f, nil
}

func (f *forwarders) run(ctx context.Context) error {
	f.loop.EnqueueKey(allKey)
	return f.loop.Run(ctx, 1)
}

// forwarderSpec is one wanted forwarder.
type forwarderSpec struct {
	name, namespace, service, ip string
	args                         []string
	hash                         string
}

// sync removes the forwarders no Service wants (or wants otherwise), then
// starts the missing ones: removals first, since a new Service may reuse a
// deleted one's IP.
func (f *forwarders) sync(ctx context.Context, _ string) error {
	want, err := f.wanted()
	if err != nil {
		return err
	}
	have, err := f.docker.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", cluster.LabelCluster+"="+f.cfg.Cluster),
		filters.Arg("label", cluster.LabelComponent+"="+cluster.Forwarder))})
	if err != nil {
		return fmt.Errorf("list forwarders: %w", err)
	}
	running := map[string]bool{}
	var errs []error
	for _, c := range have {
		name := strings.TrimPrefix(firstOr(c.Names), "/")
		w, ok := want[name]
		if ok && w.hash == c.Labels[labelSpec] && c.State == container.StateRunning {
			running[name] = true
			continue
		}
		if err := f.docker.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove forwarder %s: %w", name, err))
			continue
		}
		f.log.Info("removed forwarder", "container", name)
	}
	for name, w := range want {
		if !running[name] {
			errs = append(errs, f.start(ctx, w))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return controller.RequeueAfter(resyncPeriod)
}

// wanted is the forwarder of every Service with a cluster IP and a TCP
// port, by container name.
func (f *forwarders) wanted() (map[string]forwarderSpec, error) {
	svcs, err := f.services.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	want := map[string]forwarderSpec{}
	for _, svc := range svcs {
		if w, ok := f.specFor(svc); ok {
			want[w.name] = w
		}
	}
	return want, nil
}

func (f *forwarders) specFor(svc *corev1.Service) (forwarderSpec, bool) {
	ip := svc.Spec.ClusterIP
	if ip == "" || ip == corev1.ClusterIPNone || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return forwarderSpec{}, false
	}
	args := []string{"-api", f.cfg.APIServerURL, "-namespace", svc.Namespace, "-service", svc.Name}
	if f.cfg.APITLS != nil {
		args = append(args, "-ca-file", forwarderCA, "-cert-file", forwarderCert, "-key-file", forwarderKey)
	}
	ports := 0
	for _, p := range svc.Spec.Ports {
		if p.Protocol == "" || p.Protocol == corev1.ProtocolTCP {
			args = append(args, "-port", fmt.Sprintf("%d:%s", p.Port, p.Name))
			ports++
		}
	}
	if ports == 0 {
		return forwarderSpec{}, false
	}
	if a := affinityOf(svc); a > 0 {
		args = append(args, "-affinity", (time.Duration(a) * time.Second).String())
	}
	sum := sha256.Sum256([]byte(strings.Join(append([]string{ip, f.cfg.ForwarderImage, string(svc.UID)}, args...), "\x00")))
	return forwarderSpec{
		name:      fmt.Sprintf("%s-svc-%s-%s", f.cfg.Cluster, svc.Namespace, svc.Name),
		namespace: svc.Namespace, service: svc.Name, ip: ip, args: args,
		hash: hex.EncodeToString(sum[:8]),
	}, true
}

// start creates and starts w's container on the cluster network at its
// cluster IP.
func (f *forwarders) start(ctx context.Context, w forwarderSpec) error {
	l := cluster.Labels(f.cfg.Cluster, cluster.Forwarder)
	l[cluster.LabelServiceNamespace], l[cluster.LabelServiceName], l[labelSpec] = w.namespace, w.service, w.hash
	created, err := f.docker.ContainerCreate(ctx,
		&container.Config{Image: f.cfg.ForwarderImage, Cmd: w.args, Labels: l},
		&container.HostConfig{
			NetworkMode:   container.NetworkMode(f.cfg.Network),
			RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
		},
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			f.cfg.Network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: w.ip}},
		}},
		nil, w.name)
	if err != nil {
		return fmt.Errorf("create forwarder %s at %s: %w", w.name, w.ip, err)
	}
	if err := f.copyTLSFiles(ctx, created.ID); err != nil {
		_ = f.docker.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true})
		return fmt.Errorf("copy the API's TLS files into forwarder %s: %w", w.name, err)
	}
	if err := f.docker.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		_ = f.docker.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true})
		return fmt.Errorf("start forwarder %s at %s: %w", w.name, w.ip, err)
	}
	f.log.Info("started forwarder", "container", w.name, "ip", w.ip, "service", w.namespace+"/"+w.service)
	return nil
}

// Where a forwarder finds the proxy's TLS files (Config.APITLS).
const (
	forwarderCA   = "/etc/ownkube/ca.crt"
	forwarderCert = "/etc/ownkube/client.crt"
	forwarderKey  = "/etc/ownkube/client.key"
)

// copyTLSFiles puts Config.APITLS into the created container id, before
// it starts: its image is scratch, with no shell to receive them otherwise.
func (f *forwarders) copyTLSFiles(ctx context.Context, id string) error {
	t := f.cfg.APITLS
	if t == nil {
		return nil
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, file := range []struct {
		path string
		data []byte
		mode int64
	}{{forwarderCA, t.CA, 0o644}, {forwarderCert, t.Cert, 0o644}, {forwarderKey, t.Key, 0o600}} {
		if err := tw.WriteHeader(&tar.Header{Name: file.path, Mode: file.mode, Size: int64(len(file.data))}); err != nil {
			return err
		}
		if _, err := tw.Write(file.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.docker.CopyToContainer(ctx, id, "/", &buf, container.CopyToContainerOptions{})
}

func firstOr(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}
