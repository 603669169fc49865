package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Config says which cluster to talk to and where to print.
type Config struct {
	// Kubeconfig is the path of the kubeconfig; a list of paths joined as
	// in $KUBECONFIG is merged as kubectl merges it.
	Kubeconfig string
	// Namespace, when set (-n), overrides the context's namespace.
	Namespace string
	// Out receives results, ErrOut notes and the server's warnings.
	Out, ErrOut io.Writer
}

// Client runs get, apply and delete against one cluster.
type Client struct {
	namespace         string // the context's namespace, -n, or default
	explicitNamespace bool   // set by -n: objects of files must agree
	out, errOut       io.Writer
	rest              *rest.RESTClient
	mapper            meta.RESTMapperWithContext
	categories        restmapper.CategoryExpanderWithContext
}

// New loads the kubeconfig and prepares a client; it does not contact the
// server until a command runs.
func New(cfg Config) (*Client, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.ErrOut == nil {
		cfg.ErrOut = io.Discard
	}
	paths := filepath.SplitList(cfg.Kubeconfig)
	if !anyExists(paths) {
		return nil, fmt.Errorf("no kubeconfig at %s: is the cluster up? run \"ownkube up\" (or make up) first", cfg.Kubeconfig)
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{Precedence: paths},
		&clientcmd.ConfigOverrides{Context: clientcmdapi.Context{Namespace: cfg.Namespace}})
	rc, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", cfg.Kubeconfig, err)
	}
	namespace, explicit, err := loader.Namespace()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", cfg.Kubeconfig, err)
	}

	rc = rest.CopyConfig(rc)
	if rc.QPS == 0 { // kubectl's own limits, not client-go's 5/s
		rc.QPS, rc.Burst = 50, 300
	}
	rc.WarningHandler = rest.NewWarningWriter(cfg.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	rc.NegotiatedSerializer = scheme.Codecs.WithoutConversion() // decodes the Status of errors
	rc.ContentType = runtime.ContentTypeJSON
	restClient, err := rest.UnversionedRESTClientFor(rc)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", rc.Host, err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("discovery client for %s: %w", rc.Host, err)
	}
	cached := memory.NewMemCacheClientWithContext(disco)
	mapper := restmapper.NewDeferredDiscoveryRESTMapperWithContext(cached)
	return &Client{
		namespace:         namespace,
		explicitNamespace: explicit,
		out:               cfg.Out,
		errOut:            cfg.ErrOut,
		rest:              restClient,
		mapper: restmapper.NewShortcutExpanderWithContext(mapper, cached, func(msg string) {
			fmt.Fprintln(cfg.ErrOut, "Warning:", msg)
		}),
		categories: restmapper.NewDiscoveryCategoryExpanderWithContext(cached),
	}, nil
}

func anyExists(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// run runs a command once the server answers, so that an unreachable
// server is one clear error rather than one per discovery attempt; its
// errors read as kubectl's (see Message).
func (c *Client) run(ctx context.Context, command func() error) error {
	if _, err := do(ctx, c.rest.Get().AbsPath("/version")); err != nil {
		return errorList{err}
	}
	err := command()
	var list errorList
	if err == nil || errors.As(err, &list) {
		return err
	}
	return errorList{err}
}

// target is one thing a command acts on: a named object, or a collection
// when name is empty. namespace is empty for cluster-scoped resources and
// for collections across all namespaces.
type target struct {
	mapping   *meta.RESTMapping
	namespace string
	name      string
	source    string // the file it came from, if any
}

func namespaced(m *meta.RESTMapping) bool { return m.Scope.Name() == meta.RESTScopeNameNamespace }

// kindName is how kubectl names a kind to users: pod, deployment.apps.
func kindName(m *meta.RESTMapping) string {
	return strings.ToLower(m.GroupVersionKind.GroupKind().String())
}

// request starts a request for t: the object when t has a name, the
// collection otherwise.
func (c *Client) request(verb string, t target) *rest.Request {
	gv := t.mapping.Resource.GroupVersion()
	prefix := []string{"/apis", gv.Group, gv.Version}
	if gv.Group == "" {
		prefix = []string{"/api", gv.Version}
	}
	r := c.rest.Verb(verb).AbsPath(prefix...).
		NamespaceIfScoped(t.namespace, namespaced(t.mapping) && t.namespace != "").
		Resource(t.mapping.Resource.Resource)
	if t.name != "" {
		r = r.Name(t.name)
	}
	return r
}

// resolve turns kubectl-style arguments into targets in namespace:
//
//	pods | po,svc | all          collections
//	pod web db | po,svc web      named objects of each type
//	pods/web svc/db              type/name pairs
func (c *Client) resolve(ctx context.Context, args []string, namespace string) ([]target, error) {
	if len(args) == 0 {
		return nil, errors.New("you must specify the type of resource, e.g. pods, deploy, svc, ns")
	}
	var ts []target
	add := func(typ string, names ...string) error {
		mappings, err := c.mappings(ctx, typ)
		if err != nil {
			return err
		}
		for _, m := range mappings {
			ns := namespace
			if !namespaced(m) {
				ns = ""
			}
			for _, name := range names {
				ts = append(ts, target{mapping: m, namespace: ns, name: name})
			}
		}
		return nil
	}
	if strings.Contains(args[0], "/") {
		for _, arg := range args {
			typ, name, _ := strings.Cut(arg, "/")
			if typ == "" || name == "" || strings.Contains(name, "/") || strings.Contains(typ, ",") {
				return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name: %q", arg)
			}
			if err := add(typ, name); err != nil {
				return nil, err
			}
		}
		return ts, nil
	}
	names := args[1:]
	for _, name := range names {
		if strings.Contains(name, "/") {
			return nil, fmt.Errorf("there is no need to give a resource type as a separate argument with resource/name arguments: use %q alone", name)
		}
	}
	if len(names) == 0 {
		names = []string{""}
	}
	return ts, add(args[0], names...)
}

// mappings resolves a comma-separated list of types — resources, short
// names, kinds, categories such as all — to their REST mappings.
func (c *Client) mappings(ctx context.Context, types string) ([]*meta.RESTMapping, error) {
	var out []*meta.RESTMapping
	seen := map[schema.GroupVersionResource]bool{}
	for _, typ := range strings.Split(types, ",") {
		if typ == "" {
			return nil, fmt.Errorf("empty resource type in %q", types)
		}
		var ms []*meta.RESTMapping
		if grs, ok := c.categories.ExpandWithContext(ctx, typ); ok && !strings.Contains(typ, ".") {
			for _, gr := range grs {
				m, err := c.mappingFor(ctx, gr.String())
				if err != nil {
					return nil, err
				}
				ms = append(ms, m)
			}
		} else {
			m, err := c.mappingFor(ctx, typ)
			if err != nil {
				return nil, err
			}
			ms = append(ms, m)
		}
		for _, m := range ms {
			if !seen[m.Resource] {
				seen[m.Resource] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// mappingFor finds the mapping of one type as kubectl does: as a resource
// (pods, po, pods.v1., deploy.apps), else as a kind (Pod, Deployment.apps).
func (c *Client) mappingFor(ctx context.Context, arg string) (*meta.RESTMapping, error) {
	full, gr := schema.ParseResourceArg(arg)
	var gvk schema.GroupVersionKind
	if full != nil {
		gvk, _ = c.mapper.KindForWithContext(ctx, *full)
	}
	if gvk.Empty() {
		gvk, _ = c.mapper.KindForWithContext(ctx, gr.WithVersion(""))
	}
	if !gvk.Empty() {
		return c.mapper.RESTMappingWithContext(ctx, gvk.GroupKind(), gvk.Version)
	}
	m, err := c.mapper.RESTMappingWithContext(ctx, schema.ParseGroupKind(arg))
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("the server doesn't have a resource type %q", gr.Resource)
	}
	if err != nil {
		return nil, fmt.Errorf("find resource type %q: %w", arg, err)
	}
	return m, nil
}

// watchEvents streams the watch req and hands fn each event until fn says
// done, the server ends the stream (nil), ctx ends (its error), or the
// server sends an ERROR event (its Status, as an error).
func watchEvents(ctx context.Context, req *rest.Request, fn func(watch.EventType, []byte) (done bool, err error)) error {
	stream, err := req.Param("watch", "true").Stream(ctx)
	if err != nil {
		return err
	}
	defer stream.Close()
	dec := json.NewDecoder(stream)
	for {
		var ev struct {
			Type   watch.EventType `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if err := dec.Decode(&ev); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read watch: %w", err)
		}
		switch ev.Type {
		case watch.Bookmark:
			continue
		case watch.Error:
			var status metav1.Status
			if err := json.Unmarshal(ev.Object, &status); err != nil {
				return fmt.Errorf("read watch error: %w", err)
			}
			return &apierrors.StatusError{ErrStatus: status}
		}
		if done, err := fn(ev.Type, ev.Object); done || err != nil {
			return err
		}
	}
}

// withSource names the file an error came from, as kubectl does, keeping a
// server's Status so that it still reads as one.
func withSource(verb, source string, err error) error {
	if source == "" {
		return err
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		s.Message = fmt.Sprintf("error when %s %q: %s", verb, source, s.Message)
		return &apierrors.StatusError{ErrStatus: s}
	}
	return fmt.Errorf("error when %s %q: %w", verb, source, err)
}

// Message is what kubectl prints for err: the server's Status with its
// reason, a refused connection as advice, anything else as it is.
func Message(err error) string {
	if list, ok := err.(errorList); ok {
		return list.Error()
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if reason := status.Status().Reason; reason != "" {
			return fmt.Sprintf("Error from server (%s): %s", reason, status.Status().Message)
		}
		return fmt.Sprintf("Error from server: %s", status.Status().Message)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		host := uerr.URL
		if u, perr := url.Parse(uerr.URL); perr == nil {
			host = u.Host
		}
		if strings.Contains(uerr.Err.Error(), "connection refused") {
			return fmt.Sprintf("the connection to the server %s was refused: is the cluster up?", host)
		}
		return fmt.Sprintf("unable to connect to the server %s: %v", host, uerr.Err)
	}
	return err.Error()
}

// errorList is the errors of a command that went on after each: it prints
// one Message a line, and errors.Is/As see every one.
type errorList []error

func (l errorList) Error() string {
	lines := make([]string, len(l))
	for i, err := range l {
		lines[i] = Message(err)
	}
	return strings.Join(lines, "\n")
}

func (l errorList) Unwrap() []error { return l }

func (l errorList) orNil() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// do sends r and returns the body, or the server's Status as an error.
func do(ctx context.Context, r *rest.Request) ([]byte, error) {
	res := r.Do(ctx)
	data, _ := res.Raw()
	return data, res.Error()
}
