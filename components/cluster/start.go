package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// startAll starts cfg's components at once and returns the URL each is
// published at. The first failure cancels the others.
func startAll(ctx context.Context, docker *client.Client, cfg Config, plan addressPlan, p *progress) (map[string]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		urls     = map[string]string{}
		firstErr error
	)
	for _, name := range cfg.Components {
		comp, err := lookupComponent(name)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			title := "Starting " + comp.Name
			start := time.Now()
			url, err := startComponent(ctx, docker, cfg, plan, comp, containerName(cfg.Name, comp.Name))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				urls[comp.Name] = url
				p.done(title, time.Since(start))
			case firstErr == nil:
				firstErr = err
				p.fail(title)
				cancel()
			}
		})
	}
	for i := 1; i <= cfg.Nodes; i++ {
		wg.Go(func() {
			title := "Starting node " + nodeName(cfg.Name, i)
			start := time.Now()
			err := startNode(ctx, cfg, plan, i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				p.done(title, time.Since(start))
			case firstErr == nil:
				firstErr = err
				p.fail(title)
				cancel()
			}
		})
	}
	wg.Wait()
	return urls, firstErr
}

// startComponent starts comp's container on the cluster network, published
// on 127.0.0.1, and waits until it answers ready over HTTP (a scratch image
// has no shell to exec a check in). name is its container's name.
func startComponent(ctx context.Context, docker *client.Client, cfg Config, plan addressPlan, comp component, name string) (string, error) {
	port := nat.Port(fmt.Sprintf("%d/tcp", comp.Port))
	netName := networkName(cfg.Name)
	tmpfs, mounts, err := dataMounts(ctx, docker, cfg, comp, name)
	if err != nil {
		return "", err
	}
	files, err := componentFiles(cfg, plan, comp.Name)
	if err != nil {
		return "", fmt.Errorf("start %s: %w", comp.Name, err)
	}
	ready, err := readyStrategy(cfg, comp, port)
	if err != nil {
		return "", fmt.Errorf("start %s: %w", comp.Name, err)
	}
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          cfg.imageOf(comp.Name),
			Name:           name,
			Cmd:            comp.Args(cfg, plan),
			Labels:         Labels(cfg.Name, comp.Name),
			Networks:       []string{netName},
			NetworkAliases: map[string][]string{netName: {comp.Name}},
			ExposedPorts:   []string{string(port)},
			Tmpfs:          tmpfs,
			Env:            containerEnv(nil),
			Files:          files,
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.NetworkMode = container.NetworkMode(netName)
				hc.Mounts = append(hc.Mounts, mounts...)
				hc.PortBindings = nat.PortMap{port: {{HostIP: "127.0.0.1", HostPort: comp.hostPort(cfg)}}}
			},
			WaitingFor: ready,
		},
		Started: true,
		Logger:  log.New(io.Discard, "", 0),
	}
	if comp.FixedIP != nil {
		ip := comp.FixedIP(plan).String()
		req.EndpointSettingsModifier = func(eps map[string]*network.EndpointSettings) {
			if ep := eps[netName]; ep != nil {
				ep.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: ip}
			}
		}
	}
	// On failure testcontainers may return the container beside the error;
	// Up removes it with everything else labelled with the cluster.
	ctr, err := testcontainers.GenericContainer(ctx, req)
	if err != nil {
		return "", startError(ctx, docker, cfg, comp, name, err)
	}
	mapped, err := ctr.MappedPort(ctx, port)
	if err != nil {
		return "", fmt.Errorf("start %s: published port: %w", comp.Name, err)
	}
	return comp.scheme() + "://127.0.0.1:" + mapped.Port(), nil
}

// scheme is how comp is reached: https for a component that serves TLS.
func (c component) scheme() string {
	if c.TLS {
		return "https"
	}
	return "http"
}

// readyStrategy awaits comp's ready path; over TLS for a component that
// serves it, trusting the cluster's CA only (its certificate names
// localhost, whatever address testcontainers dials).
func readyStrategy(cfg Config, comp component, port nat.Port) (*wait.HTTPStrategy, error) {
	strategy := wait.ForHTTP(comp.Ready).WithPort(port).WithStartupTimeout(cfg.StartupTimeout)
	if !comp.TLS {
		return strategy, nil
	}
	ca, err := loadCA(cfg.Name)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return strategy.WithTLS(true, &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}), nil
}

// dataMounts gives comp's DataDir a tmpfs, with Config.EtcdEphemeral, or
// else a volume labelled with the cluster, so Down removes it with the rest.
func dataMounts(ctx context.Context, docker *client.Client, cfg Config, comp component, name string) (map[string]string, []mount.Mount, error) {
	switch {
	case comp.DataDir == "":
		return nil, nil, nil
	case cfg.EtcdEphemeral:
		return map[string]string{comp.DataDir: "rw"}, nil, nil
	}
	vol, err := docker.VolumeCreate(ctx, volume.CreateOptions{Name: name + "-data", Labels: Labels(cfg.Name, comp.Name)})
	if err != nil {
		return nil, nil, fmt.Errorf("create the data volume of %s: %w", comp.Name, err)
	}
	return nil, []mount.Mount{{Type: mount.TypeVolume, Source: vol.Name, Target: comp.DataDir}}, nil
}

// startError says why comp did not start, in words a user can act on, with
// the last lines the container logged.
func startError(ctx context.Context, docker *client.Client, cfg Config, comp component, name string, err error) error {
	msg := err.Error()
	if cfg.APIServerPort != 0 && comp.Name == APIServer &&
		(strings.Contains(msg, "address already in use") || strings.Contains(msg, "port is already allocated")) {
		return portInUse(cfg.APIServerPort)
	}
	reason := rootCause(err).Error()
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		reason = fmt.Sprintf("not ready within %s (GET %s on port %d did not answer 200)", cfg.StartupTimeout, comp.Ready, comp.Port)
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		reason = "interrupted"
	}
	logs := lastLogLines(docker, name, 20)
	if logs == "" {
		return fmt.Errorf("start %s: %s", comp.Name, reason)
	}
	return fmt.Errorf("start %s: %s; its last log lines:\n%s", comp.Name, reason, logs)
}

// rootCause is the innermost of err's chain: testcontainers wraps the reason
// in several layers of "create container: start container: …".
func rootCause(err error) error {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}

// lastLogLines returns the last n lines name logged, indented, or "".
func lastLogLines(docker *client.Client, name string, n int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rc, err := docker.ContainerLogs(ctx, name, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(n),
	})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil && buf.Len() == 0 {
		return ""
	}
	text := strings.TrimRight(buf.String(), "\n")
	if text == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(text, "\n", "\n    ")
}

// progress prints one line per step, kind-style: " ✓ Starting etcd (0.6s)".
type progress struct {
	mu sync.Mutex
	w  io.Writer
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

// step runs fn and reports it under title.
func (p *progress) step(title string, fn func() error) error {
	start := time.Now()
	if err := fn(); err != nil {
		p.fail(title)
		return err
	}
	p.done(title, time.Since(start))
	return nil
}

func (p *progress) done(title string, took time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, " ✓ %s (%.1fs)\n", title, took.Seconds())
}

func (p *progress) fail(title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, " ✗ %s\n", title)
}
