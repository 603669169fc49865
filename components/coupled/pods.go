package coupled

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/ownkube/ownkube/components/cluster"
)

// PodCreate runs pod on node: in stage 2 it records the pod first (failing
// if the name is taken), pushes it, then records the status the node
// answered with, by compare-and-swap. It prints the pod's table line.
func (c *CLI) PodCreate(ctx context.Context, pod *corev1.Pod, node string) error {
	nc, err := c.node(ctx, node)
	if err != nil {
		return err
	}
	if c.records != nil {
		if pod, err = c.recordNew(ctx, pod, node); err != nil {
			return err
		}
	}
	got, err := nc.Put(ctx, pod, c.cfg.Timeout)
	if err != nil {
		err = fmt.Errorf("node %s did not run pod %s: %s", node, pod.Name, message(err))
		if c.records != nil { // it never ran: free the name again
			if derr := c.records.DeletePod(context.WithoutCancel(ctx), pod.Namespace, pod.Name); derr != nil && !isNotFound(derr) {
				err = errors.Join(err, fmt.Errorf("remove the record of pod %s: %s", pod.Name, message(derr)))
			}
		}
		return err
	}
	if c.records != nil {
		if got, err = c.recordStatus(ctx, got); err != nil {
			return err
		}
	}
	return printPods(c.cfg.Out, []corev1.Pod{*got}, c.now())
}

// recordNew records pod as bound to node, Pending, with the UID the node
// will run it under.
func (c *CLI) recordNew(ctx context.Context, pod *corev1.Pod, node string) (*corev1.Pod, error) {
	pod = pod.DeepCopy()
	pod.UID = uuid.NewUUID()
	pod.CreationTimestamp = metav1.Time{Time: c.now()}
	pod.Spec.NodeName = node
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	rec, err := c.records.CreatePod(ctx, pod)
	if apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("pod %s already exists in namespace %s: delete it first (`ownkube pod delete %s`) or choose another name",
			pod.Name, pod.Namespace, pod.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("record pod %s: %s", pod.Name, message(err))
	}
	return rec, nil
}

// recordStatus writes the status the node answered with into the pod's
// record, unless the record is now of another pod (deleted and created
// again meanwhile).
func (c *CLI) recordStatus(ctx context.Context, got *corev1.Pod) (*corev1.Pod, error) {
	rec, err := c.records.UpdatePod(ctx, got.Namespace, got.Name, func(p *corev1.Pod) error {
		if p.UID != got.UID {
			return fmt.Errorf("pod %s was replaced while it started", got.Name)
		}
		p.Status = got.Status
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record the status of pod %s: %s", got.Name, message(err))
	}
	return rec, nil
}

// PodList prints the pods of the namespace: in stage 1 by asking every
// node, in stage 2 from their records.
func (c *CLI) PodList(ctx context.Context) error {
	pods, err := c.listPods(ctx)
	if err != nil {
		return err
	}
	if len(pods) == 0 {
		fmt.Fprintf(c.cfg.ErrOut, "No pods found in %s namespace.\n", c.cfg.Namespace)
		return nil
	}
	return printPods(c.cfg.Out, pods, c.now())
}

func (c *CLI) listPods(ctx context.Context) ([]corev1.Pod, error) {
	if c.records != nil {
		pods, err := c.records.ListPods(ctx, c.cfg.Namespace)
		if err != nil {
			return nil, fmt.Errorf("list pods: %s", message(err))
		}
		return pods, nil
	}
	nodes, err := cluster.PushNodes(ctx, c.cfg.Cluster)
	if err != nil {
		return nil, err
	}
	var pods []corev1.Pod
	for _, n := range nodes {
		if n.URL == "" {
			fmt.Fprintf(c.cfg.ErrOut, "Warning: node %s is not running (%s): its pods are not listed.\n", n.Name, n.State)
			continue
		}
		got, err := NewNodeClient(n.Name, n.URL).List(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the pods of node %s: %s", n.Name, message(err))
		}
		for _, p := range got {
			if p.Namespace == c.cfg.Namespace {
				pods = append(pods, p)
			}
		}
	}
	return pods, nil
}

// PodGet prints one pod: a table line, or the whole pod (output yaml/json).
func (c *CLI) PodGet(ctx context.Context, name, output string) error {
	pod, _, err := c.findPod(ctx, name)
	if err != nil {
		return err
	}
	pod.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	switch output {
	case "":
		return printPods(c.cfg.Out, []corev1.Pod{*pod}, c.now())
	case "yaml":
		data, err := yaml.Marshal(pod)
		if err != nil {
			return fmt.Errorf("encode pod %s: %w", name, err)
		}
		_, err = c.cfg.Out.Write(data)
		return err
	case "json":
		enc := json.NewEncoder(c.cfg.Out)
		enc.SetIndent("", "    ")
		return enc.Encode(pod)
	}
	return fmt.Errorf("output format %q: choose yaml or json (or none for a table line)", output)
}

// findPod finds pod name of the namespace and a client of its node: in
// stage 1 by asking every node, in stage 2 from its record.
func (c *CLI) findPod(ctx context.Context, name string) (*corev1.Pod, *NodeClient, error) {
	ns := c.cfg.Namespace
	notFound := fmt.Errorf("pod %s not found in namespace %s: `ownkube pod list` shows the pods there", name, ns)
	if c.records != nil {
		pod, err := c.records.GetPod(ctx, ns, name)
		if isNotFound(err) {
			return nil, nil, notFound
		}
		if err != nil {
			return nil, nil, fmt.Errorf("get pod %s: %s", name, message(err))
		}
		nc, err := c.node(ctx, pod.Spec.NodeName)
		if errors.Is(err, cluster.ErrNoNode) {
			return pod, nil, nil // recorded, but its node is gone
		}
		return pod, nc, err
	}
	nodes, err := cluster.PushNodes(ctx, c.cfg.Cluster)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range nodes {
		if n.URL == "" {
			continue
		}
		nc := NewNodeClient(n.Name, n.URL)
		pod, err := nc.Get(ctx, ns, name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ask node %s for pod %s: %s", n.Name, name, message(err))
		}
		return pod, nc, nil
	}
	return nil, nil, notFound
}

// PodDelete tears pod name down on its node and, in stage 2, removes its record.
func (c *CLI) PodDelete(ctx context.Context, name string, grace *int64) error {
	pod, nc, err := c.findPod(ctx, name)
	if err != nil {
		return err
	}
	if nc != nil {
		err := nc.Delete(ctx, pod.Namespace, pod.Name, grace, c.cfg.Timeout)
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("node %s: %s", nc.Node, message(err))
		}
	}
	if c.records != nil {
		if err := c.records.DeletePod(ctx, pod.Namespace, pod.Name); err != nil && !isNotFound(err) {
			return fmt.Errorf("remove the record of pod %s: %s", name, message(err))
		}
	}
	fmt.Fprintf(c.cfg.Out, "pod %q deleted\n", name)
	return nil
}

// PodLogs copies the log of a container of pod name to the output.
func (c *CLI) PodLogs(ctx context.Context, name, container string, follow bool) error {
	pod, nc, err := c.findPod(ctx, name)
	if err != nil {
		return err
	}
	if nc == nil {
		return fmt.Errorf("pod %s was on node %s, which is gone: delete the pod (`ownkube pod delete %s`)", name, pod.Spec.NodeName, name)
	}
	if err := nc.Logs(ctx, pod.Namespace, pod.Name, container, follow, c.cfg.Out); err != nil {
		return fmt.Errorf("node %s: %s", nc.Node, message(err))
	}
	return nil
}

// PodLabel sets (k=v) or removes (k-) labels of pod name. In stage 2 it is
// a compare-and-swap of the pod's record, retried on conflict, so that
// concurrent runs keep each other's labels. In stage 1 the node's copy is
// read and pushed back: the last writer wins, which is what stage 2 mends.
func (c *CLI) PodLabel(ctx context.Context, name string, args []string, overwrite bool) error {
	set, remove, err := ParseLabelArgs(args)
	if err != nil {
		return err
	}
	relabel := func(p *corev1.Pod) error { return applyLabels(p, set, remove, overwrite) }
	if c.records != nil {
		// The node's copy takes the labels before the record does, on every
		// attempt: whichever write wins the record last, its labels (all of
		// them) were pushed after any stale attempt's, which then retried.
		relabelBoth := func(p *corev1.Pod) error {
			if err := relabel(p); err != nil {
				return err
			}
			return c.pushLabels(ctx, p)
		}
		if _, err := c.records.UpdatePod(ctx, c.cfg.Namespace, name, relabelBoth); err != nil {
			if isNotFound(err) {
				return fmt.Errorf("pod %s not found in namespace %s: `ownkube pod list` shows the pods there", name, c.cfg.Namespace)
			}
			return fmt.Errorf("label pod %s: %s", name, message(err))
		}
	} else {
		pod, nc, err := c.findPod(ctx, name)
		if err != nil {
			return err
		}
		if err := relabel(pod); err != nil {
			return err
		}
		if _, err := nc.Put(ctx, pod, c.cfg.Timeout); err != nil {
			return fmt.Errorf("node %s: %s", nc.Node, message(err))
		}
	}
	fmt.Fprintf(c.cfg.Out, "pod/%s labeled\n", name)
	return nil
}

// pushLabels gives the node of a recorded pod the pod's labels (a pod
// whose node is gone keeps them in its record only).
func (c *CLI) pushLabels(ctx context.Context, pod *corev1.Pod) error {
	nc, err := c.node(ctx, pod.Spec.NodeName)
	if errors.Is(err, cluster.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	onNode := pod.DeepCopy()
	onNode.ResourceVersion = ""
	if _, err := nc.Put(ctx, onNode, c.cfg.Timeout); err != nil {
		return fmt.Errorf("node %s: %s", nc.Node, message(err))
	}
	return nil
}

// ParseLabelArgs reads kubectl label's arguments: k=v sets, k- removes.
func ParseLabelArgs(args []string) (map[string]string, []string, error) {
	if len(args) == 0 {
		return nil, nil, errors.New("give at least one label: key=value to set it, key- to remove it")
	}
	set := map[string]string{}
	var remove []string
	for _, a := range args {
		if k, ok := strings.CutSuffix(a, "-"); ok && !strings.Contains(a, "=") {
			remove = append(remove, k)
			continue
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, nil, fmt.Errorf("%q is not a label: write key=value to set it, key- to remove it", a)
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, nil, fmt.Errorf("label key %q is not valid: %s", k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return nil, nil, fmt.Errorf("label value %q is not valid: %s", v, strings.Join(errs, "; "))
		}
		set[k] = v
	}
	return set, remove, nil
}

func applyLabels(p *corev1.Pod, set map[string]string, remove []string, overwrite bool) error {
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	for k, v := range set {
		if old, ok := p.Labels[k]; ok && old != v && !overwrite {
			return fmt.Errorf("label %q of pod %s is %q already: give --overwrite to change it", k, p.Name, old)
		}
	}
	maps.Copy(p.Labels, set)
	for _, k := range remove {
		delete(p.Labels, k)
	}
	return nil
}

// message is what a user reads of err: an API Status as its reason and
// message, a stub's with what to do about it.
func message(err error) string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return err.Error()
	}
	st := status.Status()
	msg := st.Message
	if st.Reason == "NotImplemented" && !strings.Contains(msg, "exercises/") {
		msg += ": write it in exercises/ to pass this stage"
	}
	if st.Reason == "" {
		return msg
	}
	return fmt.Sprintf("(%s) %s", st.Reason, msg)
}

// statusMessage is the message alone of an API Status.
func statusMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Message
	}
	return err.Error()
}
