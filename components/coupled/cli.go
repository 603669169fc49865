package coupled

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubelet"
)

// Config configures a CLI run. Zero values take the defaults noted.
type Config struct {
	// Cluster is the cluster whose nodes the CLI drives (default "ownkube").
	Cluster string
	// Namespace is the namespace of the pods named (default "default").
	Namespace string
	// Image is the ownkube image `node create` runs (default "ownkube:solutions").
	Image string
	// Etcd, when set, is the URL of the etcd that keeps the CLI's records
	// (stage 2); empty, the nodes are the only truth (stage 1).
	Etcd string
	// Timeout bounds each push and delete on a node (default 60s).
	Timeout time.Duration
	// BackoffBase and BackoffCap tune the restarts of a created node's
	// crashed containers (zero: the kubelet's defaults).
	BackoffBase, BackoffCap time.Duration
	Out, ErrOut             io.Writer
}

// CLI does what `ownkube node` and `ownkube pod` say.
type CLI struct {
	cfg     Config
	records *Records // nil in stage 1
	now     func() time.Time
}

// New checks cfg and, with Etcd, connects to it; Close undoes that.
func New(ctx context.Context, cfg Config) (*CLI, error) {
	if cfg.Cluster == "" {
		cfg.Cluster = cluster.DefaultName
	}
	if cfg.Namespace == "" {
		cfg.Namespace = metav1.NamespaceDefault
	}
	if errs := validation.IsDNS1123Label(cfg.Namespace); len(errs) > 0 {
		return nil, fmt.Errorf("namespace %q is not valid: %s", cfg.Namespace, strings.Join(errs, "; "))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = kubelet.DefaultPushTimeout
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.ErrOut == nil {
		cfg.ErrOut = io.Discard
	}
	c := &CLI{cfg: cfg, now: time.Now}
	if cfg.Etcd != "" {
		r, err := OpenRecords(ctx, cfg.Etcd)
		if err != nil {
			return nil, err
		}
		c.records = r
	}
	return c, nil
}

// Close releases the etcd connection, if any.
func (c *CLI) Close() error {
	if c.records == nil {
		return nil
	}
	return c.records.Close()
}

// ReadPod reads the pod of a manifest (JSON or YAML), checks it as the node
// will (so a bad one changes nothing anywhere) and gives it namespace
// unless the manifest names one, which must then be namespace or empty.
func ReadPod(data []byte, source, namespace string, namespaceGiven bool) (*corev1.Pod, error) {
	var meta struct {
		Kind     string            `json:"kind"`
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("%s is not a pod manifest in YAML or JSON: %w", source, err)
	}
	if meta.Kind != "" && meta.Kind != "Pod" {
		return nil, fmt.Errorf("%s holds a %s: `ownkube pod create` takes one Pod", source, meta.Kind)
	}
	if meta.Metadata.Name == "" {
		return nil, fmt.Errorf("%s has no metadata.name: give the pod a name", source)
	}
	ns := meta.Metadata.Namespace
	switch {
	case ns == "":
		ns = namespace
	case namespaceGiven && ns != namespace:
		return nil, fmt.Errorf("%s says namespace %s, but -n says %s: drop one of them", source, ns, namespace)
	}
	pod, err := kubelet.DecodePod(data, ns, meta.Metadata.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", source, statusMessage(err))
	}
	return pod, nil
}

// NodeCreate starts push node name and, in stage 2, records it.
func (c *CLI) NodeCreate(ctx context.Context, name string) error {
	if c.records != nil {
		if _, err := c.records.CreateNode(ctx, nodeRecord(name, c.now())); err != nil {
			return fmt.Errorf("record node %s: %s", name, message(err))
		}
	}
	n, err := cluster.StartPushNode(ctx, cluster.PushNodeConfig{Cluster: c.cfg.Cluster, Name: name, Image: c.cfg.Image,
		BackoffBase: c.cfg.BackoffBase, BackoffCap: c.cfg.BackoffCap})
	if err != nil {
		if c.records != nil {
			if derr := c.records.DeleteNode(context.WithoutCancel(ctx), name); derr != nil {
				err = errors.Join(err, fmt.Errorf("remove the record of node %s: %w", name, derr))
			}
		}
		return err
	}
	fmt.Fprintf(c.cfg.Out, "node/%s created (pods at %s)\n", n.Name, n.URL)
	return nil
}

// nodeRecord is the Node the CLI records for a push node.
func nodeRecord(name string, now time.Time) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: uuid.NewUUID(), CreationTimestamp: metav1.Time{Time: now},
			Labels: map[string]string{corev1.LabelHostname: name}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
			Reason: "KubeletReady", Message: "push node created by the ownkube CLI", LastTransitionTime: metav1.Time{Time: now}}}},
	}
}

// NodeList prints the nodes: in stage 1 as Docker runs them, in stage 2 as
// etcd records them (with what Docker says of each beside).
func (c *CLI) NodeList(ctx context.Context) error {
	running, err := cluster.PushNodes(ctx, c.cfg.Cluster)
	if err != nil {
		return err
	}
	byName := map[string]cluster.PushNode{}
	for _, n := range running {
		byName[n.Name] = n
	}
	var rows []nodeRow
	if c.records == nil {
		for _, n := range running {
			rows = append(rows, nodeRow{name: n.Name, status: nodeStatus(n, true), endpoint: n.URL, created: n.Created})
		}
	} else {
		nodes, err := c.records.ListNodes(ctx)
		if err != nil {
			return fmt.Errorf("list nodes: %s", message(err))
		}
		for _, rec := range nodes {
			n, ok := byName[rec.Name]
			rows = append(rows, nodeRow{name: rec.Name, status: nodeStatus(n, ok), endpoint: n.URL, created: rec.CreationTimestamp.Time})
		}
	}
	if len(rows) == 0 {
		fmt.Fprintf(c.cfg.ErrOut, "No nodes in cluster %s: create one with `ownkube node create NAME`.\n", c.cfg.Cluster)
		return nil
	}
	return printNodes(c.cfg.Out, rows, c.now())
}

func nodeStatus(n cluster.PushNode, exists bool) string {
	switch {
	case !exists:
		return "NotReady (no container)"
	case n.URL == "":
		return "NotReady (container " + n.State + ")"
	}
	return "Ready"
}

// NodeDelete removes push node name, its pods' containers and, in stage 2,
// its record and those of its pods.
func (c *CLI) NodeDelete(ctx context.Context, name string) error {
	err := cluster.RemovePushNode(ctx, c.cfg.Cluster, name)
	if c.records == nil {
		if err != nil {
			return err
		}
		fmt.Fprintf(c.cfg.Out, "node/%s deleted\n", name)
		return nil
	}
	if err != nil && !errors.Is(err, cluster.ErrNoNode) {
		return err
	}
	if rerr := c.forgetNode(ctx, name); rerr != nil {
		if err != nil && isNotFound(rerr) {
			return err // neither a container nor a record: say so as stage 1 does
		}
		return rerr
	}
	fmt.Fprintf(c.cfg.Out, "node/%s deleted\n", name)
	return nil
}

// forgetNode removes the records of node name and of the pods it ran.
func (c *CLI) forgetNode(ctx context.Context, name string) error {
	pods, err := c.records.ListPods(ctx, "")
	if err != nil {
		return fmt.Errorf("list pods: %s", message(err))
	}
	for _, p := range pods {
		if p.Spec.NodeName != name {
			continue
		}
		if err := c.records.DeletePod(ctx, p.Namespace, p.Name); err != nil && !isNotFound(err) {
			return fmt.Errorf("remove the record of pod %s/%s: %s", p.Namespace, p.Name, message(err))
		}
	}
	return c.records.DeleteNode(ctx, name)
}

// node returns a client of push node name, or says how to create it.
func (c *CLI) node(ctx context.Context, name string) (*NodeClient, error) {
	n, err := cluster.GetPushNode(ctx, c.cfg.Cluster, name)
	if err != nil {
		return nil, err
	}
	if n.URL == "" {
		return nil, fmt.Errorf("node %s is not running (its container is %s): run `ownkube node delete %s` and create it again", name, n.State, name)
	}
	return NewNodeClient(name, n.URL), nil
}
