package coupled

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeClient speaks to the pod API of one push node (see
// kubelet.PushSource.Routes).
type NodeClient struct {
	// Node names the node, for messages; BaseURL is http://host:port.
	Node, BaseURL string
	HTTP          *http.Client
}

// NewNodeClient returns a client of the node whose pod API is at baseURL.
func NewNodeClient(node, baseURL string) *NodeClient {
	// No client-wide timeout: a push waits for containers to start, and
	// a log may be followed. The node bounds its own waits (?timeout=).
	return &NodeClient{Node: node, BaseURL: strings.TrimSuffix(baseURL, "/"), HTTP: &http.Client{}}
}

// Put pushes pod to the node and returns it with the status it started with.
func (c *NodeClient) Put(ctx context.Context, pod *corev1.Pod, timeout time.Duration) (*corev1.Pod, error) {
	body, err := json.Marshal(pod)
	if err != nil {
		return nil, fmt.Errorf("encode pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	out := &corev1.Pod{}
	q := url.Values{"timeout": {timeout.String()}}
	return out, c.do(ctx, http.MethodPut, podPath(pod.Namespace, pod.Name)+"?"+q.Encode(), body, out)
}

// Get returns one pod of the node.
func (c *NodeClient) Get(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	out := &corev1.Pod{}
	return out, c.do(ctx, http.MethodGet, podPath(namespace, name), nil, out)
}

// List returns every pod of the node.
func (c *NodeClient) List(ctx context.Context) ([]corev1.Pod, error) {
	out := &corev1.PodList{}
	if err := c.do(ctx, http.MethodGet, "/pods", nil, out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// Delete tears a pod down and returns once it is gone from the node.
func (c *NodeClient) Delete(ctx context.Context, namespace, name string, grace *int64, timeout time.Duration) error {
	q := url.Values{"timeout": {timeout.String()}}
	if grace != nil {
		q.Set("gracePeriodSeconds", fmt.Sprint(*grace))
	}
	return c.do(ctx, http.MethodDelete, podPath(namespace, name)+"?"+q.Encode(), nil, &corev1.Pod{})
}

// Logs copies the log of a container of a pod (its first if container is
// empty) to w.
func (c *NodeClient) Logs(ctx context.Context, namespace, name, container string, follow bool, w io.Writer) error {
	q := url.Values{}
	if container != "" {
		q.Set("container", container)
	}
	if follow {
		q.Set("follow", "true")
	}
	resp, err := c.send(ctx, http.MethodGet, podPath(namespace, name)+"/log?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.statusError(resp)
	}
	if _, err := io.Copy(w, resp.Body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read the log of pod %s/%s from node %s: %w", namespace, name, c.Node, err)
	}
	return nil
}

func podPath(namespace, name string) string {
	return "/pods/" + url.PathEscape(namespace) + "/" + url.PathEscape(name)
}

func (c *NodeClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return c.statusError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("node %s answered %s %s with what is not JSON: %w", c.Node, method, path, err)
	}
	return nil
}

func (c *NodeClient) send(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", c.Node, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("node %s does not answer at %s (is its container running? see `ownkube node list`): %w", c.Node, c.BaseURL, err)
	}
	return resp, nil
}

// statusError decodes the node's Status into an API error; a body that is
// no Status (a proxy's, say) still becomes one, with the code it came with.
func (c *NodeClient) statusError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var st metav1.Status
	if err := json.Unmarshal(data, &st); err != nil || st.Kind != "Status" {
		st = metav1.Status{Status: metav1.StatusFailure, Code: int32(resp.StatusCode),
			Message: fmt.Sprintf("node %s answered %s: %s", c.Node, resp.Status, strings.TrimSpace(string(data)))}
	}
	return &apierrors.StatusError{ErrStatus: st}
}
